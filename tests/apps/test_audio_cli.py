"""End to end on synthesized tones: `genlab train` an audio GAN, its run folder (spectrogram grids and WAVs),
`genlab sample --n --labels --out DIR` writing WAVs, and `genlab data info` on an audio folder."""
from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile
from PIL import Image

from genlab.cli import main

pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


def test_train_then_sample_wavs(tiny_wavs, tmp_path, capsys):
    runs = tmp_path / "runs"
    code = main(["train", "--preset", "wavegan-digits", "--steps", "2", "--batch-size", "4", "--quiet",
                 "--set", "data.name=audio-folder", "--set", f"data.path={tiny_wavs}", "--set", "data.audio_length=1024",
                 "--set", "model.net_args={width: 4}", "--set", "model.n_critic=2", "--set", "train.n_samples=6",
                 "--set", "train.sample_every=1", "--set", "train.tensorboard=false", "--out", str(runs)])
    assert code == 0, capsys.readouterr().err
    run = next(runs.iterdir())
    for step in (0, 1, 2):
        grid = Image.open(run / "samples" / f"step_{step:06d}.png")
        assert grid.height > grid.width / 4  # 6 spectrograms, 128 rows each
        info = soundfile.info(run / "samples" / f"step_{step:06d}.wav")
        assert info.samplerate == 16000 and info.frames == 6 * (1024 + 4000)  # 6 clips + 0.25 s gaps
    assert (run / "samples.wav").is_file() and (run / "samples.png").is_file()
    summary = json.loads((run / "summary.json").read_text())
    assert summary["family"] == "audio-gan" and summary["step"] == 2
    capsys.readouterr()

    out = tmp_path / "clips"
    assert main(["sample", str(run), "--n", "5", "--labels", "0-3", "--out", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["clips"] == 5
    wavs = sorted(out.glob("seed*.wav"))
    assert [w.name for w in wavs] == [f"seed{i:06d}-label{i % 4}.wav" for i in range(5)]
    x, rate = soundfile.read(wavs[0])
    assert rate == 16000 and x.shape == (1024,) and np.abs(x).max() <= 1
    # all.wav: the five clips in seed order, each followed by 0.25 s of silence
    joined, rate = soundfile.read(out / "all.wav")
    assert rate == 16000 and joined.shape == (5 * (1024 + 4000),)
    for i, wav in enumerate(wavs):
        np.testing.assert_array_equal(joined[i * 5024:i * 5024 + 1024], soundfile.read(wav)[0])
        assert not joined[i * 5024 + 1024:(i + 1) * 5024].any()
    assert (out / "spectrograms.png").is_file()
    # each clip depends only on its seed: seed 3 alone is the same clip
    assert main(["sample", str(run), "--seeds", "3", "--labels", "3", "--out", str(tmp_path / "one")]) == 0
    y, _ = soundfile.read(tmp_path / "one" / "seed000003-label3.wav")
    z, _ = soundfile.read(out / "seed000003-label3.wav")
    np.testing.assert_allclose(y, z, atol=2 / 32768)


def test_data_info_on_an_audio_folder(tiny_wavs, capsys):
    assert main(["data", "info", f"audio-folder:{tiny_wavs}", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)["splits"]["all"]
    assert info["count"] == 32 and info["num_classes"] == 4 and info["sample_rate"] == 16000
