"""AdaIN style transfer's decoder (Huang & Belongie 2017): VGG19 relu4_1 features (512 channels, 1/8 of the
image size) back to an RGB image. It mirrors the encoder: convolutions with reflection padding and ReLU,
nearest-neighbour x2 upsampling in place of pooling, no normalisation, a linear last layer (the output is
clamped to [-1, 1] only when shown). `adain` is the paper's eq. 8.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from genlab.models.losses import mean_std
from genlab.models.nets.transformer import conv

ENCODER_CHANNELS = 512  # VGG19 relu4_1
DOWNSAMPLING = 8        # three 2x2 poolings before relu4_1


def adain(content: torch.Tensor, style: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """sigma(y) (x - mu(x)) / sigma(x) + mu(y): content features x with the channel statistics of style
    features y; style (1 or B, C, h, w) of any size."""
    (mu_x, sigma_x), (mu_y, sigma_y) = mean_std(content, eps), mean_std(style, eps)
    return sigma_y * (content - mu_x) / sigma_x + mu_y


class AdaINDecoder(nn.Module):
    """relu4_1 features -> image; width: channels of the last block (64 as VGG's first block); the paper's
    decoder is width 64, 3.5 M parameters."""

    def __init__(self, *, img_channels: int = 3, width: int = 64, in_channels: int = ENCODER_CHANNELS):
        super().__init__()
        if width < 1:
            raise ValueError(f"AdaINDecoder needs width >= 1, got {width}")
        w1, w2, w3 = 4 * width, 2 * width, width
        relu = nn.ReLU
        self.layers = nn.Sequential(
            conv(in_channels, w1, 3), relu(), nn.Upsample(scale_factor=2, mode="nearest"),
            conv(w1, w1, 3), relu(), conv(w1, w1, 3), relu(), conv(w1, w1, 3), relu(),
            conv(w1, w2, 3), relu(), nn.Upsample(scale_factor=2, mode="nearest"),
            conv(w2, w2, 3), relu(), conv(w2, w3, 3), relu(), nn.Upsample(scale_factor=2, mode="nearest"),
            conv(w3, w3, 3), relu(), conv(w3, img_channels, 3))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        """(B, 512, h, w) -> (B, 3, 8h, 8w), unbounded (about [-1, 1] once trained)."""
        return self.layers(features)
