"""Drums: ~750 real drum one-shots from Debian's `hydrogen-drumkits` package (the DFSG-free kits of the
Hydrogen drum machine: acoustic, electronic and hand-percussion kits, GPL-2+/CC-BY/CC-BY-SA/CC0 by kit).

At fetch time `apt-get download hydrogen-drumkits=VERSION` puts the .deb in a temporary folder (it is
never installed), its sha256 is checked against `DEB_SHA256`, and only the kits' sound files and
drumkit.xml files are read out of its data archive. Each sound becomes an onset-aligned 16,384-sample
clip at 16 kHz with an instrument class (see `genlab.data.drumkits`); silent files are dropped.

Version policy: the package is pinned. Another version in the archive is not used: `apt-get download`
of the pinned version fails with apt's own one-line message (and a Debian mirror still serving
another version's file under that name fails the sha256 check, which deletes it). Moving to a new
version means changing VERSION and DEB_SHA256 here and the tables and counts in docs/drums.md.

The split is by kit: the test kits are never heard in training. The set is cached as train.npz /
test.npz (x int16 (N, 16384), y int64 classes, kit, instrument, file, peak) beside kits.json (the
licence table) and info.json, with a sha256 manifest written last (data/cache.py).
"""
from __future__ import annotations

import logging
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import numpy as np

from genlab.data.audio import AUDIO_EXTENSIONS, SAMPLE_RATE
from genlab.data.cache import apt_download, checked_files, load_cached_npz, save_npz, verify_sha256
from genlab.data.drumkits import CLASSES, CLIP_SAMPLES, build_drums
from genlab.errors import DataError
from genlab.io import atomic_path, cache_dir, read_json, read_manifest, sha256_file, write_json

log = logging.getLogger(__name__)

PACKAGE = "hydrogen-drumkits"
VERSION = "2017.09.19~dfsg-1"  # Debian 12 (bookworm)
DEB_SHA256 = "6ea3c6df9a67762e2362f946c695e619859126b19fbccf32a2e8f07dfd03b2f4"
KITS_PREFIX = "usr/share/hydrogen/data/drumkits/"
# Licences as the package's debian/copyright states them (several drumkit.xml files say only "GPL" or nothing)
DEBIAN_LICENSES = {
    "Audiophob": "CC0", "BJA_Pacific": "CC-BY-SA-3.0-us", "ColomboAcousticDrumkit": "GPL-2+ with composition exception",
    "ElectricEmpireKit": "GPL-2+", "ForzeeStereo": "GPL-2", "Gimme A Hand 1.0": "GPL-2", "HardElectro1": "GPL-2+",
    "Millo-Drums_v.1": "GPL-2", "Millo_MultiLayered2": "GPL-2", "Millo_MultiLayered3": "GPL-2",
    "The Black Pearl 1.0": "GPL-2", "VariBreaks": "GPL-2+", "circAfrique v4": "CC-BY-SA-3.0", "rumpf_kit_z01_h2": "CC-BY-3.0",
}
# Held out (73 clips, every class): an acoustic, an electronic, a breakbeat and a dubstep kit. No clip of
# theirs is close to any clip of another kit (cosine similarity of the first 8,192 samples at most 0.72)
TEST_KITS = ("Audiophob", "ColomboAcousticDrumkit", "HardElectro1", "VariBreaks")
SPLITS = ("train", "test")
CACHE_FILES = ("train.npz", "test.npz", "kits.json")
INSTALL_HINT = (f"genlab reads the drum samples out of Debian's {PACKAGE} {VERSION} package (downloaded, never "
                "installed); it needs apt-get and a Debian 12 (bookworm) package source")


def drums_dir() -> Path:
    return cache_dir() / "drums"


def extract_drumkits(deb: str | Path, dest: str | Path) -> int:
    """Copy the kits' sound files and drumkit.xml files out of the .deb's data archive into `dest/KIT/`;
    return how many files. Nothing else is written, and only plain files exactly one folder below the
    kits folder are taken, so no path in the archive can point elsewhere."""
    if shutil.which("dpkg-deb") is None:
        raise DataError(f"cannot open '{Path(deb).name}': dpkg-deb is not on PATH")
    dest = Path(dest)
    proc = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    count, complete = 0, False
    try:
        with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
            for info in tar:
                name = info.name.lstrip("./")
                parts = name[len(KITS_PREFIX):].split("/") if name.startswith(KITS_PREFIX) else []
                if len(parts) != 2 or not info.isfile() or any(p in ("", ".", "..") for p in parts):
                    continue
                if parts[1] != "drumkit.xml" and Path(parts[1]).suffix.lower() not in AUDIO_EXTENSIONS:
                    continue
                (dest / parts[0]).mkdir(parents=True, exist_ok=True)
                with tar.extractfile(info) as src, atomic_path(dest / parts[0] / parts[1]) as part:
                    with open(part, "wb") as out:
                        shutil.copyfileobj(src, out)
                count += 1
        proc.stdout.read()  # the archive's end padding, so that dpkg-deb finishes its writes
        complete = True
    except tarfile.TarError as exc:
        raise DataError(f"cannot read the data archive of '{Path(deb).name}': {exc}") from None
    finally:
        if not complete:
            proc.kill()  # it may be blocked writing what is no longer read
        err = proc.stderr.read().decode(errors="replace").strip()
        proc.wait()
    if proc.returncode != 0:
        raise DataError(f"dpkg-deb could not read '{Path(deb).name}': {err.splitlines()[-1] if err else 'no output'}")
    if count == 0:
        raise DataError(f"'{Path(deb).name}' holds no drum kits under /{KITS_PREFIX}")
    return count


def build_from_deb(deb: str | Path, work: str | Path) -> tuple[dict[str, dict], list[dict]]:
    """Check the .deb against DEB_SHA256, extract its kits into `work`, build the split arrays and kit table."""
    deb = Path(deb)
    verify_sha256(deb, DEB_SHA256, name=f"downloaded package '{deb.name}' ({PACKAGE} {VERSION})")
    n = extract_drumkits(deb, Path(work) / "kits")
    log.info("drums: %d files from %s; converting to %d-sample clips at %d Hz", n, deb.name, CLIP_SAMPLES, SAMPLE_RATE)
    return build_drums(Path(work) / "kits", test_kits=TEST_KITS, licences=DEBIAN_LICENSES)


def ensure_drums_cache() -> dict[str, str]:
    """Download and build the set unless cached; return the manifest {file name: sha256}."""
    folder = drums_dir()
    manifest_path = folder / "manifest.json"
    manifest = read_manifest(manifest_path, CACHE_FILES)
    if manifest and all((folder / n).is_file() for n in CACHE_FILES):
        return manifest
    manifest_path.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="genlab-drums-") as tmp:
        deb = apt_download(PACKAGE, VERSION, tmp, hint=INSTALL_HINT)
        splits, table = build_from_deb(deb, tmp)
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {f"{s}.npz": save_npz(folder / f"{s}.npz", **splits[s]) for s in SPLITS}
    write_json(folder / "kits.json", table)
    manifest["kits.json"] = sha256_file(folder / "kits.json")
    write_json(folder / "info.json", {"package": PACKAGE, "version": VERSION, "deb_sha256": DEB_SHA256,
                                      "test_kits": TEST_KITS, "classes": CLASSES, "sample_rate": SAMPLE_RATE,
                                      "samples": CLIP_SAMPLES})
    write_json(manifest_path, manifest)  # last: its presence means the cache is complete
    return manifest


def load_drums(split: str) -> tuple[np.ndarray, np.ndarray, str]:
    """(clips int16 (N, 16384), classes int64 (N,), source path) of split train or test."""
    manifest = ensure_drums_cache()
    return load_cached_npz(drums_dir() / f"{split}.npz", manifest)


def drum_kits() -> list[dict]:
    """The kit table (folder, name, author, licences, split, counts per class), checked against the manifest."""
    manifest = ensure_drums_cache()
    verify_sha256(drums_dir() / "kits.json", manifest["kits.json"], name=f"cached '{drums_dir() / 'kits.json'}'")
    return read_json(drums_dir() / "kits.json")


def drums_files() -> dict[str, str]:
    """{cached file path: sha256}, each checked against the manifest, for `genlab data fetch`."""
    return checked_files(drums_dir(), ensure_drums_cache())
