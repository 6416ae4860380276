"""Classical speech enhancement baselines without parameters, as nets beside the mask U-Net (as bicubic is
beside the SR nets): both estimate the noise power spectrum from the quietest 15% of the STFT frames (a
crude minimum-statistics estimate; the clip must hold some pauses) and keep the noisy phase.

- Spectral subtraction (Boll 1979, with Berouti et al. 1979's over-subtraction alpha = 2 and spectral floor
  beta = 0.02): |X|^2 = max(|Y|^2 - alpha N, beta |Y|^2).
- Wiener filtering with the maximum-likelihood a-priori SNR: xi = max(|Y|^2 / N - 1, xi_min), G = xi / (1 + xi).
"""
from __future__ import annotations

import torch
from torch import nn

from genlab.data.spectral import istft, stft

N_FFT, HOP = 512, 128
QUIET_FRACTION = 0.15


def noise_power(power: torch.Tensor, fraction: float = QUIET_FRACTION) -> torch.Tensor:
    """(B, F, 1): the mean power spectrum of the quietest `fraction` of the frames of power (B, F, frames)."""
    energy = power.sum(1)  # (B, frames)
    k = max(1, int(fraction * power.shape[-1]))
    quiet = energy.topk(k, dim=1, largest=False).indices  # (B, k)
    return power.gather(2, quiet[:, None, :].expand(-1, power.shape[1], -1)).mean(-1, keepdim=True)


class _Classical(nn.Module):
    def __init__(self, *, img_channels: int = 1, img_resolution: int | None = None, num_classes: int = 0, **_):
        super().__init__()

    def gain(self, power: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, noisy: torch.Tensor) -> torch.Tensor:  # (B, 1, T) -> (B, 1, T)
        spec = stft(noisy[:, 0], N_FFT, HOP)
        power = spec.abs() ** 2
        gain = self.gain(power, noise_power(power))
        return istft(spec * gain, N_FFT, HOP, length=noisy.shape[-1])[:, None]


class SpectralSubtraction(_Classical):
    """Power spectral subtraction with over-subtraction and a spectral floor."""

    alpha, beta = 2.0, 0.02

    def gain(self, power, noise):
        clean = torch.maximum(power - self.alpha * noise, self.beta * power)
        return (clean / power.clamp_min(1e-12)).sqrt()


class WienerFilter(_Classical):
    """The Wiener gain xi / (1 + xi) with the maximum-likelihood a-priori SNR xi."""

    xi_min = 10 ** (-15 / 10)  # -15 dB

    def gain(self, power, noise):
        xi = (power / noise.clamp_min(1e-12) - 1).clamp_min(self.xi_min)
        return xi / (1 + xi)
