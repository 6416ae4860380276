"""Audio datasets in memory (int16 clips + optional labels) and their batch source.

    ds = load_audio_dataset("spoken-digits", "train")            # built by espeak-ng once, then cached
    ds = load_audio_dataset("audio-folder", path="clips/", length=16384)
    ds = load_audio_dataset("drums", "test")                     # hydrogen-drumkits one-shots, cached
    ds = load_audio_dataset("drums-folder", path="my_kits/")      # your one-shots, made the same way
    ds = load_audio_dataset("music", "train")                    # music21's folk tunes by fluidsynth, cached

Batches are {"audio": float (B, 1, T) in [-1, 1], "labels": int64 (B,)} (labels when the set has them).
Towards the families an audio source reports channels 1 and `resolution` = the clip length in samples,
the interface arguments every family is built from.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from genlab.data import digits, drums, music
from genlab.data.audio import SAMPLE_RATE, fit_length, list_audio, read_audio, to_int16
from genlab.data.drumkits import CLASSES, build_drums
from genlab.data.folder import labels_from_subfolders
from genlab.data.sources import Batch, BatchOrder, Source
from genlab.errors import DataError, GenlabError, unknown

log = logging.getLogger(__name__)

AUDIO_DATASETS = ("spoken-digits", "audio-folder", "drums", "drums-folder", "music")
CACHED_SETS = ("spoken-digits", "drums", "music")  # built once into the cache, with splits train and test
ONSET_ALIGNED = ("drums", "drums-folder", "music")  # clips start at a hit (or a tune's first note, or mid-tune):
# cut or padded at the end, not centred
DESCRIPTIONS = {
    "spoken-digits": "3,840 one-second clips of 'zero'..'nine' at 16 kHz by espeak-ng (192 voices; train 3,200 / "
                     "test 640 by unseen voices), synthesized at fetch time (apt-get install espeak-ng)",
    "audio-folder": "your WAV/FLAC/OGG/AIFF files: resampled to 16 kHz mono, cut or padded; labels from subfolders",
    "drums": "752 real drum one-shots from Debian's hydrogen-drumkits (14 kits; train 679 / test 73 by unseen "
             "kits), onset-aligned 16,384-sample clips at 16 kHz, classes kick/snare/hat/tom/cymbal/other",
    "drums-folder": "your drum one-shots (a folder per kit): onset-aligned like drums; classes from file names",
    "music": "3,995 16,384-sample clips at 16 kHz of 1,000 folk tunes from music21's ABC corpus (4 collections, the "
             "labels; train 3,547 / test 448 by unseen tunes), played by abc2midi + fluidsynth (apt-get install abcmidi "
             "fluidsynth)",
}
FOLDER_LENGTH = SAMPLE_RATE  # default clip length of a folder: 1 s


@dataclass
class AudioDataset:
    """A whole audio set in memory."""

    clips: torch.Tensor  # (N, T) int16
    labels: torch.Tensor | None  # (N,) int64, or None
    name: str
    split: str
    sample_rate: int = SAMPLE_RATE
    class_names: list[str] | None = None
    source: str = ""

    def __len__(self) -> int:
        return self.clips.shape[0]

    @property
    def length(self) -> int:
        """Samples per clip."""
        return self.clips.shape[1]

    @property
    def num_classes(self) -> int:
        if self.labels is None:
            return 0
        return len(self.class_names) if self.class_names else int(self.labels.max()) + 1

    def audio(self, idx: torch.Tensor | slice = slice(None)) -> torch.Tensor:
        """Clips as float (n, 1, T) in [-1, 1]."""
        return self.clips[idx].float().div(32768)[:, None]

    def describe(self) -> dict:
        """Counts, length, label histogram, level statistics and source, JSON-able."""
        counts = None
        if self.labels is not None:
            hist = torch.bincount(self.labels, minlength=self.num_classes).tolist()
            counts = dict(zip(self.class_names or [str(i) for i in range(len(hist))], hist))
        x = self.clips.float() / 32768
        return {"name": self.name, "split": self.split, "count": len(self), "samples": self.length,
                "sample_rate": self.sample_rate, "seconds": round(self.length / self.sample_rate, 4),
                "num_classes": self.num_classes, "class_names": self.class_names, "label_counts": counts,
                "rms": round(float(x.pow(2).mean().sqrt()), 4), "peak": round(float(x.abs().max()), 4),
                "source": self.source}


def _fit_all(clips: np.ndarray, length: int | None, centred: bool = True) -> np.ndarray:
    if length is None or length == clips.shape[1]:
        return clips
    if not centred:
        return np.stack([fit_length(c, length) for c in clips]) if len(clips) else clips[:, :length]
    if length > clips.shape[1]:  # pad both ends equally: the utterance stays centred
        extra = length - clips.shape[1]
        return np.pad(clips, ((0, 0), (extra // 2, extra - extra // 2)))
    start = (clips.shape[1] - length) // 2
    return clips[:, start:start + length]


def load_audio_folder(path: str, length: int = FOLDER_LENGTH, strict: bool = False
                      ) -> tuple[np.ndarray, np.ndarray | None, list[str] | None]:
    """(clips int16 (N, length), labels or None, class names or None) from a folder of audio files.

    Each file is read up to `length` samples at 16 kHz (a long file is not read further), mixed to mono and
    zero-padded at the end. Unreadable, empty or silent files are skipped with one warning line (or raise
    when `strict`)."""
    files = list_audio(path)
    clips, kept, failures = [], [], []
    for i, f in enumerate(files):
        try:
            clips.append(fit_length(read_audio(f, max_samples=length), length))
            kept.append(i)
        except GenlabError as exc:
            if strict:
                raise
            failures.append(str(exc))
    if not clips:
        raise DataError(f"no usable audio in '{path}': all {len(files)} files failed, first: {failures[0]}")
    if failures:
        log.warning("skipped %d unusable audio files, first: %s", len(failures), failures[0])
    labels, names = labels_from_subfolders(Path(path), [files[i] for i in kept])
    x = to_int16(np.stack(clips))
    return x, labels, names


def _drums_folder(path: str | None, split: str, strict: bool) -> tuple[np.ndarray, np.ndarray, list[str], str]:
    if split == "test":
        raise DataError("dataset 'drums-folder' has no test split: it is one set of clips; use split 'train'")
    if path is None:
        raise DataError("dataset 'drums-folder' needs a path: drums-folder:DIR (or data.path)")
    splits, _ = build_drums(path, strict=strict)
    return splits["train"]["x"], splits["train"]["y"], list(CLASSES), str(Path(path))


def _cached_set(name: str):
    """(load function split -> (clips, labels, source), class names) of a set built into the cache."""
    if name == "spoken-digits":
        return digits.load_digits, [str(d) for d in range(10)]
    if name == "drums":
        return drums.load_drums, list(CLASSES)
    return music.load_music, list(music.COLLECTIONS)


def load_audio_dataset(name: str, split: str = "train", *, path: str | None = None, length: int | None = None,
                       strict: bool = False) -> AudioDataset:
    """Load an audio set into memory; `length` cuts or pads its clips to that many samples (centred; the
    drum sets and music at the end, so a clip still starts at its hit or note)."""
    if name not in AUDIO_DATASETS:
        raise DataError(unknown("audio dataset", name, AUDIO_DATASETS))
    if length is not None and length < 1:
        raise DataError(f"data.audio_length must be >= 1 sample, got {length}")
    if name in CACHED_SETS:
        if split not in ("train", "test", "all"):
            raise DataError(unknown("split", split, ("train", "test", "all")))
        load, class_names = _cached_set(name)
        parts = [load(s) for s in (("train", "test") if split == "all" else (split,))]
        clips = np.concatenate([p[0] for p in parts])
        labels = np.concatenate([p[1] for p in parts])
        source = ", ".join(p[2] for p in parts)
    elif name == "drums-folder":
        clips, labels, class_names, source = _drums_folder(path, split, strict)
        split = "all"
    else:
        if split == "test":
            raise DataError("dataset 'audio-folder' has no test split: it is one set of clips; use split 'train'")
        if path is None:
            raise DataError("dataset 'audio-folder' needs a path: audio-folder:DIR (or data.path)")
        clips, labels, class_names = load_audio_folder(path, length or FOLDER_LENGTH, strict)
        split, source = "all", str(Path(path))
    clips = _fit_all(clips, length, centred=name not in ONSET_ALIGNED)
    return AudioDataset(torch.from_numpy(np.ascontiguousarray(clips)),
                        torch.from_numpy(labels) if labels is not None else None, name, split,
                        SAMPLE_RATE, class_names, source)


class AudioSource(Source):
    """Batches of an in-memory AudioDataset: {"audio" (B, 1, T) in [-1, 1], "labels" (when labelled)};
    the order of an epoch is seeded by (seed, epoch), as for images."""

    kind = "audio"

    def __init__(self, data: AudioDataset, *, batch_size: int, seed: int, rank: int = 0, world: int = 1):
        super().__init__(BatchOrder(len(data), batch_size, seed), rank=rank, world=world)
        self.data = data
        self.channels, self.resolution, self.num_classes = 1, data.length, data.num_classes

    def _named(self, idx: torch.Tensor) -> Batch:
        batch = {"audio": self.data.audio(idx)}
        if self.data.labels is not None:
            batch["labels"] = self.data.labels[idx]
        return batch

    def make_batch(self, epoch: int, index: int, idx: torch.Tensor) -> Batch:
        return self._named(idx[self.rank::self.world])

    def preview_batch(self, n: int) -> Batch:
        return self._named(torch.arange(n) % len(self.data))

    @property
    def shape(self) -> dict:
        return {**super().shape, "sample_rate": self.data.sample_rate, "modality": "audio"}


def build_audio_source(data, *, batch_size: int, seed: int, rank: int = 0, world: int = 1) -> Source:
    """The source of a run whose data.name is an audio set (see config.DataConfig)."""
    from genlab.data.noise import NoisyAudioSource, parse_noise

    for key in ("patch_size", "resolution", "channels"):
        if getattr(data, key) is not None:
            raise DataError(f"data.{key} is for images; audio sets take data.audio_length (samples per clip)")
    if data.workers or data.binarize != "none":
        raise DataError("data.workers and data.binarize are for images; unset them for audio")
    snr_range = parse_noise(data.degradation) if data.degradation is not None else None
    ds = load_audio_dataset(data.name, data.split, path=data.path, length=data.audio_length, strict=data.strict)
    if data.recording_length is not None:  # windows of several joined clips (data/recordings.py)
        from genlab.data.recordings import JoinedAudioSource
        source: Source = JoinedAudioSource(ds, length=data.recording_length, batch_size=batch_size, seed=seed,
                                           rank=rank, world=world)
    else:
        source = AudioSource(ds, batch_size=batch_size, seed=seed, rank=rank, world=world)
    return source if snr_range is None else NoisyAudioSource(source, snr_range=snr_range, seed=seed)
