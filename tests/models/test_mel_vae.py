"""The mel VAE (models/mel_vae.py) on synthesized tones: its representation, a few steps with a falling loss,
save -> load giving identical clips, and `genlab interpolate` between two clip files writing WAVs and a
spectrogram strip."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
import soundfile
import torch
from PIL import Image

from genlab.cli import main
from genlab.config import load_config
from genlab.errors import ConfigError
from genlab.train.loop import train
from genlab.train.run import build_model, load_run

pytestmark = pytest.mark.usefixtures("one_thread")

TINY = ["data.audio_length=1024", "model.n_mels=32", "model.n_fft=128", "model.hop=32", "model.latent_dim=4",
        "model.net_args={width: 4, hidden: 16}", "model.griffin_lim_iters=4"]


def _run(tiny_wavs, out, steps):
    return train(load_config("vae-mel-digits", [
        "data.name=audio-folder", f"data.path={tiny_wavs}", *TINY, "model.lr=0.003", "train.batch_size=8",
        f"train.steps={steps}", "train.epochs=null", "train.log_every=1", "train.sample_every=100",
        "train.n_samples=4", "train.tensorboard=false", f"train.out={out}"]), progress=False)


def test_the_preset_makes_64x64_log_mel_images_of_16384_sample_clips():
    model = build_model(load_config("vae-mel-digits", ["model.net_args={width: 2, hidden: 8}"]), img_channels=1,
                        img_resolution=16384, num_classes=10)
    assert model.spec.shape == (64, 64) and model.spec.filterbank.shape == (64, 257)
    clips = 0.3 * torch.sin(torch.arange(16384) / 16000 * 2 * math.pi * 440).reshape(1, 1, -1)
    assert model.spectrograms(clips).shape == (1, 1, 64, 64)
    assert model.sample(2, generator=torch.Generator().manual_seed(0)).shape == (2, 1, 16384)
    with pytest.raises(ConfigError, match="square spectrograms.*16000 / 256 = 62 frames"):
        build_model(load_config("vae-mel-digits"), img_channels=1, img_resolution=16000, num_classes=10)


def test_training_lowers_the_loss_and_reload_gives_identical_clips(tiny_wavs, tmp_path):
    run = _run(tiny_wavs, tmp_path, steps=12)
    records = [json.loads(line) for line in (run.path / "metrics.jsonl").read_text().splitlines()]
    losses = [r["loss"] for r in records if "loss" in r]
    assert len(losses) == 12 and all(math.isfinite(v) for v in losses)
    assert np.mean(losses[-3:]) < np.mean(losses[:3])
    model, loaded = run.model, load_run(run.path).model
    assert torch.equal(model.spec.mean, loaded.spec.mean) and torch.equal(model.spec.std, loaded.spec.std)
    a = model.sample(3, generator=torch.Generator().manual_seed(1))
    b = loaded.sample(3, generator=torch.Generator().manual_seed(1))
    assert a.shape == (3, 1, 1024) and torch.equal(a, b) and a.abs().max() <= 1
    clips = torch.from_numpy(soundfile.read(next(tiny_wavs.rglob("*.wav")))[0][:1024, 0]).float().reshape(1, 1, -1)
    assert model.encode(clips).shape == (1, 4) and torch.isfinite(model.elbo(clips)).all()


def test_interpolate_between_two_clips_writes_wavs_and_a_spectrogram_strip(tiny_wavs, tmp_path, capsys):
    run = _run(tiny_wavs, tmp_path / "runs", steps=2)
    a, b = sorted(tiny_wavs.glob("c0/*.wav"))[0], sorted(tiny_wavs.glob("c3/*.wav"))[0]
    out = tmp_path / "walk"
    assert main(["interpolate", str(run.path), "--from", str(a), "--to", str(b), "--steps", "5",
                 "--out", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["clips"] == 5
    names = sorted(p.name for p in out.iterdir())
    assert names == ["spectrograms.png", *[f"step{i:02d}.wav" for i in range(5)], "walk.wav"]
    x, rate = soundfile.read(out / "step02.wav")
    assert rate == 16000 and x.shape == (1024,)
    assert soundfile.info(out / "walk.wav").frames == 5 * (1024 + 4000)  # 5 clips + 0.25 s gaps
    strip = Image.open(out / "spectrograms.png")
    assert strip.height < 2 * 128 and strip.width >= 5 * 17  # one row of 5 spectrograms, 128 x 17 each
    # the ends are the two clips' own codes decoded: a seed endpoint works as well (prior draws)
    assert main(["interpolate", str(run.path), "--from", "0", "--to", str(b), "--steps", "2", "--slerp",
                 "--out", str(tmp_path / "w2")]) == 0
    y, _ = soundfile.read(tmp_path / "w2" / "step01.wav")
    z, _ = soundfile.read(out / "step04.wav")
    np.testing.assert_allclose(y, z, atol=2 / 32768)
    # a file that is not audio is a one-line error, and the folder already written is left alone
    (tmp_path / "notes.txt").write_text("not audio")
    capsys.readouterr()
    assert main(["interpolate", str(run.path), "--from", str(tmp_path / "notes.txt"), "--to", "1",
                 "--out", str(out)]) == 2
    assert "notes.txt' is not an audio file" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == names
