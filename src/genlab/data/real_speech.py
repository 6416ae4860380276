"""Real speech recordings as test material for speech enhancement: the 14 utterances in Debian's package
`pocketsphinx-testdata` 0.8+5prealpha+1-15 (CMU Sphinx's test data; about 1.8 MB).

On first use we download the pinned .deb (`apt-get download`, never installed), check its sha256, extract
only the listed audio files into `cache_dir() / "real-speech"` and check each file's sha256; a mismatch
deletes the file. The set: five "cards" commands, three short command/number utterances (goforward,
numbers, something), five read sentences from a LibriVox recording of Austen's "Sense and Sensibility",
and one TIDIGITS-style digit string; about 1 s to 7 s each. The .raw files are headerless 16 kHz signed
16-bit little-endian mono; the .wav files are read with `read_audio` (resampled to 16 kHz mono if needed).

Licence: the package's debian/copyright (usr/share/doc/pocketsphinx-testdata/copyright) puts its files
(`Files: *`) under the BSD-2 licence: "Copyright 1995-2014 Carnegie Mellon University. All rights
reserved; 2014-2015 Alpha Cephei Inc." Redistribution must keep that notice and the licence's
disclaimer. These recordings are for testing only: too few to train on.
"""
from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import numpy as np

from genlab.data.audio import SAMPLE_RATE, read_audio
from genlab.data.cache import apt_download, read_deb_members, verify_sha256, write_checked_members
from genlab.errors import DataError
from genlab.io import cache_dir

log = logging.getLogger(__name__)

PACKAGE = "pocketsphinx-testdata"
VERSION = "0.8+5prealpha+1-15"
DEB_SHA256 = "eaeb7a01d54f20b799d1a81ef110ec544b2cb47ea006614078220737a33019f0"
_DATA = "./usr/share/pocketsphinx/test/data/"
_LIBRIVOX = _DATA + "librivox/sense_and_sensibility_01_austen_64kb-"

# name: (member path in the package's data archive, sha256 of the file)
RECORDINGS: dict[str, tuple[str, str]] = {
    "cards-001": (_DATA + "cards/001.wav", "899951e768666f27c8f8b1d4090b96fe7909cae9cec01bec0a5d5d1b8a8d566e"),
    "cards-002": (_DATA + "cards/002.wav", "a3f9eae6fdb69a1231989e39a14d62388a6f52fb59666c76d95005318fadafec"),
    "cards-003": (_DATA + "cards/003.wav", "00d283e46bc257ae479e4aa86593cadb541656eba1d19fc8abeece37f6a5a18b"),
    "cards-004": (_DATA + "cards/004.wav", "4c44a8177f5b128b99f078cdeb918119933155574231f1833e8840d1af09c521"),
    "cards-005": (_DATA + "cards/005.wav", "090f18f5f76cf8b2b43cd9e6b07823f4685a4742d9a36cd98b174a6586c18cf9"),
    "goforward": (_DATA + "goforward.raw", "f15c60ec54059d8b66e410d0064945a0b0a04ea56e1ddca1958e493c0cf70e71"),
    "numbers": (_DATA + "numbers.raw", "45b5f6d3f88e36dd55b025cc9e8f1cae567583ea93f554ecdff6d09e6dd4577d"),
    "something": (_DATA + "something.raw", "eb95b74ce3f3037487e49dcfd935bbcf8c158b5f4083dd19451729c3ee694f5f"),
    "librivox-0870": (_LIBRIVOX + "0870.wav", "b0557cf95c974d930577e58e46b7f068c432a6e3afcc286563d88922b2a5315c"),
    "librivox-0880": (_LIBRIVOX + "0880.wav", "fbec491ef00ee734a67f0ee318e98c51c157b479e1629ff4f4426861ecac0414"),
    "librivox-0890": (_LIBRIVOX + "0890.wav", "5793ffbdee55fb8bfd284943a6866864c832d9d4accf2661cabd39915c84ee10"),
    "librivox-0920": (_LIBRIVOX + "0920.wav", "40882414ef4cc51f3ff7a63bad0c8c87e7f595ffeb8209fbf756c8ebc5c28a59"),
    "librivox-0930": (_LIBRIVOX + "0930.wav", "954adbf0b56ac8a148cbe77b39ca18d76b5f2a1e1f405565bd786ce3e68a68b7"),
    "tidigits-2934z": (_DATA + "tidigits/dhd.2934z.raw", "60c14412ad1412b83f37061e29c9e76f74cce0f90637debb8087f10cd559e552"),
}
_HINT = (f"genlab needs Debian's package {PACKAGE} {VERSION} "
         f"(`apt-get download {PACKAGE}={VERSION}`; run `apt-get update` first if the version is unknown)")


def real_speech_dir() -> Path:
    """The cache folder of the real recordings."""
    return cache_dir() / "real-speech"


def _file_path(name: str) -> Path:
    return real_speech_dir() / (name + Path(RECORDINGS[name][0]).suffix)


def _check_names(names: list[str] | None) -> list[str]:
    names = list(RECORDINGS) if names is None else list(names)
    unknown = [n for n in names if n not in RECORDINGS]
    if unknown:
        raise DataError(f"unknown real-speech recording(s) {', '.join(unknown)}; known: {', '.join(RECORDINGS)}")
    return names


def ensure_real_speech(names: list[str] | None = None) -> dict[str, Path]:
    """Fetch (unless cached and verified) the recordings; return {name: cached path}."""
    paths = {n: _file_path(n) for n in _check_names(names)}
    missing = []
    for name, path in paths.items():
        if path.is_file():
            try:
                verify_sha256(path, RECORDINGS[name][1], name=f"cached '{path}'")
                continue
            except DataError as e:  # deleted: fetched again below
                log.warning("%s", e)
        missing.append(name)
    if missing:
        _extract({paths[n]: RECORDINGS[n] for n in missing})
    return paths


def _extract(wanted: dict[Path, tuple[str, str]]) -> None:
    """Download the pinned .deb once, check it, and write each wanted member to its path, checked."""
    log.info("downloading %s %s to extract %d recording(s)", PACKAGE, VERSION, len(wanted))
    with tempfile.TemporaryDirectory(prefix="genlab-speech-") as tmp:
        deb = apt_download(PACKAGE, VERSION, tmp, hint=_HINT)
        verify_sha256(deb, DEB_SHA256, name=f"downloaded package '{deb.name}'")
        data = read_deb_members(deb, {member for member, _ in wanted.values()}, Path(tmp))
        write_checked_members(data, wanted, deb.name)


def read_raw(path: str | Path) -> np.ndarray:
    """A headerless 16 kHz signed 16-bit little-endian mono file as float32 (T,) in [-1, 1]."""
    data = Path(path).read_bytes()
    if len(data) % 2:
        raise DataError(f"raw audio file '{path}' has an odd number of bytes; expected 16-bit samples")
    return (np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0)


def read_recording(path: Path) -> np.ndarray:
    """One cached recording (.raw or .wav) as float32 (T,) at 16 kHz mono in [-1, 1]."""
    return read_raw(path) if path.suffix == ".raw" else read_audio(path, sample_rate=SAMPLE_RATE)


def load_real_speech(names: list[str] | None = None) -> dict[str, np.ndarray]:
    """{name: float32 (T,) at 16 kHz mono in [-1, 1]} of the recordings (or some), fetched on first use."""
    return {n: read_recording(p) for n, p in ensure_real_speech(names).items()}


def real_speech_files() -> dict[str, str]:
    """{cached file path: sha256} of the set, fetched and verified, for `genlab data fetch real-speech`."""
    return {str(p): RECORDINGS[n][1] for n, p in ensure_real_speech().items()}
