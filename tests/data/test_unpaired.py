"""Unpaired domains {"a", "b"} for CycleGAN (data/unpaired.py): shapes, independence, exact resume."""
import numpy as np
import pytest
import torch

from genlab.config import load_config
from genlab.data.sources import build_source
from genlab.errors import ConfigError, DataError


@pytest.fixture
def other_npz(tmp_path):
    """32 gray 14x14 images with labels: loaded at domain A's 28 px."""
    rng = np.random.default_rng(1)
    path = tmp_path / "other.npz"
    np.savez(path, x=rng.integers(0, 256, (32, 14, 14), dtype=np.uint8), y=rng.integers(0, 10, 32))
    return path


def _cfg(tiny_npz, other_npz, *extra):
    return load_config("cyclegan-mnist-digits", ["data.name=npz", f"data.path={tiny_npz}",
                                                 f"data.domain_b=npz:{other_npz}", *extra])


def test_batches_hold_both_domains_at_domain_a_shape(tiny_npz, other_npz):
    source = build_source(_cfg(tiny_npz, other_npz).data, batch_size=8, seed=0)
    batch = source.next()
    assert set(batch) == {"a", "b"}
    assert batch["a"].shape == batch["b"].shape == (8, 1, 28, 28)
    assert source.shape == {"channels": 1, "resolution": 28, "num_classes": 0}
    preview = source.preview_batch(4)
    assert preview["a"].shape == preview["b"].shape == (4, 1, 28, 28)


def test_resume_continues_both_orders_exactly(tiny_npz, other_npz):
    data = _cfg(tiny_npz, other_npz).data
    straight = build_source(data, batch_size=8, seed=3)
    for _ in range(5):  # domain B (32 images) wraps into its second epoch on its own schedule
        straight.next()
    state = straight.state()
    expected = straight.next()
    resumed = build_source(data, batch_size=8, seed=3)
    resumed.load_state(state)
    got = resumed.next()
    assert torch.equal(got["a"], expected["a"]) and torch.equal(got["b"], expected["b"])
    assert state["b"]["epoch"] == 1 and state["a"]["epoch"] == 0


def test_domain_orders_differ_and_wrong_states_are_refused(tiny_npz, tmp_path):
    data = load_config("cyclegan-mnist-digits", ["data.name=npz", f"data.path={tiny_npz}",
                                                 f"data.domain_b=npz:{tiny_npz}"]).data
    source = build_source(data, batch_size=8, seed=0)
    batch = source.next()
    assert not torch.equal(batch["a"], batch["b"])  # same images, different seeded orders: no pairing
    with pytest.raises(DataError, match="unpaired"):
        source.load_state({"kind": "memory", "epoch": 0, "index": 0, "seed": 0, "batch_size": 8, "n": 256})


def test_domain_b_refuses_patch_and_degradation_settings(tiny_npz, other_npz):
    with pytest.raises(ConfigError, match="data.domain_b"):
        _cfg(tiny_npz, other_npz, "data.degradation=edges")
    with pytest.raises(DataError, match="dataset 'nope' is unknown"):
        build_source(_cfg(tiny_npz, other_npz, "data.domain_b=nope").data, batch_size=8, seed=0)
