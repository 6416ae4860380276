"""A PatchGAN-style discriminator (Isola et al. 2017) for super-resolution's GAN stage.

Strided convs down to a map of logits, one per overlapping patch; LeakyReLU 0.2, no BN, optional spectral
norm (Miyato et al. 2018). Returns (B, h', w') logits; the family averages its loss over patches.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm as sn


class PatchDiscriminator(nn.Module):
    """(B, C, H, W) in [-1, 1] -> (B, H/2^depth, W/2^depth) patch logits."""

    def __init__(self, *, img_channels: int, width: int = 32, depth: int = 3, spectral_norm: bool = True):
        super().__init__()
        wrap = sn if spectral_norm else (lambda m: m)
        layers: list[nn.Module] = [wrap(nn.Conv2d(img_channels, width, 3, padding=1)), nn.LeakyReLU(0.2)]
        ch = width
        for i in range(depth):
            out = min(width * 2 ** (i + 1), width * 8)
            layers += [wrap(nn.Conv2d(ch, out, 4, stride=2, padding=1)), nn.LeakyReLU(0.2)]
            ch = out
        layers.append(wrap(nn.Conv2d(ch, 1, 3, padding=1)))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)[:, 0]
