"""SpecGAN in the audio-gan family (Donahue et al. 2019, section 4): the 2-D nets' shapes and the paper's sizes,
the normalized log-spectrogram representation (statistics, round trip), a few WGAN-GP steps on tones, save ->
load giving identical clips, and `genlab sample` writing WAVs of the clip length."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
import soundfile
import torch

from genlab.cli import main
from genlab.config import load_config
from genlab.errors import ConfigError
from genlab.models.audio_gan import specgan_n_fft
from genlab.models.nets.specgan import SpecGANDiscriminator, SpecGANGenerator, doubling_layers
from genlab.models.spec_repr import CLIP_STD, LOG_EPS, LogSpectrum
from genlab.data.spectral import stft
from genlab.train.loop import train
from genlab.train.run import build_model, load_run

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.mark.parametrize("side,classes", [(8, 0), (32, 3), (128, 10)])
def test_nets_shapes_range_and_scores(side, classes):
    torch.manual_seed(0)
    G = SpecGANGenerator(latent_dim=8, img_channels=1, img_resolution=side, num_classes=classes, width=2)
    D = SpecGANDiscriminator(img_channels=1, img_resolution=side, num_classes=classes, width=2)
    labels = torch.arange(3) % classes if classes else None
    x = G(torch.randn(3, 8), labels)
    assert x.shape == (3, 1, side, side) and x.abs().max() <= 1
    assert D(x, labels).shape == (3,)
    with pytest.raises(ValueError, match="4 x 2\\^k"):
        doubling_layers(side + 4)


def test_the_papers_layer_sizes_at_d64():
    """The paper's SpecGAN (d = 64): G dense 100 -> 4 x 4 x 1024, then 5x5 transposed convs 1024 -> 512 -> 256
    -> 128 -> 64 -> 1; D convs 1 -> 64 -> ... -> 1024, dense 16,384 -> 1. Counts from those shapes."""
    G = SpecGANGenerator(latent_dim=100, img_channels=1, img_resolution=128, width=64)
    D = SpecGANDiscriminator(img_channels=1, img_resolution=128, width=64)
    chans = [1024, 512, 256, 128, 64, 1]
    g_count = 100 * 16384 + 16384 + sum(a * b * 25 + b for a, b in zip(chans, chans[1:]))
    d_count = sum(a * b * 25 + b for a, b in zip(chans[::-1], chans[::-1][1:])) + 16384 + 1
    assert sum(p.numel() for p in G.parameters()) == g_count
    assert sum(p.numel() for p in D.parameters()) == d_count


def test_the_stft_size_follows_the_clip_length():
    assert specgan_n_fft(16384) == 256 and specgan_n_fft(1024) == 64  # 16,384: the paper's 256 / 128
    with pytest.raises(ConfigError, match="square number of samples"):
        specgan_n_fft(16000)
    model = build_model(load_config("specgan-digits", ["model.net_args={width: 2}"]), img_channels=1,
                        img_resolution=16384, num_classes=10)
    assert model.spec.shape == (128, 128) and (model.spec.n_fft, model.spec.hop) == (256, 128)
    assert model.generator(torch.randn(1, 100), torch.tensor([3])).shape == (1, 1, 128, 128)


def _tones(n=12, length=1024, seed=0):
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(length) / 16000
    freqs = 300 + 2000 * torch.rand(n, 1, generator=g)
    return (0.5 * torch.sin(2 * math.pi * freqs * t) + 0.01 * torch.randn(n, length, generator=g))[:, None]


def test_normalization_statistics_and_round_trip():
    clips = _tones()
    spec = LogSpectrum(length=1024, n_fft=64, hop=32, sample_rate=16000)
    spec.fit([clips[:5], clips[5:]])  # in chunks: the same statistics as all at once
    logmag = spec.log_magnitude(clips)  # (12, 32, 32)
    assert torch.allclose(spec.mean, logmag.mean((0, 2)), atol=1e-4)
    assert torch.allclose(spec.std, logmag.std((0, 2), unbiased=False).clamp_min(1e-3), atol=1e-4)
    images = spec(clips)
    assert images.shape == (12, 1, 32, 32) and images.abs().max() <= 1
    # the normalized training data: each bin has mean ~0 (clipping at 3 std moves it a little) and std <= 1/3
    assert images.mean((0, 1, 3)).abs().max() < 0.1 and images.std((0, 1, 3), correction=0).max() <= 1 / CLIP_STD + 1e-4
    # back to magnitudes: exact wherever the value was not clipped
    mag = spec.magnitude(images)  # (12, 33, 33): Nyquist bin and last frame added as zeros
    true = stft(clips[:, 0], 64, 32).abs()
    assert mag.shape == true.shape and (mag[:, -1] == 0).all() and (mag[..., -1] == 0).all()
    kept = images[:, 0].abs() < 1
    assert torch.allclose(mag[:, :-1, :-1][kept] + LOG_EPS, true[:, :-1, :-1][kept] + LOG_EPS, rtol=1e-3, atol=1e-6)
    # and to clips of the right length; the statistics are buffers, so checkpoints carry them
    assert spec.invert(images).shape == (12, 1, 1024)
    assert {"mean", "std"} <= set(spec.state_dict())


def _specgan_run(tiny_wavs, out, steps=3):
    return train(load_config("specgan-digits", [
        "data.name=audio-folder", f"data.path={tiny_wavs}", "data.audio_length=1024", "model.net_args={width: 4}",
        "model.n_critic=2", "model.griffin_lim_iters=4", "model.lr_d=0.001", "train.batch_size=8",
        f"train.steps={steps}", "train.minutes=null", "train.log_every=1", "train.sample_every=100",
        "train.n_samples=4", "train.tensorboard=false", f"train.out={out}"]), progress=False)


def test_training_steps_fit_statistics_and_reload_gives_identical_clips(tiny_wavs, tmp_path):
    run = _specgan_run(tiny_wavs, tmp_path, steps=6)
    records = [json.loads(line) for line in (run.path / "metrics.jsonl").read_text().splitlines()]
    losses = [r["loss_d"] for r in records if "loss_d" in r]
    assert len(losses) == 6 and all(math.isfinite(v) for r in records for v in (r["loss_d"], r["loss_g"], r["gp"]))
    assert losses[-1] < losses[0]  # the critic learns to tell the tones' spectrograms from G's
    model = run.model
    assert not torch.equal(model.spec.std, torch.ones_like(model.spec.std))  # measured, not the defaults
    loaded = load_run(run.path).model
    assert torch.equal(loaded.spec.mean, model.spec.mean) and torch.equal(loaded.spec.std, model.spec.std)
    labels = torch.tensor([0, 1, 2])
    a = model.sample(3, labels, generator=torch.Generator().manual_seed(5))
    b = loaded.sample(3, labels, generator=torch.Generator().manual_seed(5))
    assert a.shape == (3, 1, 1024) and torch.equal(a, b) and a.abs().max() <= 1
    grid = model.preview(model.preview_inputs({"audio": torch.zeros(4, 1, 1024)}, torch.Generator().manual_seed(0)))
    assert grid.shape == (4, 1, 32, 32)


def test_sample_cli_writes_wavs_of_the_clip_length(tiny_wavs, tmp_path, capsys):
    run = _specgan_run(tiny_wavs, tmp_path / "runs", steps=1)
    out = tmp_path / "clips"
    assert main(["sample", str(run.path), "--n", "4", "--labels", "0-3", "--out", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["clips"] == 4
    wavs = sorted(out.glob("seed*.wav"))
    assert [w.name for w in wavs] == [f"seed{i:06d}-label{i}.wav" for i in range(4)]
    assert soundfile.info(out / "all.wav").frames == 4 * (1024 + 4000)
    x, rate = soundfile.read(wavs[2])
    assert rate == 16000 and x.shape == (1024,) and np.abs(x).max() <= 1 and np.abs(x).max() > 0
    assert (out / "spectrograms.png").is_file()
