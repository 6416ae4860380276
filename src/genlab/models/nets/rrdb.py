"""RRDB generator (ESRGAN, Wang et al. 2018), "lite": fewer blocks than the paper's 23.

Residual-in-residual dense blocks without BN, residual scaling 0.2, nearest-neighbour upsampling + conv
(ESRGAN's choice over pixel shuffle), LeakyReLU 0.2.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class DenseBlock(nn.Module):
    """Five 3x3 convs, each seeing every earlier feature map (growth `grow` channels)."""

    def __init__(self, width: int, grow: int):
        super().__init__()
        self.convs = nn.ModuleList(nn.Conv2d(width + i * grow, grow if i < 4 else width, 3, padding=1)
                                   for i in range(5))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = [x]
        for i, conv in enumerate(self.convs):
            out = conv(torch.cat(feats, 1))
            if i < 4:
                feats.append(F.leaky_relu(out, 0.2))
        return x + 0.2 * out


class RRDB(nn.Module):
    """Three dense blocks inside a scaled residual."""

    def __init__(self, width: int, grow: int):
        super().__init__()
        self.blocks = nn.Sequential(*[DenseBlock(width, grow) for _ in range(3)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + 0.2 * self.blocks(x)


class RRDBNet(nn.Module):
    """(B, C, h, w) in [-1, 1] -> (B, C, h*s, w*s)."""

    def __init__(self, *, img_channels: int, scale: int, width: int = 32, depth: int = 4, grow: int = 16):
        super().__init__()
        if scale not in (2, 3, 4):
            raise ValueError(f"scale must be 2, 3 or 4, got {scale}")
        self.scale = scale
        self.receptive_field = 30 * depth + 8
        self.head = nn.Conv2d(img_channels, width, 3, padding=1)
        self.body = nn.Sequential(*[RRDB(width, grow) for _ in range(depth)], nn.Conv2d(width, width, 3, padding=1))
        self.steps = [2, 2] if scale == 4 else [scale]
        self.ups = nn.ModuleList(nn.Conv2d(width, width, 3, padding=1) for _ in self.steps)
        self.hr = nn.Conv2d(width, width, 3, padding=1)
        self.out = nn.Conv2d(width, img_channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.head(x)
        h = h + self.body(h)
        for s, conv in zip(self.steps, self.ups):
            h = F.leaky_relu(conv(F.interpolate(h, scale_factor=s, mode="nearest")), 0.2)
        return self.out(F.leaky_relu(self.hr(h), 0.2))
