"""A spectral-mask U-Net for speech enhancement: the noisy waveform's STFT (512-point, hop 128, Hann) ->
log magnitudes -> a 2-D U-Net (3 levels, strided convs down, transposed convs up, skip connections) -> a
mask in [0, 1] per time-frequency bin -> the masked complex STFT -> the inverse STFT. The noisy phase is
kept, as in most mask-based enhancers (e.g. Wang et al. 2014's ideal ratio mask). Plain nn.Module: the
family decides the loss."""
from __future__ import annotations

import torch
from torch import nn

from genlab.data.spectral import istft, stft


def _block(c_in: int, c_out: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride, 1), nn.LeakyReLU(0.2),
                         nn.Conv2d(c_out, c_out, 3, 1, 1), nn.LeakyReLU(0.2))


class MaskUNet(nn.Module):
    """noisy audio (B, 1, T) in [-1, 1] -> enhanced audio (B, 1, T); `mask(noisy)` gives the mask itself."""

    LEVELS = 3

    def __init__(self, *, img_channels: int = 1, img_resolution: int | None = None, num_classes: int = 0,
                 width: int = 16, n_fft: int = 512, hop: int = 128):
        super().__init__()
        if img_channels != 1:
            raise ValueError(f"the mask U-Net enhances mono audio, got {img_channels} channels")
        if n_fft % 2 ** (self.LEVELS + 1):
            raise ValueError(f"n_fft must be a multiple of {2 ** (self.LEVELS + 1)}, got {n_fft}")
        self.n_fft, self.hop = n_fft, hop
        widths = [width * 2 ** i for i in range(self.LEVELS + 1)]  # w, 2w, 4w, 8w
        self.inc = _block(1, widths[0])
        self.down = nn.ModuleList(_block(widths[i], widths[i + 1], stride=2) for i in range(self.LEVELS))
        self.up = nn.ModuleList(nn.ConvTranspose2d(widths[i + 1], widths[i], 4, 2, 1) for i in range(self.LEVELS))
        self.merge = nn.ModuleList(_block(2 * widths[i], widths[i]) for i in range(self.LEVELS))
        self.out = nn.Conv2d(widths[0], 1, 1)

    def mask(self, spec: torch.Tensor) -> torch.Tensor:
        """The mask (B, F, frames) in [0, 1] for a complex STFT (B, F, frames)."""
        bins, frames = spec.shape[1] - 1, spec.shape[2]  # the Nyquist bin shares the bin below's mask
        step = 2 ** self.LEVELS
        x = torch.log(spec.abs()[:, None, :bins] + 1e-4) / 4 + 1  # log magnitudes, roughly in [-1, 1]
        x = nn.functional.pad(x, (0, -frames % step))
        skips = [self.inc(x)]
        for down in self.down:
            skips.append(down(skips[-1]))
        h = skips.pop()
        for i in reversed(range(self.LEVELS)):
            h = self.merge[i](torch.cat([self.up[i](h), skips.pop()], dim=1))
        m = torch.sigmoid(self.out(h))[:, 0, :, :frames]
        return torch.cat([m, m[:, -1:]], dim=1)

    def forward(self, noisy: torch.Tensor) -> torch.Tensor:
        spec = stft(noisy[:, 0], self.n_fft, self.hop)
        return istft(spec * self.mask(spec), self.n_fft, self.hop, length=noisy.shape[-1])[:, None]
