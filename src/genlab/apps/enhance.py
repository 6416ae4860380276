"""Speech enhancement of recordings of any length: read in blocks, enhanced chunk by chunk (4 s windows that
overlap by 0.5 s, cross-faded linearly), written as they are done. Memory is bounded by one chunk, whatever
the recording's length; the output WAV (16 kHz mono, 16-bit) appears only when the whole file is done."""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import torch

from genlab.data.audio import SAMPLE_RATE, SILENCE_PEAK, iter_audio_blocks, soundfile_module
from genlab.errors import GenlabError
from genlab.io import atomic_path, check_output_file

log = logging.getLogger(__name__)

CHUNK_SECONDS, OVERLAP_SECONDS = 4.0, 0.5
MIN_SAMPLES = 1024  # shorter chunks are zero-padded for the STFT, then cut back


def _enhance_chunk(enhance: Callable[[torch.Tensor], torch.Tensor], chunk: np.ndarray) -> np.ndarray:
    x = torch.from_numpy(np.pad(chunk, (0, max(0, MIN_SAMPLES - len(chunk)))))[None, None]
    return enhance(x)[0, 0, :len(chunk)].cpu().numpy()


def enhance_stream(enhance: Callable[[torch.Tensor], torch.Tensor], blocks: Iterator[np.ndarray], *,
                   chunk: int, overlap: int) -> Iterator[np.ndarray]:
    """Enhanced audio, in pieces, from mono float32 blocks: windows of `chunk` samples, `overlap` apart from
    the next, each cross-faded into the previous over the overlap (the fades sum to 1)."""
    if not 0 <= overlap < chunk:
        raise GenlabError(f"the overlap ({overlap} samples) must be shorter than the chunk ({chunk})")
    fade_in = np.linspace(0, 1, overlap + 2, dtype=np.float32)[1:-1]
    buf, tail = np.zeros(0, np.float32), None  # tail: the previous window's last `overlap` enhanced samples

    def join(y: np.ndarray) -> np.ndarray:
        if tail is None or not overlap:
            return y
        head = y[:overlap] * fade_in + tail * (1 - fade_in)
        return np.concatenate([head, y[overlap:]])

    for block in blocks:
        buf = np.concatenate([buf, block])
        while len(buf) >= chunk:
            y = join(_enhance_chunk(enhance, buf[:chunk]))
            yield y[:len(y) - overlap]
            tail, buf = y[len(y) - overlap:], buf[chunk - overlap:]
    if tail is None:  # shorter than one chunk: one window
        if len(buf):
            yield _enhance_chunk(enhance, buf)
    elif len(buf) > overlap:  # the rest after the last full window
        yield join(_enhance_chunk(enhance, buf))
    else:
        yield tail


def enhance_file(enhance: Callable[[torch.Tensor], torch.Tensor], src: str | os.PathLike, out: str | os.PathLike,
                 *, chunk_seconds: float = CHUNK_SECONDS, overlap_seconds: float = OVERLAP_SECONDS) -> dict:
    """Enhance the audio file `src` (any format libsndfile reads; resampled to 16 kHz mono) into the WAV
    `out`; `enhance` maps (1, 1, T) clips to enhanced ones. Returns seconds and peak levels."""
    out = check_output_file(out, "--out")
    if Path(src).resolve() == out.resolve():
        raise GenlabError(f"--out '{out}' is the input file; write the enhanced audio elsewhere")
    chunk, overlap = int(chunk_seconds * SAMPLE_RATE), int(overlap_seconds * SAMPLE_RATE)
    if chunk < MIN_SAMPLES:
        raise GenlabError(f"--chunk {chunk_seconds:g} s is too short; use at least {MIN_SAMPLES / SAMPLE_RATE:g} s")
    sf = soundfile_module()
    stats = {"samples": 0, "peak_in": 0.0, "peak_out": 0.0}

    def measured(blocks):
        for b in blocks:
            stats["peak_in"] = max(stats["peak_in"], float(np.abs(b).max(initial=0)))
            yield b

    with atomic_path(out) as part:
        with sf.SoundFile(str(part), "w", samplerate=SAMPLE_RATE, channels=1, subtype="PCM_16", format="WAV") as f:
            for piece in enhance_stream(enhance, measured(iter_audio_blocks(src)), chunk=chunk, overlap=overlap):
                piece = np.clip(piece, -1.0, 1.0)
                stats["samples"] += len(piece)
                stats["peak_out"] = max(stats["peak_out"], float(np.abs(piece).max(initial=0)))
                f.write(piece)
        if stats["peak_in"] < SILENCE_PEAK:
            raise GenlabError(f"audio file '{src}' is silent (peak below -80 dBFS); nothing to enhance")
    return {"out": str(out), "seconds": stats["samples"] / SAMPLE_RATE, "peak_in": stats["peak_in"],
            "peak_out": stats["peak_out"]}
