"""Latent walks for audio runs: interpolation between two clips (or seeds), written as WAV files and a
spectrogram strip. An endpoint is a seed (a prior draw: any audio family) or an audio file, encoded by the
model (the mel VAE encodes its log-mel spectrogram; an audio GAN has no encoder)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from genlab.apps.interpolate import lerp, seed_latent, slerp
from genlab.data.audio import read_audio, write_wav, write_wav_strip
from genlab.data.spectral import spectrogram_images
from genlab.errors import GenlabError
from genlab.io import check_output_dir
from genlab.viz import save_image


def centred(audio: np.ndarray, length: int) -> np.ndarray:
    """A clip (T,) cut or zero-padded to `length` samples about its centre (as the audio sets fit clips)."""
    if len(audio) >= length:
        start = (len(audio) - length) // 2
        return audio[start:start + length]
    extra = length - len(audio)
    return np.pad(audio, (extra // 2, extra - extra // 2))


def audio_endpoint(model, spec: str | int, label: int | None = None) -> torch.Tensor:
    """The latent (1, L) of a seed ("7") or of an audio file (its first `length` samples, centred, encoded)."""
    text = str(spec).strip()
    seeded = seed_latent(model, text, "a clip", "use seeds (e.g. --from 0 --to 1) or a mel-vae run")
    if seeded is not None:
        return seeded
    clip = torch.from_numpy(centred(read_audio(text, sample_rate=model.sample_rate), model.audio_shape[-1]))
    device = next(model.parameters()).device
    labels = _labels(model, 1, label)
    return model.encode(clip.reshape(1, 1, -1).to(device), labels).cpu()


def _labels(model, n: int, label: int | None) -> torch.Tensor | None:
    if not model.num_classes:
        if label is not None:
            raise GenlabError("--label was given, but this model is not class-conditional")
        return None
    label = 0 if label is None else label
    if not 0 <= label < model.num_classes:
        raise GenlabError(f"label {label} is out of range; this model has classes 0-{model.num_classes - 1}")
    return torch.full((n,), label, dtype=torch.long, device=next(model.parameters()).device)


def interpolate_clips(model, start: str | int, end: str | int, steps: int = 8, spherical: bool = False,
                      label: int | None = None) -> torch.Tensor:
    """Clips (steps, 1, T) in [-1, 1] decoded along the latent path from `start` to `end` (seeds or files)."""
    if steps < 2:
        raise GenlabError(f"interpolation needs at least 2 steps, got {steps}")
    z0, z1 = audio_endpoint(model, start, label), audio_endpoint(model, end, label)
    zs = (slerp if spherical else lerp)(z0, z1, torch.linspace(0, 1, steps))
    device = next(model.parameters()).device
    return model.generate(zs.to(device), _labels(model, steps, label)).cpu()


def write_audio_walk(clips: torch.Tensor, out: str | Path, sample_rate: int) -> list[Path]:
    """Clips (S, 1, T) -> OUT/step00.wav .. step{S-1}.wav, OUT/walk.wav (all in a row) and OUT/spectrograms.png
    (one strip, start on the left). Returns the paths written, the strip last."""
    folder = check_output_dir(out, "--out")
    folder.mkdir(parents=True, exist_ok=True)
    written = [write_wav(folder / f"step{i:02d}.wav", clip[0], sample_rate) for i, clip in enumerate(clips)]
    written.append(write_wav_strip(folder / "walk.wav", clips[:, 0], sample_rate))
    written.append(save_image(spectrogram_images(clips[:, 0]), folder / "spectrograms.png", nrow=len(clips)))
    return written
