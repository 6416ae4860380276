"""Audio files in and out: any WAV/FLAC/OGG/AIFF that libsndfile reads (through `soundfile`), resampled
with `soxr`, mixed down to mono, as float32 in [-1, 1].

Conversions, all documented and none silent about failure:
  - any sample rate -> `sample_rate` (default 16 kHz), by soxr's high-quality resampler;
  - any channel count -> mono, the mean of the channels;
  - float files with samples beyond +-1 are clipped to [-1, 1] (integer files cannot exceed it);
  - `fit_length` cuts or zero-pads a clip at its end.
Non-audio, empty and silent files are one-line DataErrors. Long recordings are read in blocks
(`soundfile.blocks`) and resampled as a stream, so `iter_audio_blocks` never holds a whole file.
Needs the `audio` extra: `pip install 'genlab[audio]'` (soundfile, soxr).
"""
from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Iterator

import numpy as np

from genlab.errors import DataError
from genlab.io import atomic_path

SAMPLE_RATE = 16_000
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".aiff", ".aif")
SILENCE_PEAK = 1e-4  # -80 dBFS: a clip whose peak is below this is silent
READ_BLOCK = 1 << 16  # frames read from a file at a time


def soundfile_module():
    try:
        import soundfile
    except ImportError:
        raise DataError("audio needs the soundfile and soxr packages: pip install 'genlab[audio]'") from None
    return soundfile


def _soxr():
    try:
        import soxr
    except ImportError:
        raise DataError("audio needs the soundfile and soxr packages: pip install 'genlab[audio]'") from None
    return soxr


def _open(path: str | os.PathLike | io.BytesIO):
    sf = soundfile_module()
    name = "the audio bytes" if isinstance(path, io.BytesIO) else f"'{path}'"
    if not isinstance(path, io.BytesIO):
        p = Path(path)
        if not p.exists():
            raise DataError(f"audio file {name} does not exist")
        if p.is_dir():
            raise DataError(f"audio file {name} is a folder; expected a WAV/FLAC file")
    try:
        return sf.SoundFile(path)
    except (RuntimeError, sf.LibsndfileError, TypeError) as exc:  # LibsndfileError: "Format not recognised"
        reason = str(exc).split(": ", 1)[-1].strip() or type(exc).__name__
        raise DataError(f"{name} is not an audio file libsndfile can read ({reason}); expected WAV, FLAC, "
                        "OGG or AIFF") from None


def iter_audio_blocks(path: str | os.PathLike | io.BytesIO, *, sample_rate: int = SAMPLE_RATE,
                      block: int = READ_BLOCK) -> Iterator[np.ndarray]:
    """The file as mono float32 blocks at `sample_rate`, streamed (memory bounded by `block`)."""
    with _open(path) as f:
        rate, frames = f.samplerate, f.frames
        if frames == 0:
            raise DataError(f"audio file '{path}' holds no samples")
        stream = None if rate == sample_rate else _soxr().ResampleStream(rate, sample_rate, 1, dtype="float32")
        while True:
            data = f.read(block, dtype="float32", always_2d=True)
            last = len(data) < block
            mono = np.clip(data.mean(axis=1), -1.0, 1.0).astype(np.float32)
            out = mono if stream is None else stream.resample_chunk(mono, last=last)
            if len(out):
                yield out
            if last:
                break


def read_audio(path: str | os.PathLike | io.BytesIO, *, sample_rate: int = SAMPLE_RATE,
               max_samples: int | None = None, allow_silent: bool = False) -> np.ndarray:
    """A whole file (or its first `max_samples` at the new rate) as mono float32 (T,) in [-1, 1]."""
    parts, have = [], 0
    for chunk in iter_audio_blocks(path, sample_rate=sample_rate):
        parts.append(chunk)
        have += len(chunk)
        if max_samples is not None and have >= max_samples:
            break  # stop reading a long file once the clip is full
    audio = np.concatenate(parts) if parts else np.zeros(0, np.float32)
    if max_samples is not None:
        audio = audio[:max_samples]
    if not len(audio):
        raise DataError(f"audio file '{path}' holds no samples")
    if not allow_silent and float(np.abs(audio).max()) < SILENCE_PEAK:
        raise DataError(f"audio file '{path}' is silent (peak below -80 dBFS); expected a recording")
    return audio


def fit_length(audio: np.ndarray, length: int) -> np.ndarray:
    """Cut `audio` (T,) to `length` samples, or pad it with zeros at the end."""
    if len(audio) >= length:
        return audio[:length]
    return np.concatenate([audio, np.zeros(length - len(audio), audio.dtype)])


def to_int16(audio) -> np.ndarray:
    """float audio in [-1, 1] (numpy or torch) -> int16 (x 32768, clipped: libsndfile's scale, so that
    reading a written file gives the samples back to 1/32768)."""
    a = np.asarray(audio.detach().cpu().numpy() if hasattr(audio, "detach") else audio, dtype=np.float32)
    return np.clip(np.round(a.astype(np.float64) * 32768), -32768, 32767).astype(np.int16)


def write_wav(path: str | os.PathLike, audio, sample_rate: int = SAMPLE_RATE) -> Path:
    """Write mono audio (T,) in [-1, 1] (numpy or torch; clipped) as 16-bit PCM WAV, atomically."""
    sf = soundfile_module()
    samples = to_int16(audio).reshape(-1)
    path = Path(path)
    with atomic_path(path) as part:
        sf.write(str(part), samples, sample_rate, subtype="PCM_16", format="WAV")
    return path


def wav_bytes(audio, sample_rate: int = SAMPLE_RATE) -> bytes:
    """The 16-bit PCM WAV file of mono audio (T,) in [-1, 1], in memory."""
    sf = soundfile_module()
    buf = io.BytesIO()
    sf.write(buf, to_int16(audio).reshape(-1), sample_rate, subtype="PCM_16", format="WAV")
    return buf.getvalue()


def list_audio(folder: str | os.PathLike) -> list[Path]:
    """Audio files under `folder` (recursively), sorted; DataError when there are none."""
    root = Path(folder)
    if not root.is_dir():
        raise DataError(f"audio folder '{folder}' does not exist or is not a folder")
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in AUDIO_EXTENSIONS and p.is_file())
    if not files:
        raise DataError(f"audio folder '{folder}' holds no audio files ({', '.join(AUDIO_EXTENSIONS)})")
    return files


def write_wav_strip(path: str | os.PathLike, clips, sample_rate: int = SAMPLE_RATE, gap_s: float = 0.25) -> Path:
    """Clips (N, T) in [-1, 1] in one WAV, one after the other with `gap_s` seconds of silence between."""
    clips = np.asarray(clips.detach().cpu().numpy() if hasattr(clips, "detach") else clips, np.float32)
    gap = np.zeros((len(clips), int(gap_s * sample_rate)), np.float32)
    return write_wav(path, np.concatenate([clips.reshape(len(clips), -1), gap], axis=1).reshape(-1), sample_rate)
