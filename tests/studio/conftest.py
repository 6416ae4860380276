"""Tiny trained runs for the studio tests (a GAN, a denoising AE, a VAE, a super-resolution net; a WaveGAN and
an enhancer on synthesized tones), made once per test session in a few seconds, and the app over them."""
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


def tiny_tones(root):
    """24 clips of 0.2 s at 8 kHz in 3 labelled subfolders: sine tones of 3 pitches with a little noise."""
    import soundfile

    rng = np.random.default_rng(0)
    t = np.arange(int(0.2 * 8000)) / 8000
    for label, freq in enumerate((300, 900, 2400)):
        (root / f"c{label}").mkdir(parents=True)
        for i in range(8):
            tone = 0.5 * np.sin(2 * np.pi * freq * (1 + 0.02 * i) * t) + 0.01 * rng.standard_normal(len(t))
            soundfile.write(root / f"c{label}" / f"{i}.wav", tone, 8000)
    return root


@pytest.fixture(scope="session")
def audio_runs_root(tmp_path_factory):
    """A runs folder with two tiny audio runs trained for 2 steps on synthesized tones: a digit-conditional
    wavegan-digits (3 classes, 1024-sample clips), an enhance-digits (mask U-Net of width 2) and a tiny log-mel
    VAE (vae-mel-digits, 32 mel bands)."""
    pytest.importorskip("soundfile", reason="audio needs soundfile and soxr (pip install 'genlab[audio]')")
    import torch

    from genlab.config import load_config
    from genlab.train.loop import train

    root = tmp_path_factory.mktemp("studio-audio")
    tones = tiny_tones(root / "tones")
    runs = root / "runs"
    common = COMMON + [f"train.out={runs}", "train.steps=2", "train.batch_size=4", "train.n_samples=3",
                       "data.name=audio-folder", f"data.path={tones}", "data.audio_length=1024"]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        train(load_config("wavegan-digits", common + ["model.net_args={width: 4}", "model.n_critic=2"]), progress=False)
        train(load_config("enhance-digits", common + ["model.net_args={width: 2}"]), progress=False)
        train(load_config("vae-mel-digits", common + ["train.epochs=null", "model.n_mels=32", "model.n_fft=128",
                                                      "model.hop=32", "model.latent_dim=4", "model.griffin_lim_iters=4",
                                                      "model.net_args={width: 4, hidden: 16}"]), progress=False)
    finally:
        torch.set_num_threads(threads)
    return runs


@pytest.fixture(scope="session")
def audio_run_names(audio_runs_root):
    """{"audio-gan": "00000-wavegan-digits", "enhance": "00001-enhance-digits", "mel-vae": "00002-vae-mel-digits"}."""
    return {fam: next(p.name for p in sorted(audio_runs_root.iterdir()) if key in p.name)
            for fam, key in (("audio-gan", "wavegan"), ("enhance", "enhance"), ("mel-vae", "vae-mel"))}


@pytest.fixture(scope="session")
def image_apps_root(tmp_path_factory):
    """A runs folder with four tiny image-to-image runs trained for 2 steps (random VGG19 for the style
    losses, so nothing is downloaded): fast-style (johnson), adain, pix2pix (Canny edges -> 28 px gray)
    and CycleGAN (gray digits <-> flat squares). Also holds style.png, the johnson run's style image."""
    import torch

    from genlab.config import load_config
    from genlab.train.loop import train

    root = tmp_path_factory.mktemp("studio-image-apps")
    rng = np.random.default_rng(0)
    np.savez(root / "rgb.npz", x=rng.integers(0, 256, (16, 24, 24, 3), dtype=np.uint8))
    np.savez(root / "gray.npz", x=rng.integers(0, 256, (64, 28, 28), dtype=np.uint8), y=rng.integers(0, 4, 64))
    np.savez(root / "b.npz", x=np.full((32, 28, 28), 200, np.uint8))
    stripes = np.zeros((40, 48, 3), np.uint8)
    stripes[:, ::4, 0], stripes[::6, :, 2] = 255, 200
    Image.fromarray(stripes).save(root / "style.png")
    runs = root / "runs"
    common = COMMON + [f"train.out={runs}", "train.steps=2", "train.n_samples=2"]
    style = ["data.name=npz", f"data.path={root / 'rgb.npz'}", "data.patch_size=16", "train.batch_size=4",
             "model.width=4", "model.depth=1", "model.vgg_weights=random", "model.style_size=32"]
    gray = ["data.name=npz", f"data.path={root / 'gray.npz'}", "model.width=4", "model.d_width=4"]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        train(load_config("fast-style-starry-night", common + style + [f"model.style={root / 'style.png'}"]), progress=False)
        train(load_config("adain-photos", common + style + [f"model.styles=[{root / 'style.png'}]"]), progress=False)
        train(load_config("pix2pix-edges-fashion", common + gray + ["model.depth=3"]), progress=False)
        train(load_config("cyclegan-mnist-digits", common + gray + ["model.depth=1", f"data.domain_b=npz:{root / 'b.npz'}"]),
              progress=False)
    finally:
        torch.set_num_threads(threads)
    return runs


@pytest.fixture(scope="session")
def image_app_names(image_apps_root):
    """{"johnson": "00000-fast-style-starry-night", "adain": ..., "pix2pix": ..., "cyclegan": ...}."""
    return {key: next(p.name for p in sorted(image_apps_root.iterdir()) if part in p.name)
            for key, part in (("johnson", "fast-style"), ("adain", "adain"), ("pix2pix", "pix2pix"),
                              ("cyclegan", "cyclegan"))}
