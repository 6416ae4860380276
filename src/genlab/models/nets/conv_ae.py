"""A plain convolutional encoder/decoder pair for 28x28 gray and 32x32 / 64x64 RGB (any size that halves
to 7 or 4): stride-2 4x4 convolutions down to a small map, one linear layer each side of the code.

    28: 28 -> 14 -> 7      32: 32 -> 16 -> 8 -> 4      64: 64 -> 32 -> 16 -> 8 -> 4

Channels double at every halving from `width` (capped at 8 * width). No normalisation layers, so a
forward pass in train mode and in eval mode agree and evaluation never changes the weights.
"""
from __future__ import annotations

import torch
from torch import nn

from genlab.models.nets.mlp import _with_labels


def _levels(img_resolution: int) -> tuple[int, int]:
    """(number of stride-2 stages, final map size): halve while even and above 7."""
    n, res = 0, img_resolution
    while res % 2 == 0 and res > 7:
        res //= 2
        n += 1
    if n == 0 or res > 8:
        raise ValueError(f"conv needs a resolution that halves down to 8 or less (28, 32, 64, ...), "
                         f"got {img_resolution}")
    return n, res


class ConvEncoder(nn.Module):
    """Image -> stride-2 convs (LeakyReLU 0.2) -> flatten (+ one-hot label) -> linear -> out_dim."""

    def __init__(self, *, img_channels: int = 1, img_resolution: int = 28, num_classes: int = 0,
                 out_dim: int = 32, width: int = 32, hidden: int = 256):
        super().__init__()
        self.num_classes = num_classes
        n, res = _levels(img_resolution)
        layers: list[nn.Module] = []
        channels = img_channels
        for i in range(n):
            out = width * min(2 ** i, 8)
            layers += [nn.Conv2d(channels, out, 4, stride=2, padding=1), nn.LeakyReLU(0.2)]
            channels = out
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.Linear(channels * res * res + num_classes, hidden), nn.LeakyReLU(0.2),
                                  nn.Linear(hidden, out_dim))

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        h = self.features(x).flatten(1)
        return self.head(_with_labels(h, labels, self.num_classes))  # (B, out_dim)


class ConvDecoder(nn.Module):
    """z (+ one-hot label) -> linear -> small map -> stride-2 transposed convs (ReLU) -> raw outputs."""

    def __init__(self, *, latent_dim: int = 32, img_channels: int = 1, img_resolution: int = 28,
                 num_classes: int = 0, out_channels: int | None = None, width: int = 32, hidden: int = 256):
        super().__init__()
        self.num_classes = num_classes
        n, self.res = _levels(img_resolution)
        self.top = width * min(2 ** (n - 1), 8)
        self.fc = nn.Sequential(nn.Linear(latent_dim + num_classes, hidden), nn.ReLU(),
                                nn.Linear(hidden, self.top * self.res * self.res), nn.ReLU())
        layers: list[nn.Module] = []
        channels = self.top
        for i in reversed(range(n)):
            last = i == 0
            out = (out_channels or img_channels) if last else width * min(2 ** (i - 1), 8)
            layers.append(nn.ConvTranspose2d(channels, out, 4, stride=2, padding=1))
            if not last:
                layers.append(nn.ReLU())
            channels = out
        self.body = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        h = self.fc(_with_labels(z, labels, self.num_classes)).view(-1, self.top, self.res, self.res)
        return self.body(h)  # (B, out_channels, H, W) logits or means
