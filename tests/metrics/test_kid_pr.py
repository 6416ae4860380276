"""KID and precision/recall/density/coverage on toy distributions with known answers."""
import importlib

import pytest
import torch

from genlab.metrics import density_coverage, kernel_inception_distance, prdc, precision_recall


def gaussian(n, d=32, shift=0.0, seed=0):
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed)) + shift


def test_kid_is_unbiased_for_one_distribution():
    # The unbiased MMD^2 has expectation 0 for samples of one distribution, so its mean over subsets
    # sits within a few standard errors of 0 (a biased estimator would be clearly positive).
    mean, std = kernel_inception_distance(gaussian(2000, seed=0), gaussian(2000, seed=1), subsets=50,
                                          subset_size=500)
    assert abs(mean) < 3 * std / 50 ** 0.5 + 1e-4


def test_kid_grows_with_the_shift_and_is_seeded():
    near = kernel_inception_distance(gaussian(600), gaussian(600, shift=0.2, seed=1), subsets=10)
    far = kernel_inception_distance(gaussian(600), gaussian(600, shift=1.0, seed=1), subsets=10)
    assert far[0] > near[0] > 0
    again = kernel_inception_distance(gaussian(600), gaussian(600, shift=0.2, seed=1), subsets=10)
    assert again == near  # subset size clipped to 600, same seed -> same subsets


def test_same_distribution_has_full_precision_and_recall():
    real, fake = gaussian(1500, d=8, seed=0), gaussian(1500, d=8, seed=1)
    precision, recall = precision_recall(real, fake)
    assert precision > 0.8 and recall > 0.8  # k=3 balls leave some of the tails out
    density, coverage = density_coverage(real, fake)
    assert density == pytest.approx(1.0, abs=0.15) and coverage > 0.9


def test_disjoint_distributions_have_none():
    scores = prdc(gaussian(800, d=8, seed=0), gaussian(800, d=8, shift=20.0, seed=1))
    assert scores == {"precision": 0.0, "recall": 0.0, "density": 0.0, "coverage": 0.0}


def test_mode_collapse_keeps_precision_and_loses_recall():
    real = gaussian(1500, d=8, seed=0)
    collapsed = gaussian(1500, d=8, seed=1) * 0.2  # fake samples bunched in the middle of the data
    precision, recall = precision_recall(real, collapsed)
    assert precision > 0.9 and recall < 0.3


def test_chunking_does_not_change_results(monkeypatch):
    pr = importlib.import_module("genlab.metrics.precision_recall")  # the package re-exports a function

    real, fake = gaussian(700, d=8, seed=0), gaussian(650, d=8, shift=0.5, seed=1)
    full = pr.prdc(real, fake)
    monkeypatch.setattr(pr, "CHUNK", 97)
    assert pr.prdc(real, fake) == full
