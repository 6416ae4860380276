"""SRCNN (Dong et al. 2014): three convolutions on the bicubic-upsampled image.

The 9-1-5 layout with 64/32 filters; padded so the output has the input's size (the paper crops the
border instead). It predicts a residual added to the bicubic image, which trains faster than predicting
the image (as VDSR, Kim et al. 2016, showed) and starts at the bicubic result.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def bicubic_up(x: torch.Tensor, scale: int) -> torch.Tensor:
    """(B, C, h, w) -> (B, C, h*s, w*s), bicubic, clamped to [-1, 1]."""
    return F.interpolate(x, scale_factor=scale, mode="bicubic", align_corners=False).clamp(-1, 1)


class SRCNN(nn.Module):
    """(B, C, h, w) in [-1, 1] -> (B, C, h*s, w*s): bicubic upsampling, then a 9-1-5 residual CNN."""

    receptive_field = 13  # 9 + 1 + 5 - 2 pixels of the upsampled image

    def __init__(self, *, img_channels: int, scale: int, width: int = 64, depth: int = 3):
        super().__init__()
        if depth != 3:
            raise ValueError(f"SRCNN has 3 layers (9-1-5), got depth {depth}")
        self.scale = scale
        self.body = nn.Sequential(
            nn.Conv2d(img_channels, width, 9, padding=4), nn.ReLU(inplace=True),
            nn.Conv2d(width, width // 2, 1), nn.ReLU(inplace=True),
            nn.Conv2d(width // 2, img_channels, 5, padding=2),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        up = bicubic_up(x, self.scale)
        return up + self.body(up)


class Bicubic(nn.Module):
    """The bicubic baseline as a net with no parameters, so it goes through the same evaluation path."""

    receptive_field = 4

    def __init__(self, *, img_channels: int, scale: int, width: int = 0, depth: int = 0):
        super().__init__()
        self.scale = scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return bicubic_up(x, self.scale)


class BicubicUnsharp(nn.Module):
    """Classical baseline: bicubic upsampling then an unsharp mask, up + amount * (up - gaussian(up)).

    No training; `width` is unused, `depth` unused. sigma grows with the scale (the blur to undo does)."""

    receptive_field = 8

    def __init__(self, *, img_channels: int, scale: int, width: int = 0, depth: int = 0,
                 amount: float = 0.6):
        super().__init__()
        self.scale, self.amount = scale, amount
        sigma = 0.5 * scale
        r = max(1, round(2 * sigma))
        t = torch.arange(-r, r + 1, dtype=torch.float32)
        k = torch.exp(-t ** 2 / (2 * sigma ** 2))
        self.register_buffer("kernel", (k / k.sum()), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        up = bicubic_up(x, self.scale)
        c, r = up.shape[1], self.kernel.numel() // 2
        kx = self.kernel.view(1, 1, 1, -1).expand(c, 1, 1, -1)
        ky = self.kernel.view(1, 1, -1, 1).expand(c, 1, -1, 1)
        blur = F.pad(up, (r, r, r, r), mode="replicate")
        blur = F.conv2d(F.conv2d(blur, kx, groups=c), ky, groups=c)
        return (up + self.amount * (up - blur)).clamp(-1, 1)
