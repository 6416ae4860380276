"""evaluate_model / evaluate_sets end to end on tiny synthetic sets (protocols shrunk to 24 images)."""
import math

import pytest
import torch

import genlab.data
from genlab.data import ImageDataset
from genlab.errors import GenlabError
from genlab.metrics import PROTOCOLS, Protocol, evaluate_model, parse_protocols
import genlab.metrics.protocols as protocols_module

N = 24


class BlobModel:
    """Stands in for a trained model: .sample(n, labels, generator) -> [-1, 1] images."""

    def __init__(self, blobs, width: float, num_classes: int = 0):
        self.blobs, self.width, self.num_classes = blobs, width, num_classes
        self.labels_seen = []

    def sample(self, n, labels=None, generator=None):
        self.labels_seen.append(labels)
        seed = int(torch.randint(0, 2 ** 31, (1,), generator=generator))
        return self.blobs(n, seed=seed, width=self.width).float() / 127.5 - 1


@pytest.fixture
def tiny(monkeypatch, tmp_path, blobs):
    """Tiny protocols, a synthetic 'mnist' and a private refstats cache."""
    for metric in ("fid", "kid", "pr"):
        monkeypatch.setitem(PROTOCOLS, f"{metric}_tiny",
                            Protocol(f"{metric}_tiny", metric, N, N, "test", "test only"))
    real = blobs(N, seed=100, width=2.0)
    monkeypatch.setattr(genlab.data, "load_dataset", lambda name, split="train", **kw: ImageDataset(
        real, torch.zeros(N, dtype=torch.int64), name, split))
    monkeypatch.setattr(protocols_module, "cache_dir", lambda: tmp_path)
    return tmp_path


def test_unknown_protocol_names_the_known_ones():
    with pytest.raises(GenlabError, match="did you mean 'fid10k'.*known: .*kid10k"):
        parse_protocols("fid10")


def test_protocol_table_says_how_numbers_are_measured():
    assert PROTOCOLS["fid10k"].num_fake == PROTOCOLS["fid10k"].num_real == 10_000
    assert PROTOCOLS["fid10k"].real_split == "test"
    assert PROTOCOLS["fid50k_full"].num_real is None and PROTOCOLS["fid50k_full"].real_split == "train"
    assert "biased" in PROTOCOLS["fid2k"].description


def test_evaluate_model_end_to_end(tiny, blobs, inception_ready):
    names = ["fid_tiny", "kid_tiny", "pr_tiny"]
    same = evaluate_model(BlobModel(blobs, width=2.0), "mnist", names, batch_size=10)
    assert set(same) == {"fid_tiny", "kid_tiny_mean", "kid_tiny_std", "pr_tiny_precision",
                         "pr_tiny_recall", "pr_tiny_density", "pr_tiny_coverage"}
    assert all(math.isfinite(v) for v in same.values())
    assert list(tiny.glob("refstats/mnist-test-28px-24-legacy_tensorflow-*.safetensors"))

    other = evaluate_model(BlobModel(blobs, width=4.0), "mnist", names, batch_size=10)
    assert other["fid_tiny"] > 2 * same["fid_tiny"]
    assert other["kid_tiny_mean"] > same["kid_tiny_mean"]

    again = evaluate_model(BlobModel(blobs, width=2.0), "mnist", names, batch_size=10)  # cached ref
    assert again == pytest.approx(same, rel=1e-6)


def test_conditional_models_get_balanced_labels(tiny, blobs, inception_ready):
    model = BlobModel(blobs, width=2.0, num_classes=3)
    evaluate_model(model, "mnist", ["fid_tiny"], batch_size=10)
    labels = torch.cat(model.labels_seen)
    assert torch.bincount(labels).tolist() == [8, 8, 8]


def test_fid_kid_and_pr_share_one_pass_over_the_reference(tiny, blobs, inception_ready, monkeypatch):
    """fid + kid + pr against the same real images extract their features once, not once per metric."""
    from genlab.metrics.features import FeatureExtractor

    seen = []
    original = FeatureExtractor.iter_features

    def counting(self, batches, *, total=None, desc="features"):
        seen.append(desc)
        return original(self, batches, total=total, desc=desc)

    monkeypatch.setattr(FeatureExtractor, "iter_features", counting)
    evaluate_model(BlobModel(blobs, width=2.0), "mnist", ["fid_tiny", "kid_tiny", "pr_tiny"], batch_size=10)
    assert seen == ["reference mnist:test"]
