"""`genlab enhance`: recordings of any length, chunk by chunk with cross-faded overlaps, bounded memory,
nothing written on bad input."""
from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile
import torch

from genlab.apps.enhance import enhance_stream
from genlab.cli import main


def blocks(x, size):
    return (x[i:i + size] for i in range(0, len(x), size))


@pytest.mark.parametrize("length", [500, 4000, 9000, 10_000, 10_500, 33_333])
def test_identity_and_gain_pass_through_exactly(length):
    """With chunk 4000 and overlap 1000 (windows start every 3000): an identity enhancer gives the input
    back, a constant gain scales it, whatever the length (shorter than a chunk, exact, remainders)."""
    x = np.random.default_rng(0).standard_normal(length).astype(np.float32)
    seen = []

    def identity(clip):
        seen.append(clip.shape[-1])
        return clip
    out = np.concatenate(list(enhance_stream(identity, blocks(x, 777), chunk=4000, overlap=1000)))
    np.testing.assert_allclose(out, x, atol=1e-6)
    assert max(seen) <= 4000  # memory: never more than one chunk at a time
    half = np.concatenate(list(enhance_stream(lambda c: c * 0.5, blocks(x, 2048), chunk=4000, overlap=1000)))
    np.testing.assert_allclose(half, x * 0.5, atol=1e-6)


def test_windows_are_cross_faded():
    x = np.ones(7000, np.float32)
    calls = iter([0.0, 1.0, 2.0])
    out = np.concatenate(list(enhance_stream(lambda c: c * next(calls), blocks(x, 7000), chunk=4000, overlap=1000)))
    assert out[:3000].max() == 0 and out[4000:].min() == 1  # window 1 alone, then window 2 alone
    fade = out[3000:4000]
    assert np.all(np.diff(fade) > 0) and 0 < fade[0] < 0.01 and 0.99 < fade[-1] < 1  # a linear ramp between


def test_a_long_recording_with_a_baseline(tmp_path, capsys):
    rate = 22050
    t = np.arange(rate * 11) / rate  # 11 s at 22.05 kHz, stereo
    speech = 0.3 * np.sin(2 * np.pi * 200 * t) * ((t * 2) % 1 < 0.5)
    noisy = speech + 0.05 * np.random.default_rng(0).standard_normal(len(t))
    soundfile.write(tmp_path / "noisy.flac", np.stack([noisy, noisy], 1), rate)
    out = tmp_path / "clean.wav"
    assert main(["enhance", "baseline:wiener", str(tmp_path / "noisy.flac"), "--out", str(out), "--json",
                 "--chunk", "3", "--overlap", "0.25"]) == 0
    result = json.loads(capsys.readouterr().out)
    info = soundfile.info(out)
    assert info.samplerate == 16000 and info.channels == 1 and abs(info.frames - 11 * 16000) <= 2
    assert abs(result["seconds"] - 11) < 0.01
    y, _ = soundfile.read(out)
    pauses = ((np.arange(len(y)) / 16000 * 2) % 1 >= 0.55) & ((np.arange(len(y)) / 16000 * 2) % 1 < 0.95)
    assert y[pauses].std() < 0.5 * 0.05  # the noise in the pauses is mostly gone


def test_a_trained_run_enhances(tiny_wavs, tmp_path, capsys):
    torch.set_num_threads(1)
    assert main(["train", "--preset", "enhance-digits", "--steps", "2", "--batch-size", "4", "--quiet",
                 "--set", "data.name=audio-folder", "--set", f"data.path={tiny_wavs}", "--set", "data.audio_length=1024",
                 "--set", "model.net_args={width: 2}", "--set", "train.tensorboard=false", "--out", str(tmp_path / "runs")]) == 0
    run = next((tmp_path / "runs").iterdir())
    assert (run / "samples.wav").is_file() and soundfile.info(run / "samples.wav").frames == 3 * 4 * (1024 + 4000)
    capsys.readouterr()
    src = next(tiny_wavs.rglob("*.wav"))
    assert main(["enhance", str(run), str(src), "--out", str(tmp_path / "e.wav")]) == 0
    assert soundfile.info(tmp_path / "e.wav").frames == 3200
    capsys.readouterr()
    assert main(["eval", str(run), "--metrics", "digits1k"]) == 2
    assert "speech enhancement run" in capsys.readouterr().err
