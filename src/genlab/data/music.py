"""Music: folk tunes from the ABC corpus that ships inside PyPI's `music21` wheel, played by Debian's
`abc2midi` and `fluidsynth` with the TimGM6mb General MIDI soundfont, built at fetch time.

Sources, all pinned by sha256 and never installed or imported:
  - the music21 wheel (`pip download --no-deps music21==VERSION`): only the .abc files of COLLECTIONS
    under music21/corpus/ are read, from the zip, in memory;
  - Debian's `timgm6mb-soundfont` .deb (`apt-get download`): only TimGM6mb.sf2 is extracted, and kept in
    the cache beside the set.

From each collection TUNES_PER_COLLECTION playable tunes (single voice, a key, >= 4 bars; see data/abc.py)
are drawn with a fixed seed. Each tune gets its own seeded tempo (TEMPO_RANGE beats per minute of its
meter's beat) and General MIDI instrument (PROGRAMS), its first ~16 bars are rendered at 16 kHz, and the
first 4.096 s of sound become 4 consecutive 16,384-sample clips (fewer when the tune ends first; see
data/musicrender.py). The label is the collection. The split is by tune title: titles that differ only in
case, punctuation or words like "the"/"reel" count as one tune, and a tenth of the titles (by a hash) are
the test set, so no test tune is heard in training under the same name.

The set is cached as train.npz / test.npz (x int16 (N, 16384), y collection, tune (a row of tunes.json),
program, part (clip 0-3 of its tune)) beside tunes.json (every tune: source, title, tempo, instrument,
split, clips and the exact ABC played) and info.json, with a sha256 manifest written last (data/cache.py).
Building needs `apt-get install abcmidi fluidsynth`.
"""
from __future__ import annotations

import logging
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from genlab.data.abc import beat_unit, is_playable, playable_abc, split_tunes, title_key
from genlab.data.audio import SAMPLE_RATE, to_int16
from genlab.data.cache import checked_files, fetch_deb_member, load_cached_npz, pip_download, save_npz, verify_sha256
from genlab.data.musicrender import CLIP_SAMPLES, CLIPS_PER_TUNE, music_tools, tool_versions, tune_clips
from genlab.data.sources import mix_seed
from genlab.errors import DataError
from genlab.io import cache_dir, read_json, read_manifest, sha256_file, write_json

log = logging.getLogger(__name__)

MUSIC21_VERSION = "10.5.1"
WHEEL_SHA256 = "dc3309498c4c95cebdf8d4f20c868deb6b63bce1d929cad4f51a7ccc982987b1"
CORPUS_PREFIX = "music21/corpus/"
COLLECTIONS = ("airdsAirs", "essenFolksong", "oneills1850", "ryansMammoth")  # the labels, in this order
TUNES_PER_COLLECTION = 250
SOUNDFONT_PACKAGE, SOUNDFONT_VERSION = "timgm6mb-soundfont", "1.3-5"  # Debian 12 (bookworm)
SOUNDFONT_DEB_SHA256 = "034abdfb296d9353433513dad5dbdcab46425ee6008fc02fe7039b46e75edc54"
SOUNDFONT_MEMBER = "usr/share/sounds/sf2/TimGM6mb.sf2"
SOUNDFONT_SHA256 = "c5378b62028c920cb11e4803327983fee2f2cdff5dc89c708e39da417e51c854"
PROGRAMS = {0: "acoustic grand piano", 6: "harpsichord", 21: "accordion", 24: "nylon-string guitar",
            40: "violin", 46: "orchestral harp", 71: "clarinet", 73: "flute"}  # General MIDI numbers from 0
TEMPO_RANGE = (80, 120)  # beats per minute of the meter's beat (a quarter, a dotted quarter or a half)
TEST_ONE_IN = 10  # titles whose hash is 0 mod 10 are the test set
SPLITS = ("train", "test")
CACHE_FILES = ("train.npz", "test.npz", "tunes.json")
HINT = (f"genlab reads the tunes out of the music21 {MUSIC21_VERSION} wheel (pip download, never installed) and "
        f"the soundfont out of Debian's {SOUNDFONT_PACKAGE} {SOUNDFONT_VERSION} package (apt-get download)")


def music_dir() -> Path:
    return cache_dir() / "music"


def read_corpus(wheel: str | Path, collections: tuple[str, ...]) -> dict[str, list[tuple[str, str]]]:
    """{collection: [(file name, ABC text)], sorted by name} of the .abc files directly in each collection's
    folder of the music21 wheel; nothing else is read and nothing is written."""
    corpus: dict[str, list[tuple[str, str]]] = {c: [] for c in collections}
    try:
        with zipfile.ZipFile(wheel) as zf:
            for name in sorted(zf.namelist()):
                parts = name[len(CORPUS_PREFIX):].split("/") if name.startswith(CORPUS_PREFIX) else []
                if len(parts) == 2 and parts[0] in corpus and parts[1].endswith(".abc"):
                    corpus[parts[0]].append((parts[1], zf.read(name).decode("utf-8", errors="replace")))
    except (zipfile.BadZipFile, OSError) as exc:
        raise DataError(f"cannot read the wheel '{Path(wheel).name}': {exc}") from None
    empty = [c for c, files in corpus.items() if not files]
    if empty:
        raise DataError(f"'{Path(wheel).name}' holds no .abc files under {CORPUS_PREFIX}{empty[0]}/")
    return corpus


def is_test_title(title: str) -> bool:
    """Whether a tune of this title belongs to the test split (by a hash of its title_key)."""
    return mix_seed("music-split", title_key(title)) % TEST_ONE_IN == 0


def select_tunes(corpus: dict[str, list[tuple[str, str]]], per_collection: int) -> list[dict]:
    """The tunes of the set, one dict each (id, collection, file, index in the file, X:, title, meter, tempo,
    program, instrument, split, abc: the text abc2midi plays), drawn and set up from fixed seeds."""
    rows = []
    for label, (collection, files) in enumerate(corpus.items()):
        playable = [(f, i, t) for f, text in files for i, t in enumerate(split_tunes(text)) if is_playable(t)]
        rng = np.random.default_rng(mix_seed("music-select", collection))
        picked = sorted(rng.choice(len(playable), size=min(per_collection, len(playable)), replace=False))
        for k in picked:
            file, index, tune = playable[k]
            settings = np.random.default_rng(mix_seed("music", collection, file, index))
            tempo = int(settings.integers(TEMPO_RANGE[0], TEMPO_RANGE[1] + 1))
            program = int(settings.choice(list(PROGRAMS)))
            rows.append({"id": len(rows), "collection": collection, "label": label, "file": file, "index": index,
                         "x": tune.number, "title": tune.title, "meter": tune.field("M"),
                         "tempo": f"{beat_unit(tune.field('M'))}={tempo}", "program": program,
                         "instrument": PROGRAMS[program], "split": "test" if is_test_title(tune.title) else "train",
                         "abc": playable_abc(tune, tempo, program)})
    return rows


def build_music(rows: list[dict], soundfont: str | Path, threads: int = 2) -> dict[str, dict[str, np.ndarray]]:
    """Render every tune (a progress bar on stderr) and cut its clips: {split: arrays}. Adds "clips" (and
    "skipped": why, when it gave none) to each row."""
    tools = music_tools()
    with ThreadPoolExecutor(threads) as pool:  # each tune is two short-lived processes
        results = pool.map(lambda row: tune_clips(row["abc"], soundfont, tools), rows)
        results = list(tqdm(results, total=len(rows), desc="music: rendering tunes", unit="tune", dynamic_ncols=True))
    per_split: dict[str, list] = {s: [] for s in SPLITS}
    skipped = []
    for row, (clips, why) in zip(rows, results):
        row["clips"] = len(clips)
        if why:
            row["skipped"] = why
            skipped.append(f"{row['collection']}/{row['file']} X:{row['x']} ({why})")
        per_split[row["split"]] += [(clip, row["label"], row["id"], row["program"], part)
                                    for part, clip in enumerate(clips)]
    if skipped:
        log.warning("music: %d of %d tunes gave no clips, first: %s", len(skipped), len(rows), skipped[0])
    if not per_split["train"]:
        raise DataError(f"no tune gave any clips ({len(rows)} tried); first: {skipped[0] if skipped else 'none'}")
    return {s: _arrays(per_split[s]) for s in SPLITS}


def _arrays(items: list) -> dict[str, np.ndarray]:
    if not items:
        return {"x": np.zeros((0, CLIP_SAMPLES), np.int16),
                **{k: np.zeros(0, np.int64) for k in ("y", "tune", "program", "part")}}
    clips, labels, tunes, programs, parts = zip(*items)
    return {"x": to_int16(np.stack(clips)), "y": np.array(labels, np.int64), "tune": np.array(tunes, np.int64),
            "program": np.array(programs, np.int64), "part": np.array(parts, np.int64)}


def fetch_corpus() -> dict[str, list[tuple[str, str]]]:
    """The ABC files of COLLECTIONS out of the pinned music21 wheel (downloaded into a temporary folder)."""
    with tempfile.TemporaryDirectory(prefix="genlab-music21-") as tmp:
        wheel = pip_download(f"music21=={MUSIC21_VERSION}", tmp, hint=HINT)
        verify_sha256(wheel, WHEEL_SHA256, name=f"downloaded wheel '{wheel.name}'")
        return read_corpus(wheel, COLLECTIONS)


def fetch_soundfont() -> Path:
    """TimGM6mb.sf2 in the cache, checked; extracted from the pinned .deb when missing."""
    return fetch_deb_member(SOUNDFONT_PACKAGE, SOUNDFONT_VERSION, SOUNDFONT_DEB_SHA256, SOUNDFONT_MEMBER,
                            SOUNDFONT_SHA256, music_dir() / "TimGM6mb.sf2", hint=HINT)


def ensure_music_cache(threads: int = 2) -> dict[str, str]:
    """Download and build the set unless cached; return the manifest {file name: sha256}."""
    folder = music_dir()
    manifest_path = folder / "manifest.json"
    manifest = read_manifest(manifest_path, CACHE_FILES)
    if manifest and all((folder / n).is_file() for n in CACHE_FILES):
        return manifest
    tools = music_tools()  # a missing tool fails before anything is downloaded
    manifest_path.unlink(missing_ok=True)
    folder.mkdir(parents=True, exist_ok=True)
    soundfont = fetch_soundfont()
    rows = select_tunes(fetch_corpus(), TUNES_PER_COLLECTION)
    log.info("music: %d tunes from %s; rendering with abc2midi and fluidsynth", len(rows), ", ".join(COLLECTIONS))
    splits = build_music(rows, soundfont, threads)
    manifest = {f"{s}.npz": save_npz(folder / f"{s}.npz", **splits[s]) for s in SPLITS}
    write_json(folder / "tunes.json", rows)
    manifest["tunes.json"] = sha256_file(folder / "tunes.json")
    write_json(folder / "info.json", {
        "music21": MUSIC21_VERSION, "wheel_sha256": WHEEL_SHA256, "collections": COLLECTIONS,
        "tunes_per_collection": TUNES_PER_COLLECTION, "soundfont": f"{SOUNDFONT_PACKAGE} {SOUNDFONT_VERSION}",
        "soundfont_sha256": SOUNDFONT_SHA256, "programs": PROGRAMS, "tempo_range": TEMPO_RANGE,
        "sample_rate": SAMPLE_RATE, "samples": CLIP_SAMPLES, "clips_per_tune": CLIPS_PER_TUNE,
        "tools": tool_versions(tools)})
    write_json(manifest_path, manifest)  # last: its presence means the cache is complete
    return manifest


def load_music(split: str) -> tuple[np.ndarray, np.ndarray, str]:
    """(clips int16 (N, 16384), collection labels int64 (N,), source path) of split train or test."""
    manifest = ensure_music_cache()
    return load_cached_npz(music_dir() / f"{split}.npz", manifest)


def music_tunes() -> list[dict]:
    """The tune table (tunes.json), checked against the manifest."""
    manifest = ensure_music_cache()
    verify_sha256(music_dir() / "tunes.json", manifest["tunes.json"], name=f"cached '{music_dir() / 'tunes.json'}'")
    return read_json(music_dir() / "tunes.json")


def music_files() -> dict[str, str]:
    """{cached file path: sha256}, each checked against the manifest, for `genlab data fetch`."""
    return checked_files(music_dir(), ensure_music_cache())


def tune_counts(rows: list[dict]) -> dict[str, dict[str, int]]:
    """{collection: {tunes, train, test, clips}} of a tune table, for `genlab data fetch music`."""
    counts = {c: {"tunes": 0, "train": 0, "test": 0, "clips": 0} for c in dict.fromkeys(r["collection"] for r in rows)}
    for r in rows:
        c = counts[r["collection"]]
        c["tunes"] += 1
        c[r["split"]] += 1
        c["clips"] += r.get("clips", 0)
    return counts
