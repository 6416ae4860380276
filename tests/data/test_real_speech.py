"""Real speech (pocketsphinx-testdata): fetched from a fake .deb built with dpkg-deb, so no network is needed;
one test loads the real set when it is already cached."""
from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from genlab.data import real_speech
from genlab.data.audio import soundfile_module
from genlab.errors import DataError
from genlab.io import cache_dir

pytestmark = pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs dpkg-deb to build a fake package")

RAW_VALUES = np.array([0, 1, -1, 32767, -32768, 1000, -1000, 12345] * 200, dtype="<i2")  # known int16 samples
WAV_RATE = 8000  # not 16 kHz, so that reading resamples


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def fake_deb(tmp_path, monkeypatch):
    """A real .deb holding one .raw and one 8 kHz .wav at their member paths; the module's pinned tables point
    at it and apt_download copies it (counting the downloads)."""
    root = tmp_path / "pkg"
    data = root / "usr/share/pocketsphinx/test/data"
    (data / "cards").mkdir(parents=True)
    (root / "DEBIAN").mkdir()
    (root / "DEBIAN/control").write_text("Package: pocketsphinx-testdata\nVersion: 0.8+5prealpha+1-15\n"
                                         "Architecture: all\nMaintainer: test <t@example.org>\nDescription: fake\n")
    (data / "goforward.raw").write_bytes(RAW_VALUES.tobytes())
    t = np.arange(WAV_RATE // 2) / WAV_RATE  # 0.5 s of a 440 Hz tone
    soundfile_module().write(str(data / "cards/001.wav"), 0.5 * np.sin(2 * np.pi * 440 * t), WAV_RATE, subtype="PCM_16")
    deb = tmp_path / "pocketsphinx-testdata_0.8+5prealpha+1-15_all.deb"
    subprocess.run(["dpkg-deb", "--root-owner-group", "--build", str(root), str(deb)], check=True, capture_output=True)
    member = "./usr/share/pocketsphinx/test/data/"
    table = {"cards-001": (member + "cards/001.wav", _sha(data / "cards/001.wav")),
             "goforward": (member + "goforward.raw", _sha(data / "goforward.raw"))}
    monkeypatch.setattr(real_speech, "RECORDINGS", table)
    monkeypatch.setattr(real_speech, "DEB_SHA256", _sha(deb))
    downloads = []

    def fake_apt_download(package, version, dest, hint=""):
        downloads.append((package, version))
        return Path(shutil.copy(deb, Path(dest) / deb.name))

    monkeypatch.setattr(real_speech, "apt_download", fake_apt_download)
    return downloads


def test_files_are_extracted_checked_and_decoded(genlab_home, fake_deb):
    paths = real_speech.ensure_real_speech()
    assert fake_deb == [("pocketsphinx-testdata", "0.8+5prealpha+1-15")]  # one download for both files
    assert {n: p.name for n, p in paths.items()} == {"cards-001": "cards-001.wav", "goforward": "goforward.raw"}
    assert all(p.parent == cache_dir() / "real-speech" and str(p).startswith(str(genlab_home)) for p in paths.values())
    assert all(_sha(p) == real_speech.RECORDINGS[n][1] for n, p in paths.items())
    audio = real_speech.load_real_speech()
    assert fake_deb == [("pocketsphinx-testdata", "0.8+5prealpha+1-15")]  # cached: no second download
    np.testing.assert_array_equal(audio["goforward"], RAW_VALUES.astype(np.float32) / 32768)
    assert audio["goforward"].dtype == np.float32
    wav = audio["cards-001"]
    assert wav.dtype == np.float32 and abs(len(wav) - 8000) <= 16  # 0.5 s resampled to 16 kHz
    assert 0.4 < np.abs(wav).max() < 0.6


def test_damaged_cached_file_is_fetched_again(genlab_home, fake_deb, caplog):
    paths = real_speech.ensure_real_speech()
    paths["goforward"].write_bytes(b"\0\0" * 10)
    again = real_speech.ensure_real_speech(["goforward"])
    assert len(fake_deb) == 2
    assert _sha(again["goforward"]) == real_speech.RECORDINGS["goforward"][1]
    assert "checksum mismatch" in caplog.text


def test_unknown_name_lists_the_known_ones(genlab_home):
    with pytest.raises(DataError) as err:
        real_speech.load_real_speech(["cards-001", "nope"])
    message = str(err.value)
    assert "nope" in message and "\n" not in message
    assert all(name in message for name in real_speech.RECORDINGS)


def test_bad_package_checksum_is_a_one_line_error(genlab_home, fake_deb, monkeypatch):
    monkeypatch.setattr(real_speech, "DEB_SHA256", "0" * 64)
    with pytest.raises(DataError) as err:
        real_speech.ensure_real_speech()
    assert "checksum mismatch" in str(err.value) and "\n" not in str(err.value)
    assert not (genlab_home / "real-speech" / "goforward.raw").exists()


def test_missing_apt_get_names_the_package(genlab_home, monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)
    with pytest.raises(DataError) as err:
        real_speech.ensure_real_speech(["numbers"])
    message = str(err.value)
    assert "apt-get" in message and "pocketsphinx-testdata" in message and "0.8+5prealpha+1-15" in message
    assert "\n" not in message


def test_cli_fetch_prints_the_files(genlab_home, fake_deb, capsys):
    from genlab.cli import main
    assert main(["data", "fetch", "real-speech"]) == 0
    out = capsys.readouterr().out
    assert "real-speech: 2 recordings" in out and "goforward.raw" in out and "cards-001.wav" in out


def _real_cache_complete() -> bool:
    folder = cache_dir() / "real-speech"
    return all((folder / (n + Path(m).suffix)).is_file() and _sha(folder / (n + Path(m).suffix)) == d
               for n, (m, d) in real_speech.RECORDINGS.items())


@pytest.mark.skipif(not _real_cache_complete(), reason="the real set is not cached: genlab data fetch real-speech")
def test_real_set_when_cached():
    audio = real_speech.load_real_speech()  # cached and complete: nothing is downloaded
    assert len(audio) == 14
    seconds = {n: len(a) / 16000 for n, a in audio.items()}
    assert all(0.9 < s < 8 for s in seconds.values()), seconds
    assert 40 < sum(seconds.values()) < 60, sum(seconds.values())
    assert all(a.dtype == np.float32 and 0.05 < np.abs(a).max() <= 1 for a in audio.values())
