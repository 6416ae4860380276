"""The drums set on a few synthesized kits (never the real package): resampling, onset alignment, silent
files, classes from names, the split by kit, the licence table, extraction from a .deb and the errors."""
from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
import soundfile

from genlab.config import load_config
from genlab.data import cache, drums
from genlab.data.audio_sets import load_audio_dataset
from genlab.data.drumkits import (CLASSES, CLIP_SAMPLES, FADE_SAMPLES, PRE_ROLL, build_drums, instrument_class,
                                  licence_markdown, onset_index)
from genlab.data.sources import build_source
from genlab.errors import ChecksumError, DataError
from genlab.io import sha256_file

XML = """<?xml version="1.0" encoding="UTF-8"?>
<drumkit_info xmlns="http://www.hydrogen-music.org/drumkit">
 <name>Tiny Kit</name><author>A. Drummer</author><license>GPL</license>
 <instrumentList>
  <instrument><id>0</id><name>Kick</name><layer><filename>k.wav</filename></layer></instrument>
  <instrument><id>1</id><name>Closed HH</name><layer><filename>h1.flac</filename></layer></instrument>
  <instrument><id>2</id><name>17</name><layer><filename>emptySample.flac</filename></layer></instrument>
 </instrumentList>
</drumkit_info>
"""


def hit(rate: int, onset_s: float, seconds: float, freq: float = 0.0, decay_s: float = 0.05, seed: int = 0):
    """Silence, then at `onset_s` a decaying tone (freq > 0) or noise burst."""
    t = np.arange(int(seconds * rate)) / rate
    body = np.sin(2 * np.pi * freq * t) if freq else np.random.default_rng(seed).standard_normal(len(t)) / 3
    x = 0.5 * body * np.exp(-(t - onset_s) / decay_s)
    x[t < onset_s] = 0.0
    return x.astype(np.float32)


@pytest.fixture
def kits(tmp_path):
    """Two kits in Hydrogen's layout: 'Tiny' (a drumkit.xml; 44.1 and 48 kHz, WAV/FLAC/AIFF, mono and stereo,
    one silent file, one file the xml does not name) and 'Other' (no xml: classes from file names)."""
    root = tmp_path / "kits"
    (root / "Tiny").mkdir(parents=True)
    (root / "Other").mkdir()
    (root / "Tiny" / "drumkit.xml").write_text(XML)
    soundfile.write(root / "Tiny" / "k.wav", hit(44100, 0.25, 0.6, freq=200, decay_s=0.1), 44100, subtype="PCM_16")
    stereo = hit(48000, 0.1, 0.3)
    soundfile.write(root / "Tiny" / "h1.flac", np.stack([stereo, stereo], 1), 48000, subtype="PCM_24")
    soundfile.write(root / "Tiny" / "emptySample.flac", np.zeros(4800, np.float32), 48000)
    soundfile.write(root / "Tiny" / "snare_02.aiff", hit(44100, 0.0, 0.4, seed=2), 44100)
    soundfile.write(root / "Other" / "floor_tom.wav", hit(48000, 0.5, 3.0, freq=90, decay_s=2.0), 48000)
    soundfile.write(root / "Other" / "crash.flac", hit(44100, 0.05, 0.5, seed=3, decay_s=0.3), 44100)
    soundfile.write(root / "Other" / "handclap.wav", hit(44100, 0.01, 0.2, seed=4), 44100)
    return root


def test_clips_are_resampled_onset_aligned_and_labelled(kits):
    splits, table = build_drums(kits, test_kits=("Other",))
    train, test = splits["train"], splits["test"]
    assert train["x"].shape == (3, CLIP_SAMPLES) and test["x"].shape == (3, CLIP_SAMPLES)  # the silent file dropped
    assert "Tiny/emptySample.flac" not in train["file"]
    by_file = {f: i for i, f in enumerate(train["file"])}
    kick = train["x"][by_file["Tiny/k.wav"]].astype(np.float32) / 32768
    # the 200 Hz tone is still at 200 Hz at 16 kHz (FFT bin of 16000 / 16384 Hz)
    assert abs(np.argmax(np.abs(np.fft.rfft(kick))) * 16000 / CLIP_SAMPLES - 200) < 2
    # the onset (0.25 s into the file) is moved to PRE_ROLL samples into the clip: 2 ms of silence before it
    # (but for the resampling filter's pre-ringing in the last few samples)
    assert onset_index(kick) == PRE_ROLL and np.abs(kick[:PRE_ROLL - 8]).max() < 1e-3
    assert abs(np.abs(kick).max() - 0.9) < 1e-3  # peak-normalised; the file's own peak kept beside it
    assert abs(train["peak"][by_file["Tiny/k.wav"]] - 0.5) < 0.02
    for clip in list(train["x"]) + list(test["x"]):
        assert onset_index(clip.astype(np.float32)) <= PRE_ROLL
    # classes: from the xml's instrument names, else from the file name
    names = {f: (CLASSES[y], i) for f, y, i in zip(train["file"], train["y"], train["instrument"])}
    assert names == {"Tiny/k.wav": ("kick", "Kick"), "Tiny/h1.flac": ("hat", "Closed HH"),
                     "Tiny/snare_02.aiff": ("snare", "snare_02")}
    assert sorted(CLASSES[y] for y in test["y"]) == ["cymbal", "other", "tom"]
    # split by kit, with the kit table's rows as kit ids
    assert [k["folder"] for k in table] == ["Other", "Tiny"] and set(test["kit"]) == {0} and set(train["kit"]) == {1}


def test_long_sounds_are_cut_with_a_fade_and_short_ones_padded(kits):
    splits, _ = build_drums(kits, test_kits=("Other",))
    test = splits["test"]
    tom = test["x"][list(test["file"]).index("Other/floor_tom.wav")].astype(np.float32) / 32768
    # a 2 s ring cut at 1.024 s: it fades linearly to zero over the last FADE_SAMPLES
    before_fade = np.abs(tom[-2 * FADE_SAMPLES:-FADE_SAMPLES]).max()
    assert tom[-1] == 0 and np.abs(tom[-32:]).max() < 0.1 * before_fade and before_fade > 0.3
    clap = test["x"][list(test["file"]).index("Other/handclap.wav")]
    assert np.abs(clap[int(0.25 * 16000):]).max() == 0  # 0.19 s of sound, zero-padded to 1.024 s


def test_licence_table_and_class_counts(kits):
    _, table = build_drums(kits, test_kits=("Other",), licences={"Tiny": "GPL-2+"})
    other, tiny = table
    assert tiny == {"id": 1, "folder": "Tiny", "name": "Tiny Kit", "author": "A. Drummer", "license_xml": "GPL",
                    "license": "GPL-2+", "split": "train", "clips": 3,
                    "classes": {"kick": 1, "snare": 1, "hat": 1, "tom": 0, "cymbal": 0, "other": 0}}
    assert other["license"] == "unknown" and other["split"] == "test" and other["name"] == "Other"
    md = licence_markdown(table).splitlines()
    assert len(md) == 4 and md[3].startswith("| Tiny Kit (Tiny) | A. Drummer | GPL-2+ | GPL | train | 3 | 1 | 1 | 1 |")


@pytest.mark.parametrize("name, cls", [
    ("Hi-Hat Open (Paiste Alpha Metal edge 14\")", "hat"), ("Sabian Hat Choke", "hat"), ("Side OHH", "hat"),
    ("Crash/Ride Bell (Paiste Rude Crash/Ride 18\")", "cymbal"), ("ride-cup", "cymbal"), ("China", "cymbal"),
    ("Kick (Tama Superstar 22\")", "kick"), ("c3 - bass drum 1", "kick"), ("BassDrum", "kick"),
    ("Snare Rimshot", "snare"), ("Pearl Side Stick", "snare"), ("Rim Click", "snare"), ("Snare1", "snare"),
    ("tomhi2", "tom"), ("Pearl Tom Floor", "tom"), ("Ride (Custom, Zagrebin 22\")", "cymbal"),
    ("Cowbell", "other"), ("Djembe1 Bass", "other"), ("Tambourine", "other"), ("Sample: beats_01-39.flac", "other"),
])
def test_instrument_classes_from_names(name, cls):
    assert CLASSES[instrument_class(name)] == cls


def test_drums_folder_dataset_keeps_onsets_when_cut(kits):
    ds = load_audio_dataset("drums-folder", path=str(kits), length=4096)
    assert len(ds) == 6 and ds.length == 4096 and ds.class_names == list(CLASSES) and ds.split == "all"
    x = ds.audio()[:, 0]
    assert ((x.abs() >= 0.1 * x.abs().amax(1, keepdim=True)).float().argmax(1) <= PRE_ROLL).all()  # cut at the end
    loose = kits.parent / "loose"  # files right in the folder form a kit named after it; classes from paths
    (loose / "kick").mkdir(parents=True)
    shutil.copy(kits / "Other" / "crash.flac", loose / "ride_01.flac")
    shutil.copy(kits / "Tiny" / "k.wav", loose / "kick" / "01.wav")
    splits, table = build_drums(loose)
    assert [k["name"] for k in table] == ["kick", "loose"] and list(splits["train"]["instrument"]) == ["01", "ride_01"]
    assert [CLASSES[y] for y in splits["train"]["y"]] == ["kick", "cymbal"]
    with pytest.raises(DataError, match="drums-folder' has no test split"):
        load_audio_dataset("drums-folder", "test", path=str(kits))
    with pytest.raises(DataError, match="needs a path"):
        load_audio_dataset("drums-folder")


def fake_deb(kits, tmp_path):
    """A real .deb (dpkg-deb --build) holding the kits where hydrogen-drumkits has them, plus files that
    must not be taken: a doc file, a sound nested one folder too deep."""
    pkg = tmp_path / "pkg"
    dest = pkg / drums.KITS_PREFIX
    shutil.copytree(kits, dest)
    (dest / "Tiny" / "deeper").mkdir()
    shutil.copy(kits / "Other" / "crash.flac", dest / "Tiny" / "deeper" / "crash.flac")
    (pkg / "usr/share/doc/hydrogen-drumkits").mkdir(parents=True)
    (pkg / "usr/share/doc/hydrogen-drumkits/README.wav").write_text("not audio")
    (pkg / "DEBIAN").mkdir()
    (pkg / "DEBIAN/control").write_text("Package: hydrogen-drumkits\nVersion: 0.test\nArchitecture: all\n"
                                        "Maintainer: nobody <n@example.org>\nDescription: test\n")
    deb = tmp_path / "hydrogen-drumkits_0.test_all.deb"
    subprocess.run(["dpkg-deb", "--build", "-Zgzip", str(pkg), str(deb)], check=True, capture_output=True)
    return deb


needs_dpkg = pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs dpkg-deb (Debian's dpkg)")


@needs_dpkg
def test_fetch_extracts_only_kit_files_checks_and_caches(kits, tmp_path, genlab_home, monkeypatch):
    deb = fake_deb(kits, tmp_path)
    n = drums.extract_drumkits(deb, tmp_path / "out")
    assert n == 8 and not (tmp_path / "out" / "Tiny" / "deeper").exists()
    assert sorted(p.name for p in (tmp_path / "out" / "Tiny").iterdir()) == [
        "drumkit.xml", "emptySample.flac", "h1.flac", "k.wav", "snare_02.aiff"]

    def download(package, version, dest, hint=""):
        assert (package, version) == (drums.PACKAGE, drums.VERSION)
        return shutil.copy(deb, dest)

    monkeypatch.setattr(drums, "apt_download", download)
    monkeypatch.setattr(drums, "DEB_SHA256", sha256_file(deb))
    monkeypatch.setattr(drums, "TEST_KITS", ("Other",))
    files = drums.drums_files()
    assert sorted(p.rsplit("/", 1)[-1] for p in files) == ["kits.json", "test.npz", "train.npz"]
    ds = load_audio_dataset("drums", "test")
    assert len(ds) == 3 and ds.length == CLIP_SAMPLES and ds.num_classes == 6
    assert len(load_audio_dataset("drums", "all")) == 6
    assert [k["license"] for k in drums.drum_kits()] == ["unknown", "GPL"]
    monkeypatch.setattr(drums, "apt_download", None)  # cached now: nothing is downloaded again
    assert drums.drums_files() == files
    # the wavegan-drums preset reads it: whole 16,384-sample clips, labels beside them
    source = build_source(load_config("wavegan-drums").data, batch_size=2, seed=0)
    assert source.interface == {"img_channels": 1, "img_resolution": CLIP_SAMPLES, "num_classes": 6}
    assert source.next()["audio"].shape == (2, 1, CLIP_SAMPLES)


@needs_dpkg
def test_a_damaged_package_is_a_one_line_error(tmp_path):
    junk = tmp_path / "hydrogen-drumkits_0.test_all.deb"
    junk.write_bytes(b"!<arch>\nnot really a package")
    with pytest.raises(DataError, match="hydrogen-drumkits_0.test_all.deb") as err:
        drums.extract_drumkits(junk, tmp_path / "out")
    assert "\n" not in str(err.value) and not (tmp_path / "out").exists()


@needs_dpkg
def test_checksum_mismatch_deletes_the_package_and_says_so(kits, tmp_path, genlab_home, monkeypatch):
    deb = fake_deb(kits, tmp_path)
    monkeypatch.setattr(drums, "apt_download", lambda package, version, dest, hint="": shutil.copy(deb, dest))
    with pytest.raises(ChecksumError) as err:
        drums.ensure_drums_cache()
    message = str(err.value)
    assert "checksum mismatch for downloaded package 'hydrogen-drumkits_0.test_all.deb'" in message
    assert f"expected sha256 {drums.DEB_SHA256}, got {sha256_file(deb)}; deleted it" in message
    assert "\n" not in message and not (genlab_home / "drums" / "manifest.json").exists()


def test_missing_apt_get_or_failed_download_names_the_package(genlab_home, monkeypatch):
    monkeypatch.setattr(cache.shutil, "which", lambda name: None)
    with pytest.raises(DataError, match="cannot download the Debian package hydrogen-drumkits 2017.09.19~dfsg-1: "
                                        "apt-get is not on PATH") as err:
        drums.ensure_drums_cache()
    assert "\n" not in str(err.value)
    monkeypatch.setattr(cache.shutil, "which", lambda name: "/usr/bin/" + name)
    failed = subprocess.CompletedProcess([], 100, "", "E: Version '2017.09.19~dfsg-1' for 'hydrogen-drumkits' was not found")
    monkeypatch.setattr(cache, "_run_download", lambda *a, **k: failed)
    with pytest.raises(DataError, match=r"`apt-get download hydrogen-drumkits=2017.09.19~dfsg-1` failed \(exit 100\): "
                                        "E: Version '2017.09.19~dfsg-1' for 'hydrogen-drumkits' was not found"):
        drums.ensure_drums_cache()


def test_cli_data_info_of_a_drums_folder(kits, capsys):
    from genlab.cli import main

    assert main(["data", "info", f"drums-folder:{kits}"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("drums-folder:all: 6 clips of 16384 samples (1.024 s at 16000 Hz), 6 classes")
    assert out[2] == "  classes: kick 1, snare 1, hat 1, tom 1, cymbal 1, other 1"
