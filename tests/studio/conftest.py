"""Tiny trained runs for the studio tests (a GAN, a denoising AE, a VAE, a super-resolution net), made
once per test session in a few seconds, and the app over them."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("starlette", reason="the studio needs starlette (pip install 'genlab[studio]')")

COMMON = ["train.batch_size=16", "train.steps=4", "train.epochs=null", "train.minutes=null", "train.log_every=1",
          "train.sample_every=2", "train.checkpoint_every=2", "train.tensorboard=false", "train.n_samples=16"]


def tiny_data(root):
    """An MNIST-shaped npz with labels 0-3 (a bright square whose place depends on the label)."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, 64)
    x = np.zeros((64, 28, 28), np.uint8)
    for i in range(64):
        r, c = 4 + 8 * (y[i] // 2), 4 + 8 * (y[i] % 2)
        x[i, r:r + 12, c:c + 12] = rng.integers(120, 256, (12, 12))
    np.savez(root / "d.npz", x=x, y=y)
    photos = root / "photos"
    photos.mkdir()
    for i in range(4):
        Image.fromarray(rng.integers(0, 256, (48, 48, 3), dtype=np.uint8)).save(photos / f"p{i}.png")
    return root / "d.npz", photos


@pytest.fixture(scope="session")
def studio_train_overrides() -> list[str]:
    """The train.* overrides that make any preset a few-second run."""
    return list(COMMON)


@pytest.fixture(scope="session")
def runs_root(tmp_path_factory):
    """A runs folder with four tiny finished runs: seed-dcgan-mnist, dae-mnist, vae-conv-mnist, srcnn-x2-photos."""
    from genlab.config import load_config
    from genlab.train.loop import train

    root = tmp_path_factory.mktemp("studio")
    npz, photos = tiny_data(root)
    runs = root / "runs"
    common = COMMON + [f"train.out={runs}"]
    mnist = ["data.name=npz", f"data.path={npz}"]
    train(load_config("seed-dcgan-mnist", common + mnist + ["model.net_args={width: 8}"]), progress=False)
    train(load_config("dae-mnist", common + mnist + ["model.net_args={width: 4, hidden: 16}"]), progress=False)
    train(load_config("vae-conv-mnist", common + mnist + ["model.net_args={width: 4}"]), progress=False)
    train(load_config("srcnn-x2-photos", common + ["data.name=folder", f"data.path={photos}", "data.patch_size=16",
                                                   "model.width=8", "train.n_samples=2"]), progress=False)
    return runs


@pytest.fixture(scope="session")
def run_names(runs_root):
    """{"gan": "00000-seed-dcgan-mnist", "ae": ..., "vae": ..., "sr": ...}."""
    return {fam: next(p.name for p in sorted(runs_root.iterdir()) if key in p.name)
            for fam, key in (("gan", "dcgan"), ("ae", "dae"), ("vae", "vae-conv"), ("sr", "srcnn"))}
