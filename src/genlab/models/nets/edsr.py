"""EDSR-baseline (Lim et al. 2017): residual blocks without BatchNorm, a global skip, pixel-shuffle upsampling.

The paper's baseline is 16 blocks of 64 channels with residual scaling 1 (0.1 for the wide model);
`width`/`depth` are hyperparameters so a CPU preset can be smaller. `bicubic_skip` adds the bicubic
upsampling of the input to the output (VDSR's global residual, Kim et al. 2016): the net then starts at
the bicubic result and only learns the missing detail, which converges much faster in a short budget.
"""
from __future__ import annotations

import torch
from torch import nn

from genlab.models.nets.srcnn import bicubic_up


class ResBlock(nn.Module):
    """conv-ReLU-conv, scaled, added to the input (no BN: Lim et al. 2017, sec. 3.1)."""

    def __init__(self, width: int, res_scale: float):
        super().__init__()
        self.res_scale = res_scale
        self.body = nn.Sequential(nn.Conv2d(width, width, 3, padding=1), nn.ReLU(inplace=True),
                                  nn.Conv2d(width, width, 3, padding=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.res_scale * self.body(x)


def upsampler(width: int, scale: int) -> nn.Sequential:
    """Sub-pixel convolution (Shi et al. 2016): x2 and x3 in one step, x4 as two x2 steps."""
    if scale not in (2, 3, 4):
        raise ValueError(f"scale must be 2, 3 or 4, got {scale}")
    steps = [2, 2] if scale == 4 else [scale]
    layers: list[nn.Module] = []
    for s in steps:
        layers += [nn.Conv2d(width, width * s * s, 3, padding=1), nn.PixelShuffle(s)]
    return nn.Sequential(*layers)


class EDSR(nn.Module):
    """(B, C, h, w) in [-1, 1] -> (B, C, h*s, w*s); the output is not clamped while training."""

    def __init__(self, *, img_channels: int, scale: int, width: int = 64, depth: int = 16,
                 res_scale: float = 1.0, bicubic_skip: bool = False):
        super().__init__()
        self.scale, self.bicubic_skip = scale, bicubic_skip
        self.receptive_field = 4 * depth + 6  # 2 convs of 3x3 per block, head, tail (in LR pixels)
        self.head = nn.Conv2d(img_channels, width, 3, padding=1)
        self.body = nn.Sequential(*[ResBlock(width, res_scale) for _ in range(depth)],
                                  nn.Conv2d(width, width, 3, padding=1))
        self.tail = nn.Sequential(upsampler(width, scale), nn.Conv2d(width, img_channels, 3, padding=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.head(x)
        out = self.tail(h + self.body(h))  # global skip over the body
        return out + bicubic_up(x, self.scale) if self.bicubic_skip else out
