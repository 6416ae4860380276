"""Spectrograms with torch.stft (no torchaudio): magnitudes, a mel filterbank, log-mel features, and
spectrogram images for sample grids. Audio is float (B, T) or (B, 1, T) in [-1, 1]."""
from __future__ import annotations

import math

import torch
from torch import Tensor

DB_FLOOR = -80.0  # spectrogram images show [DB_FLOOR, DB_CEIL] dB (power, relative to a full-scale sine = 0)
DB_CEIL = 0.0


def _flat(audio: Tensor) -> Tensor:
    return audio.reshape(-1, audio.shape[-1]) if audio.ndim != 2 else audio


def stft(audio: Tensor, n_fft: int = 512, hop: int | None = None) -> Tensor:
    """Complex STFT (B, n_fft // 2 + 1, frames), periodic Hann window, centred frames (reflect padding)."""
    hop = hop or n_fft // 4
    window = torch.hann_window(n_fft, device=audio.device, dtype=audio.dtype)
    return torch.stft(_flat(audio), n_fft, hop_length=hop, window=window, center=True, pad_mode="reflect",
                      return_complex=True)


def istft(spec: Tensor, n_fft: int = 512, hop: int | None = None, length: int | None = None) -> Tensor:
    """The inverse of `stft` (overlap-add), (B, T)."""
    hop = hop or n_fft // 4
    window = torch.hann_window(n_fft, device=spec.device, dtype=spec.real.dtype)
    return torch.istft(spec, n_fft, hop_length=hop, window=window, center=True, length=length)


def hz_to_mel(f):
    """HTK mel scale: 2595 log10(1 + f / 700)."""
    return 2595.0 * math.log10(1.0 + f / 700.0)


def mel_filterbank(n_mels: int, n_fft: int, sample_rate: int, fmin: float = 0.0,
                   fmax: float | None = None) -> Tensor:
    """Triangular filters (n_mels, n_fft // 2 + 1), equally spaced on the HTK mel scale, peak 1."""
    fmax = fmax or sample_rate / 2
    mels = torch.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2, dtype=torch.float64)
    hz = 700.0 * (10 ** (mels / 2595.0) - 1.0)
    freqs = torch.linspace(0, sample_rate / 2, n_fft // 2 + 1, dtype=torch.float64)
    lower, centre, upper = hz[:-2, None], hz[1:-1, None], hz[2:, None]
    rising = (freqs - lower) / (centre - lower)
    falling = (upper - freqs) / (upper - centre)
    return torch.clamp(torch.minimum(rising, falling), min=0).float()


def power_db(audio: Tensor, n_fft: int = 512, hop: int | None = None) -> Tensor:
    """Power spectrogram in dB (B, F, frames); a full-scale sine peaks near 0 dB."""
    window_sum = n_fft / 2  # sum of a periodic Hann window: a unit sine's peak bin has magnitude n_fft / 4
    mag = stft(audio, n_fft, hop).abs() / (window_sum / 2)
    return 20 * torch.log10(mag.clamp_min(1e-6))


def log_mel(audio: Tensor, sample_rate: int, n_mels: int = 64, n_fft: int = 512, hop: int | None = None) -> Tensor:
    """log(mel power + 1e-5), (B, n_mels, frames): the classifier's and the mel models' features."""
    power = stft(audio, n_fft, hop).abs() ** 2 / n_fft
    fb = mel_filterbank(n_mels, n_fft, sample_rate).to(power.device, power.dtype)
    return torch.log(fb @ power + 1e-5)


def spectrogram_images(audio: Tensor, n_fft: int = 256, hop: int | None = None) -> Tensor:
    """Images (B, 1, n_fft // 2, frames) in [-1, 1] of the power in dB (DB_FLOOR..DB_CEIL), low
    frequencies at the bottom: what a run's sample grid shows for audio."""
    db = power_db(audio, n_fft, hop)[:, 1:]  # drop DC so the height is a power of two
    img = (db.clamp(DB_FLOOR, DB_CEIL) - DB_FLOOR) / (DB_CEIL - DB_FLOOR) * 2 - 1
    return img.flip(1)[:, None]


def mel_centres(n_mels: int, sample_rate: int, fmin: float = 0.0, fmax: float | None = None) -> Tensor:
    """The centre frequencies in Hz (n_mels,) of `mel_filterbank`'s filters, increasing."""
    fmax = fmax or sample_rate / 2
    mels = torch.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2, dtype=torch.float64)
    return (700.0 * (10 ** (mels / 2595.0) - 1.0))[1:-1]


def mel_to_linear(mel: Tensor, filterbank: Tensor) -> Tensor:
    """Mel magnitudes (B, n_mels, frames) -> linear magnitudes (B, bins, frames) by the filterbank's
    pseudo-inverse, negative values clamped to 0 (the least-squares answer projected onto magnitudes)."""
    pinv = torch.linalg.pinv(filterbank.double()).to(mel.dtype)
    return (pinv @ mel).clamp_min(0)


def griffin_lim(magnitude: Tensor, n_fft: int, hop: int, iterations: int = 16, length: int | None = None) -> Tensor:
    """Audio (B, T) whose STFT magnitude approaches `magnitude` (B, n_fft // 2 + 1, frames), Griffin & Lim
    1984: start from zero phase, then `iterations` times keep the phase of the re-analysed signal and impose
    the magnitude. Deterministic (no random initial phase), as Donahue et al. 2019's SpecGAN code."""
    spec = magnitude.to(torch.complex64 if magnitude.dtype != torch.float64 else torch.complex128)
    audio = istft(spec, n_fft, hop, length)
    for _ in range(iterations):
        rebuilt = stft(audio, n_fft, hop)
        phase = rebuilt / rebuilt.abs().clamp_min(1e-8)
        audio = istft(magnitude * phase, n_fft, hop, length)
    return audio


def spectral_convergence(audio: Tensor, magnitude: Tensor, n_fft: int, hop: int) -> Tensor:
    """|| |STFT(audio)| - magnitude ||_F / || magnitude ||_F per clip (B,): 0 when the magnitudes agree."""
    diff = stft(audio, n_fft, hop).abs() - magnitude
    return diff.flatten(1).norm(dim=1) / magnitude.flatten(1).norm(dim=1).clamp_min(1e-12)
