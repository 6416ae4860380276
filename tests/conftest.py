"""Shared fixtures: tiny image sets written as npz, and a tiny GAN config that trains in seconds."""
from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def tiny_npz(tmp_path):
    """256 MNIST-sized images with a bright blob and labels 0-3, as an npz file."""
    rng = np.random.default_rng(0)
    x = np.zeros((256, 28, 28), np.uint8)
    y = rng.integers(0, 4, size=256)
    for i in range(256):
        r, c = 6 + 4 * (y[i] // 2), 6 + 4 * (y[i] % 2)
        x[i, r:r + 12, c:c + 12] = rng.integers(150, 256, size=(12, 12))
    path = tmp_path / "tiny.npz"
    np.savez(path, x=x, y=y)
    return path


@pytest.fixture
def tiny_overrides(tiny_npz, tmp_path):
    """Overrides that turn the seed preset into a seconds-long run on tiny_npz."""
    return [f"data.name=npz", f"data.path={tiny_npz}", "train.batch_size=16", "train.log_every=1",
            "train.sample_every=2", "train.checkpoint_every=2", "train.n_samples=16", "train.epochs=null",
            f"train.out={tmp_path / 'runs'}", "train.tensorboard=false", "model.net_args={width: 16}"]


@pytest.fixture
def tiny_wavs(tmp_path):
    """32 short WAV clips in 4 labelled subfolders: sine tones of 4 pitches (one per class) with a little
    noise, at 8 kHz stereo so that reading them resamples and mixes down."""
    import soundfile

    rng = np.random.default_rng(0)
    root = tmp_path / "wavs"
    t = np.arange(int(0.2 * 8000)) / 8000
    for label, freq in enumerate((300, 600, 1200, 2400)):
        (root / f"c{label}").mkdir(parents=True)
        for i in range(8):
            tone = 0.5 * np.sin(2 * np.pi * freq * (1 + 0.02 * i) * t) + 0.01 * rng.standard_normal(len(t))
            soundfile.write(root / f"c{label}" / f"{i}.wav", np.stack([tone, tone], 1), 8000)
    return root
