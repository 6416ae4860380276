"""Drum one-shots from folders of kits (Hydrogen's layout: one folder per kit, its samples and a
drumkit.xml), made into onset-aligned clips with instrument classes.

Each sound file becomes one clip (the velocity layers of an instrument are separate recordings, so each is
kept):
  1. read as mono float at 16 kHz (`genlab.data.audio`: soxr resampling, channels averaged), at most the
     first `MAX_READ_SAMPLES`;
  2. dropped when silent: peak below -80 dBFS (`audio.SILENCE_PEAK`), e.g. Hydrogen's `emptySample.flac`;
  3. onset-aligned: the onset is the first sample whose magnitude reaches `ONSET_FRACTION` (10%, -20 dB)
     of the file's peak; the clip starts `PRE_ROLL` samples (2 ms) before it, so it begins with the
     rise of the hit;
  4. cut to `CLIP_SAMPLES` (16,384, WaveGAN's length: 1.024 s) with a `FADE_SAMPLES` (20 ms) linear
     fade-out when the sound rings on past the cut, or zero-padded at the end;
  5. peak-normalised to 0.9 (the file's own peak is kept beside it as `peak`).

Instrument classes come from names (the drumkit.xml instrument that plays the file; when that matches no
rule, the file's path under the root folder, kit folder included), by the first rule of `CLASS_RULES` that matches, in that order: hat (hi-hat, hh), cymbal
(crash, ride, china, splash, cymbal, a cymbal maker's name), kick (kick, bass drum, bd), snare (snare,
rim shots and side sticks), tom (tom, floor); everything else is `other` (claps, cowbells, hand drums,
electronic effects and unnamed samples).
"""
from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import numpy as np

from genlab.data.audio import AUDIO_EXTENSIONS, SILENCE_PEAK, read_audio, to_int16
from genlab.errors import DataError, GenlabError

log = logging.getLogger(__name__)

CLIP_SAMPLES = 16_384  # WaveGAN's clip: 16 x 4^5 samples
MAX_READ_SAMPLES = 4 * 16_000  # 4 s: the onset is looked for in the first 3 s
ONSET_FRACTION = 0.1
PRE_ROLL = 32  # 2 ms at 16 kHz
FADE_SAMPLES = 320  # 20 ms
PEAK = 0.9
CLASSES = ("kick", "snare", "hat", "tom", "cymbal", "other")
CLASS_RULES = (  # (class, pattern on the lower-cased name, '-' and '_' read as spaces), first match wins
    ("hat", r"hi ?hats?|hihat|\bhats?\b|\bo?hh\b"),
    ("cymbal", r"crash|\bride|china|splash|cymbal|\bcym\b|paiste|zildjian|sabian"),
    ("kick", r"kick|\bkik|bass ?drum|\bbd\b"),
    ("snare", r"snare|\brim|side ?stick|\bsd\b"),
    ("tom", r"\btom|\bfloor\b"),
)


def instrument_class(*names: str) -> int:
    """The index in CLASSES of the first name that a rule matches (rules in CLASS_RULES order); else other."""
    for name in names:
        text = re.sub(r"[-_]", " ", name.lower())
        for cls, pattern in CLASS_RULES:
            if re.search(pattern, text):
                return CLASSES.index(cls)
    return CLASSES.index("other")


def onset_index(audio: np.ndarray, fraction: float = ONSET_FRACTION) -> int:
    """The first sample whose magnitude reaches `fraction` of the clip's peak."""
    magnitude = np.abs(audio)
    return int(np.argmax(magnitude >= fraction * magnitude.max()))


def onset_align(audio: np.ndarray, length: int = CLIP_SAMPLES) -> np.ndarray:
    """A hit (T,) as a `length` clip starting PRE_ROLL samples before its onset, faded out if cut,
    zero-padded if short, peak-normalised to PEAK."""
    start = max(onset_index(audio) - PRE_ROLL, 0)
    hit = audio[start:start + length].astype(np.float32)
    if len(audio) - start > length:  # rings on past the cut: fade out instead of clicking
        hit[-FADE_SAMPLES:] *= np.linspace(1.0, 0.0, FADE_SAMPLES, dtype=np.float32)
    hit = hit * (PEAK / np.abs(hit).max())
    return np.concatenate([hit, np.zeros(length - len(hit), np.float32)])


def _children(element: ET.Element, tag: str) -> list[ET.Element]:
    return [e for e in element if e.tag.rsplit("}", 1)[-1] == tag]  # tags carry Hydrogen's namespace


def _text(element: ET.Element, tag: str) -> str:
    found = _children(element, tag)
    return " ".join((found[0].text or "").split()) if found else ""


def read_drumkit_xml(path: Path) -> tuple[dict, dict[str, str]]:
    """({name, author, license} of the kit, {sample file name: instrument name}) from a drumkit.xml."""
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise DataError(f"'{path}' is not a readable drumkit.xml ({exc})") from None
    meta = {key: _text(root, key) for key in ("name", "author", "license")}
    instruments = {}
    for lists in _children(root, "instrumentList"):
        for instrument in _children(lists, "instrument"):
            name = _text(instrument, "name")
            for layer in instrument.iter():
                if layer.tag.rsplit("}", 1)[-1] == "filename" and layer.text and name:
                    instruments.setdefault(Path(layer.text.strip()).name, name)
    return meta, instruments


def kit_files(root: Path) -> dict[str, list[Path]]:
    """{kit: its audio files, sorted}: a kit is a folder directly under `root` (files directly in `root`
    form a kit named after `root`)."""
    if not root.is_dir():
        raise DataError(f"drum folder '{root}' does not exist or is not a folder")
    kits: dict[str, list[Path]] = {}
    for p in sorted(root.rglob("*")):
        if p.suffix.lower() in AUDIO_EXTENSIONS and p.is_file():
            rel = p.relative_to(root)
            kits.setdefault(rel.parts[0] if len(rel.parts) > 1 else root.name, []).append(p)
    if not kits:
        raise DataError(f"drum folder '{root}' holds no audio files ({', '.join(AUDIO_EXTENSIONS)})")
    return kits


def convert_one_shot(path: Path, length: int = CLIP_SAMPLES) -> tuple[np.ndarray, float] | None:
    """(onset-aligned clip float32 (length,), the file's peak) of one file; None when it is silent."""
    audio = read_audio(path, max_samples=MAX_READ_SAMPLES, allow_silent=True)
    peak = float(np.abs(audio).max())
    if peak < SILENCE_PEAK:
        return None
    return onset_align(audio, length), peak


def build_drums(root: str | Path, test_kits: tuple[str, ...] = (), licences: dict[str, str] | None = None,
                length: int = CLIP_SAMPLES, strict: bool = True) -> tuple[dict[str, dict], list[dict]]:
    """Every one-shot under `root`, split by kit: ({split: arrays}, kit table).

    arrays: x int16 (N, length), y int64 (N,) classes, kit int64 (N,) rows of the kit table, instrument
    and file str (N,), peak float32 (N,). The kit table: one dict per kit (folder, name, author, licence
    as drumkit.xml states it, `licence` from `licences` or else that, split and counts per class)."""
    root = Path(root)
    per_split: dict[str, list] = {"train": [], "test": []}
    table, silent, failed = [], [], []
    for kit_id, (kit, files) in enumerate(kit_files(root).items()):
        kit_dir = files[0].parent if files[0].parent == root else root / kit
        xml = kit_dir / "drumkit.xml"
        meta, instruments = read_drumkit_xml(xml) if xml.is_file() else ({}, {})
        split = "test" if kit in test_kits else "train"
        classes: Counter = Counter()
        for f in files:
            try:
                converted = convert_one_shot(f, length)
            except GenlabError as exc:
                if strict:
                    raise
                failed.append(str(exc))
                continue
            if converted is None:
                silent.append(f.name)
                continue
            stem = str(f.relative_to(kit_dir).with_suffix(""))
            instrument = instruments.get(f.name, stem)
            label = instrument_class(instrument, str(f.relative_to(root).with_suffix("")))
            classes[CLASSES[label]] += 1
            per_split[split].append((converted[0], label, kit_id, instrument, f"{kit}/{f.name}", converted[1]))
        licence_xml = meta.get("license", "")
        table.append({"id": kit_id, "folder": kit, "name": meta.get("name") or kit, "author": meta.get("author", ""),
                      "license_xml": licence_xml, "license": (licences or {}).get(kit, licence_xml or "unknown"),
                      "split": split, "clips": sum(classes.values()),
                      "classes": {c: classes[c] for c in CLASSES}})
    if silent:
        log.info("dropped %d silent files (peak below -80 dBFS), e.g. %s", len(silent), silent[0])
    if failed:
        log.warning("skipped %d unreadable files, first: %s", len(failed), failed[0])
    if not per_split["train"] and not per_split["test"]:
        raise DataError(f"no usable one-shots in '{root}': every file was silent or unreadable")
    return {split: _arrays(rows, length) for split, rows in per_split.items()}, table


def _arrays(rows: list, length: int) -> dict[str, np.ndarray]:
    if not rows:
        return {"x": np.zeros((0, length), np.int16), "y": np.zeros(0, np.int64), "kit": np.zeros(0, np.int64),
                "instrument": np.array([], "<U1"), "file": np.array([], "<U1"), "peak": np.zeros(0, np.float32)}
    clips, labels, kits, instruments, files, peaks = zip(*rows)
    return {"x": to_int16(np.stack(clips)), "y": np.array(labels, np.int64), "kit": np.array(kits, np.int64),
            "instrument": np.array(instruments), "file": np.array(files), "peak": np.array(peaks, np.float32)}


def licence_markdown(table: list[dict]) -> str:
    """The kit table as a Markdown table: kit, author, licence, split, clips per class."""
    lines = ["| kit | author | licence | drumkit.xml says | split | clips | " + " | ".join(CLASSES) + " |",
             "|---|---|---|---|---|---|" + "---|" * len(CLASSES)]
    for k in table:
        kit = k["name"] if k["name"] == k["folder"] else f"{k['name']} ({k['folder']})"
        cells = [kit, k["author"], k["license"], k["license_xml"] or "(nothing)", k["split"], str(k["clips"])]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells + [str(k["classes"][c]) for c in CLASSES]) + " |")
    return "\n".join(lines)
