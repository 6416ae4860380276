"""Spoken digits: "zero" ... "nine" spoken by Debian's espeak-ng speech synthesizer, built at fetch time.

No real spoken-digit set (SC09, FSDD) of trainable size ships in PyPI or Debian, so genlab synthesizes an
SC09-like one: every English accent of espeak-ng x 24 voice variants (timbres), each voice speaking each
digit at 2 (pitch, speed) settings drawn from a seed. Clips are 1 s at 16 kHz, mono, the utterance
(silence trimmed, peak-normalised to 0.9) centred. The split is by variant: the test set's 4 variants are
never heard in training, so a classifier's test accuracy measures unseen voices. These are synthetic
voices: cleaner and more regular than recorded speech.

The set is cached as train.npz / test.npz (x int16 (N, 16000), y int64 (N,), voice (N,) names) with a
manifest of sha256s written last, like the other sources (data/cache.py); espeak-ng's version is kept in
info.json. Building takes a few minutes on 2 cores and needs `apt-get install espeak-ng`.
"""
from __future__ import annotations

import io
import logging
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from genlab.data.audio import SAMPLE_RATE, read_audio, to_int16
from genlab.data.cache import checked_files, load_cached_npz, save_npz
from genlab.data.sources import mix_seed
from genlab.errors import DataError
from genlab.io import cache_dir, read_manifest, write_json

log = logging.getLogger(__name__)

WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
ACCENTS = ("en", "en-us", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-rp", "en-gb-x-gbcwmd", "en-029", "en-us-nyc")
VARIANTS = ("m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5", "croak", "klatt", "klatt2",
            "klatt3", "Alex", "Andy", "Annie", "Lee", "Michael", "Mike", "john", "linda")
TEST_VARIANTS = ("m4", "f4", "klatt2", "Annie")  # voices held out: the test split
SETTINGS_PER_VOICE = 2
PITCH_RANGE, SPEED_RANGE = (25, 75), (120, 200)  # espeak-ng -p (0-99) and -s (words per minute)
CLIP_SAMPLES = SAMPLE_RATE  # 1 s
PEAK = 0.9
SPLITS = ("train", "test")
NPZ_FILES = ("train.npz", "test.npz")
INSTALL_HINT = "install it with `apt-get install espeak-ng` (Debian/Ubuntu)"


def digits_dir() -> Path:
    return cache_dir() / "spoken-digits"


def espeak_binary() -> str:
    """The espeak-ng executable; a DataError naming the package when it is missing."""
    path = shutil.which("espeak-ng")
    if path is None:
        raise DataError(f"building the spoken-digits set needs espeak-ng, which is not on PATH; {INSTALL_HINT}")
    return path


def utterances() -> list[tuple[str, str, int, int, int]]:
    """Every (accent, variant, pitch, speed, digit) the set holds, in a fixed order."""
    items = []
    for accent in ACCENTS:
        for variant in VARIANTS:
            for k in range(SETTINGS_PER_VOICE):
                rng = np.random.default_rng(mix_seed("spoken-digits", accent, variant, k))
                pitch = int(rng.integers(PITCH_RANGE[0], PITCH_RANGE[1] + 1))
                speed = int(rng.integers(SPEED_RANGE[0], SPEED_RANGE[1] + 1))
                items += [(accent, variant, pitch, speed, d) for d in range(len(WORDS))]
    return items


def trim_and_centre(audio: np.ndarray, length: int = CLIP_SAMPLES, threshold: float = 0.02) -> np.ndarray:
    """The utterance (samples above `threshold` x peak, ends trimmed), peak-normalised, centred in `length`."""
    loud = np.nonzero(np.abs(audio) >= threshold * np.abs(audio).max())[0]
    speech = audio[loud[0]:loud[-1] + 1]
    if len(speech) > length:  # a slow voice: keep the middle second
        start = (len(speech) - length) // 2
        speech = speech[start:start + length]
    speech = speech * (PEAK / np.abs(speech).max())
    out = np.zeros(length, np.float32)
    start = (length - len(speech)) // 2
    out[start:start + len(speech)] = speech
    return out


def speak(word: str, accent: str, variant: str, pitch: int, speed: int, binary: str | None = None) -> np.ndarray:
    """One utterance by espeak-ng as a 1 s float32 clip at 16 kHz (trimmed, normalised, centred)."""
    cmd = [binary or espeak_binary(), "-v", f"{accent}+{variant}", "-p", str(pitch), "-s", str(speed), "--stdout", word]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DataError(f"espeak-ng could not run ({exc}); {INSTALL_HINT}") from None
    if proc.returncode != 0 or not proc.stdout:
        err = proc.stderr.decode(errors="replace").strip().splitlines()
        raise DataError(f"espeak-ng -v {accent}+{variant} failed (exit {proc.returncode}): "
                        f"{err[-1] if err else 'no audio'}")
    return trim_and_centre(read_audio(io.BytesIO(proc.stdout), sample_rate=SAMPLE_RATE))


def build_split(split: str, threads: int = 2) -> dict[str, np.ndarray]:
    """Synthesize one split: {"x": int16 (N, 16000), "y": int64 (N,), "voice": str (N,)}."""
    binary = espeak_binary()
    items = [u for u in utterances() if (u[1] in TEST_VARIANTS) == (split == "test")]
    log.info("spoken-digits: synthesizing %d %s clips with espeak-ng", len(items), split)
    with ThreadPoolExecutor(threads) as pool:  # each call is its own espeak-ng process
        clips = list(pool.map(lambda u: speak(WORDS[u[4]], *u[:4], binary=binary), items))
    x = to_int16(np.stack(clips))
    return {"x": x, "y": np.array([u[4] for u in items], np.int64),
            "voice": np.array([f"{u[0]}+{u[1]}" for u in items])}


def espeak_version(binary: str) -> str:
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return " ".join(out.split()[:5])


def ensure_digits_cache() -> dict[str, str]:
    """Build the set unless cached; return the manifest {file name: sha256}."""
    folder = digits_dir()
    manifest_path = folder / "manifest.json"
    manifest = read_manifest(manifest_path, NPZ_FILES)
    if manifest and all((folder / n).is_file() for n in NPZ_FILES):
        return manifest
    binary = espeak_binary()
    manifest_path.unlink(missing_ok=True)
    manifest = {}
    for split in SPLITS:
        manifest[f"{split}.npz"] = save_npz(folder / f"{split}.npz", **build_split(split))
    write_json(folder / "info.json", {"espeak-ng": espeak_version(binary), "accents": ACCENTS,
                                      "variants": VARIANTS, "test_variants": TEST_VARIANTS,
                                      "settings_per_voice": SETTINGS_PER_VOICE, "sample_rate": SAMPLE_RATE})
    write_json(manifest_path, manifest)  # last: its presence means the cache is complete
    return manifest


def load_digits(split: str) -> tuple[np.ndarray, np.ndarray, str]:
    """(clips int16 (N, 16000), labels int64 (N,), source path) of split train or test."""
    manifest = ensure_digits_cache()
    path = digits_dir() / f"{split}.npz"
    return load_cached_npz(path, manifest)


def digits_files() -> dict[str, str]:
    """{cached file path: sha256}, each checked against the manifest, for `genlab data fetch`."""
    return checked_files(digits_dir(), ensure_digits_cache())
