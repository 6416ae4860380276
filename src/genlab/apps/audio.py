"""Audio applications shared by the CLI and the studio: writing sampled clips as WAV files (with a
spectrogram grid beside them)."""
from __future__ import annotations

from pathlib import Path

import torch

from genlab.data.audio import write_wav
from genlab.data.spectral import spectrogram_images
from genlab.io import check_output_dir
from genlab.viz import save_image


def write_audio_samples(clips: torch.Tensor, out: str | Path, *, seeds: list[int], sample_rate: int,
                        labels: list[int] | None = None) -> list[Path]:
    """Clips (n, 1, T) in [-1, 1] -> OUT/seed000007[-label3].wav each, and OUT/spectrograms.png (one cell
    per clip, in seed order). Returns the paths written, the grid last."""
    folder = check_output_dir(out, "--out")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for i, (seed, clip) in enumerate(zip(seeds, clips)):
        tag = f"-label{labels[i % len(labels)]}" if labels else ""
        written.append(write_wav(folder / f"seed{seed:06d}{tag}.wav", clip[0], sample_rate))
    written.append(save_image(spectrogram_images(clips[:, 0]), folder / "spectrograms.png",
                              nrow=min(len(clips), 8)))
    return written
