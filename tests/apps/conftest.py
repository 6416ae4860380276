"""Tiny trained runs for the application tests, built once per module."""
import pytest

from genlab.config import load_config
from genlab.train.loop import train

TINY_CONV = "model.net_args={width: 4, hidden: 16}"


def _tiny_run(tmp_path_factory, preset, extra):
    import numpy as np
    tmp = tmp_path_factory.mktemp(preset)
    rng = np.random.default_rng(0)
    x = (rng.random((64, 28, 28)) * 255).astype(np.uint8)
    np.savez(tmp / "d.npz", x=x, y=rng.integers(0, 4, 64))
    cfg = load_config(preset, [f"data.name=npz", f"data.path={tmp / 'd.npz'}", "train.batch_size=16",
                               "train.steps=2", "train.epochs=null", f"train.out={tmp / 'runs'}",
                               "train.tensorboard=false", "train.n_samples=4", *extra])
    return train(cfg, progress=False).path


@pytest.fixture(scope="module")
def dae_run(tmp_path_factory):
    return _tiny_run(tmp_path_factory, "dae-mnist", [TINY_CONV])


@pytest.fixture(scope="module")
def cvae_run(tmp_path_factory):
    return _tiny_run(tmp_path_factory, "cvae-mnist", ["model.net_args={width: 16}"])


@pytest.fixture(scope="module")
def gan_run(tmp_path_factory):
    return _tiny_run(tmp_path_factory, "seed-dcgan-mnist", ["model.net_args={width: 8}"])


@pytest.fixture(scope="module")
def cgan_run(tmp_path_factory):
    """A class-conditional GAN (conditional BatchNorm, projection D) trained for 2 steps on 4 classes."""
    return _tiny_run(tmp_path_factory, "cgan-mnist", ["model.net_args={width: 8}"])
