"""Fréchet distance against closed forms; streaming statistics against numpy."""
import numpy as np
import pytest
import torch

from genlab.errors import GenlabError
from genlab.metrics import FeatureStats, feature_stats, fid_from_features, frechet_distance


def test_diagonal_gaussians_closed_form():
    # For commuting (here diagonal) covariances: ||mu1 - mu2||^2 + sum (sqrt(a) - sqrt(b))^2.
    rng = np.random.default_rng(0)
    mu1, mu2 = rng.normal(size=16), rng.normal(size=16)
    a, b = rng.uniform(0.1, 3, size=16), rng.uniform(0.1, 3, size=16)
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    assert frechet_distance(mu1, np.diag(a), mu2, np.diag(b)) == pytest.approx(expected, rel=1e-10)


def test_rotated_gaussians_closed_form():
    # W2 between N(0, S) and N(0, R S R^T) for a rotation R, S = diag(s): both have the same spectrum,
    # and with commuting factors the distance is 0 when R commutes with S; a general full-rank check:
    rng = np.random.default_rng(1)
    q, _ = np.linalg.qr(rng.normal(size=(8, 8)))
    s = rng.uniform(0.5, 2, size=8)
    sigma1 = q @ np.diag(s) @ q.T
    sigma2 = q @ np.diag(s * 4) @ q.T  # commutes with sigma1: sum (sqrt(s) - 2 sqrt(s))^2 = sum s
    assert frechet_distance(np.zeros(8), sigma1, np.zeros(8), sigma2) == pytest.approx(s.sum(), rel=1e-8)


def test_identical_sets_give_zero():
    feats = torch.randn(500, 64, generator=torch.Generator().manual_seed(0)).abs()
    assert abs(fid_from_features(feats, feats)) < 1e-6


def test_singular_covariances_stay_finite():
    # Fewer samples than dimensions: rank-deficient covariances, as FID on a handful of images.
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(20, 64, generator=g), torch.randn(20, 64, generator=g) + 0.5
    value = fid_from_features(a, b)
    assert np.isfinite(value) and value > 0


def test_streaming_stats_equal_numpy_in_any_batches():
    x = np.random.default_rng(2).normal(size=(301, 32)).astype(np.float32) + 3
    stats = FeatureStats(32)
    for i in range(0, 301, 37):
        stats.update(torch.from_numpy(x[i:i + 37]))
    mu, sigma = stats.mean_cov()
    np.testing.assert_allclose(mu, x.astype(np.float64).mean(0), rtol=1e-12)
    np.testing.assert_allclose(sigma, np.cov(x.astype(np.float64), rowvar=False), rtol=1e-9, atol=1e-12)
    mu2, sigma2 = feature_stats(x)
    np.testing.assert_allclose(sigma2, sigma, rtol=1e-9, atol=1e-12)


def test_max_items_caps_the_count():
    stats = FeatureStats(4, max_items=10)
    stats.update(np.ones((7, 4)))
    stats.update(np.zeros((7, 4)))
    assert stats.n == 10 and stats.full
    assert stats.mean_cov()[0] == pytest.approx(np.full(4, 0.7))


def test_shape_mismatch_is_a_clear_error():
    with pytest.raises(GenlabError, match="shapes differ"):
        frechet_distance(np.zeros(3), np.eye(3), np.zeros(4), np.eye(4))
