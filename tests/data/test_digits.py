"""The spoken-digits builder, without espeak-ng: its voice split, clip shaping, cache manifest and errors."""
from __future__ import annotations

import json

import numpy as np
import pytest

from genlab.data import digits
from genlab.errors import ChecksumError, DataError


def test_the_split_is_by_voice_and_covers_every_digit():
    items = digits.utterances()
    assert len(items) == len(digits.ACCENTS) * len(digits.VARIANTS) * digits.SETTINGS_PER_VOICE * 10
    train = {(a, v) for a, v, *_ in items if v not in digits.TEST_VARIANTS}
    test = {(a, v) for a, v, *_ in items if v in digits.TEST_VARIANTS}
    assert train and test and not train & test
    assert set(digits.TEST_VARIANTS) <= set(digits.VARIANTS)
    for a, v, p, s, d in items:
        assert digits.PITCH_RANGE[0] <= p <= digits.PITCH_RANGE[1] and digits.SPEED_RANGE[0] <= s <= digits.SPEED_RANGE[1]
    assert items == digits.utterances()  # the settings are drawn from a fixed seed


def test_trim_and_centre_normalises_and_centres_the_utterance():
    x = np.zeros(20000, np.float32)
    x[1000:5000] = 0.1 * np.sin(np.arange(4000) / 5)
    clip = digits.trim_and_centre(x)
    assert clip.shape == (16000,)
    assert abs(np.abs(clip).max() - digits.PEAK) < 1e-6
    loud = np.nonzero(np.abs(clip) > 0.05)[0]
    assert abs((loud[0] + loud[-1]) / 2 - 8000) < 20  # centred
    long = np.sin(np.arange(30000) / 5).astype(np.float32)
    assert digits.trim_and_centre(long).shape == (16000,)


def test_missing_espeak_is_one_line_naming_the_package(monkeypatch):
    monkeypatch.setattr(digits.shutil, "which", lambda name: None)
    with pytest.raises(DataError, match="apt-get install espeak-ng") as err:
        digits.espeak_binary()
    assert "\n" not in str(err.value)


@pytest.fixture
def fake_espeak(monkeypatch, tmp_path):
    """A cache in tmp_path built from sine 'voices' instead of espeak-ng (2 accents x 5 variants)."""
    monkeypatch.setenv("GENLAB_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(digits, "espeak_binary", lambda: "espeak-ng")
    monkeypatch.setattr(digits, "espeak_version", lambda binary: "fake")
    monkeypatch.setattr(digits, "ACCENTS", ("en", "en-us"))
    monkeypatch.setattr(digits, "VARIANTS", ("m1", "m2", "f1", "m4", "f4"))
    calls = []

    def speak(word, accent, variant, pitch, speed, binary=None):
        calls.append(word)
        t = np.arange(8000) / 16000
        return digits.trim_and_centre((np.sin(2 * np.pi * (100 + 50 * digits.WORDS.index(word)) * t)).astype(np.float32))
    monkeypatch.setattr(digits, "speak", speak)
    return calls


def test_cache_is_built_once_with_a_manifest_and_checked(fake_espeak):
    x, y, source = digits.load_digits("train")
    assert x.dtype == np.int16 and x.shape == (3 * 2 * 2 * 10, 16000)  # 3 train variants x 2 accents x 2 settings
    assert sorted(set(y.tolist())) == list(range(10))
    tx, ty, _ = digits.load_digits("test")
    assert len(tx) == 2 * 2 * 2 * 10
    n_calls = len(fake_espeak)
    digits.load_digits("train")
    assert len(fake_espeak) == n_calls  # cached: not synthesized again
    manifest = json.loads((digits.digits_dir() / "manifest.json").read_text())
    assert set(manifest) == {"train.npz", "test.npz"}
    assert set(digits.digits_files()) == {str(digits.digits_dir() / n) for n in manifest}
    with open(digits.digits_dir() / "train.npz", "r+b") as f:  # damage the cached file
        f.seek(200)
        f.write(b"\xff\xff")
    with pytest.raises(ChecksumError, match="checksum mismatch"):
        digits.load_digits("train")
    assert not (digits.digits_dir() / "train.npz").exists()  # deleted, so a retry rebuilds


def test_espeak_failure_is_a_data_error(monkeypatch):
    class Proc:
        returncode, stdout, stderr = 1, b"", b"Error: voice 'xx' not found\n"
    monkeypatch.setattr(digits.subprocess, "run", lambda *a, **k: Proc())
    with pytest.raises(DataError, match="voice 'xx' not found"):
        digits.speak("one", "xx", "m1", 50, 150, binary="espeak-ng")
