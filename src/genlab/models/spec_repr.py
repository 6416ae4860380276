"""Clips as normalized log-magnitude spectrogram images and back, for the spectrogram models (SpecGAN in the
audio-gan family, the mel VAE). Donahue et al. 2019, section 4 (SpecGAN):

  log(|STFT| + 1e-6), then per frequency bin (x - mean) / std with statistics measured on the training set,
  clipped to 3 std and rescaled to [-1, 1]; back to audio by undoing that and Griffin-Lim (16 iterations).

With `n_mels` > 0 the magnitudes first pass through an HTK mel filterbank (data/spectral.py), and the way back
goes through its pseudo-inverse (negative values clamped to 0) before Griffin-Lim. The statistics are buffers,
so a run's checkpoint carries them and sampling after a reload is identical; `fit` measures them.
"""
from __future__ import annotations

from typing import Iterable

import torch
from torch import Tensor, nn

from genlab.data.spectral import griffin_lim, mel_filterbank, mel_to_linear, stft
from genlab.errors import ConfigError

LOG_EPS = 1e-6   # Donahue et al.'s _LOG_EPS
CLIP_STD = 3.0   # normalized values are clipped to +-3 std, then divided by 3


class LogSpectrum(nn.Module):
    """audio (B, 1, T) in [-1, 1] <-> spectrogram images (B, 1, bins, frames) in [-1, 1].

    Linear: bins = n_fft // 2 (the Nyquist bin dropped, as the paper), frames = T // hop (the last centred
    frame dropped). Mel: bins = n_mels."""

    def __init__(self, *, length: int, n_fft: int, hop: int, sample_rate: int, n_mels: int = 0,
                 griffin_lim_iters: int = 16):
        super().__init__()
        if n_fft < 4 or hop < 1 or length < n_fft:
            raise ConfigError(f"a spectrogram needs n_fft >= 4, hop >= 1 and clips of at least n_fft samples; got "
                              f"n_fft {n_fft}, hop {hop}, clips of {length}")
        if griffin_lim_iters < 0:
            raise ConfigError(f"model.griffin_lim_iters must be >= 0, got {griffin_lim_iters}")
        self.length, self.n_fft, self.hop, self.n_mels = length, n_fft, hop, n_mels
        self.griffin_lim_iters = griffin_lim_iters
        self.bins = n_mels or n_fft // 2
        self.frames = length // hop
        if n_mels:
            self.register_buffer("filterbank", mel_filterbank(n_mels, n_fft, sample_rate), persistent=False)
        # per-bin statistics of the log magnitudes (Donahue et al.: measured on the training set); 0 / 1 until fit
        self.register_buffer("mean", torch.zeros(self.bins))
        self.register_buffer("std", torch.ones(self.bins))

    @property
    def shape(self) -> tuple[int, int]:
        """(bins, frames) of one spectrogram image."""
        return self.bins, self.frames

    def log_magnitude(self, audio: Tensor) -> Tensor:
        """log(|STFT| + eps) of clips (B, 1, T) or (B, T): (B, bins, frames)."""
        mag = stft(audio.reshape(-1, audio.shape[-1]).float(), self.n_fft, self.hop).abs()[..., :self.frames]
        mag = self.filterbank @ mag if self.n_mels else mag[:, :-1]
        return torch.log(mag + LOG_EPS)

    @torch.no_grad()
    def fit(self, clip_batches: Iterable[Tensor]) -> None:
        """Measure the per-bin mean and std of the log magnitudes over all frames of all clips."""
        total = torch.zeros(self.bins, dtype=torch.float64)
        total_sq, count = torch.zeros_like(total), 0
        for clips in clip_batches:
            logmag = self.log_magnitude(clips.to(self.mean.device)).double().cpu()  # (B, bins, frames)
            total += logmag.sum((0, 2))
            total_sq += logmag.pow(2).sum((0, 2))
            count += logmag.shape[0] * logmag.shape[2]
        if not count:
            raise ConfigError("no clips to measure spectrogram statistics on")
        mean = total / count
        std = (total_sq / count - mean.pow(2)).clamp_min(0).sqrt()
        self.mean.copy_(mean.float())
        self.std.copy_(std.float().clamp_min(1e-3))  # a constant bin (silence) must not divide by 0

    def forward(self, audio: Tensor) -> Tensor:
        """Clips (B, 1, T) in [-1, 1] -> normalized spectrogram images (B, 1, bins, frames) in [-1, 1]."""
        z = (self.log_magnitude(audio) - self.mean[:, None]) / self.std[:, None]
        return (z.clamp(-CLIP_STD, CLIP_STD) / CLIP_STD)[:, None]

    def magnitude(self, images: Tensor) -> Tensor:
        """Normalized images (B, 1, bins, frames) -> linear STFT magnitudes (B, n_fft // 2 + 1, frames + 1),
        ready for Griffin-Lim (the dropped Nyquist bin and last frame are zeros)."""
        logmag = images[:, 0].float() * CLIP_STD * self.std[:, None] + self.mean[:, None]
        mag = (torch.exp(logmag) - LOG_EPS).clamp_min(0)
        if self.n_mels:
            mag = mel_to_linear(mag, self.filterbank)
        else:
            mag = nn.functional.pad(mag, (0, 0, 0, 1))  # the Nyquist bin
        return nn.functional.pad(mag, (0, 1))  # the last centred frame

    def invert(self, images: Tensor) -> Tensor:
        """Normalized images (B, 1, bins, frames) -> clips (B, 1, T) in [-1, 1], by Griffin-Lim."""
        audio = griffin_lim(self.magnitude(images), self.n_fft, self.hop, self.griffin_lim_iters, self.length)
        return audio.clamp(-1, 1)[:, None]


def source_clip_batches(source, chunk: int = 256):
    """The training clips of an audio source, (n, 1, T) in [-1, 1], `chunk` at a time (every clip once,
    whatever the rank), for LogSpectrum.fit; a ConfigError for a source that is not an audio set."""
    from genlab.data.audio_sets import AudioSource

    if not isinstance(source, AudioSource):
        raise ConfigError(f"spectrogram models train on an audio set (spoken-digits, drums, music, audio-folder), not on "
                          f"{type(source).__name__} batches")
    data = source.data
    for start in range(0, len(data), chunk):
        yield data.audio(slice(start, start + chunk))
