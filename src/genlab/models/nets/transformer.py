"""Johnson et al. 2016's image transformation network, for fast style transfer: (B, 3, H, W) -> (B, 3, H, W).

Three convolutions down (9x9, then two stride-2 3x3), `depth` residual blocks, two resize-convolutions up
(nearest-neighbour x2, then a 3x3 convolution: Odena et al. 2016, which avoids the checkerboard artefacts
of transposed convolutions) and a 9x9 convolution to RGB; instance normalisation (Ulyanov et al. 2016)
instead of batch norm, reflection padding, ReLU; tanh output in [-1, 1]. Any H and W: the input is
reflection-padded to a multiple of 4 and the output cropped back.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def conv(in_channels: int, out_channels: int, kernel: int, stride: int = 1) -> nn.Sequential:
    """Reflection padding + convolution (no zero borders for the style losses to see)."""
    return nn.Sequential(nn.ReflectionPad2d(kernel // 2), nn.Conv2d(in_channels, out_channels, kernel, stride))


def norm(channels: int) -> nn.InstanceNorm2d:
    return nn.InstanceNorm2d(channels, affine=True)


class ResidualBlock(nn.Module):
    """x + IN(conv(ReLU(IN(conv(x))))) (Johnson et al. 2016, supplementary, without the crop)."""

    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(conv(channels, channels, 3), norm(channels), nn.ReLU(),
                                  conv(channels, channels, 3), norm(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class UpsampleConv(nn.Module):
    """Nearest-neighbour x2 upsampling, then a convolution: the resize-convolution."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.conv = conv(in_channels, out_channels, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.interpolate(x, scale_factor=2, mode="nearest"))


class TransformerNet(nn.Module):
    """The feed-forward stylizer; width: channels of the first layer (32 in the paper), doubled twice
    on the way down; depth: residual blocks (5 in the paper)."""

    multiple = 4  # H and W are padded to a multiple of this

    def __init__(self, *, img_channels: int = 3, width: int = 32, depth: int = 5):
        super().__init__()
        if width < 1 or depth < 0:
            raise ValueError(f"TransformerNet needs width >= 1 and depth >= 0, got {width}, {depth}")
        w = width
        self.down = nn.Sequential(
            conv(img_channels, w, 9), norm(w), nn.ReLU(),
            conv(w, 2 * w, 3, stride=2), norm(2 * w), nn.ReLU(),
            conv(2 * w, 4 * w, 3, stride=2), norm(4 * w), nn.ReLU())
        self.residual = nn.Sequential(*[ResidualBlock(4 * w) for _ in range(depth)])
        self.up = nn.Sequential(
            UpsampleConv(4 * w, 2 * w), norm(2 * w), nn.ReLU(),
            UpsampleConv(2 * w, w), norm(w), nn.ReLU(),
            conv(w, img_channels, 9))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) in [-1, 1] -> the stylized (B, C, H, W) in [-1, 1]."""
        h, w = x.shape[-2:]
        padded = pad_to_multiple(x, self.multiple)
        y = self.up(self.residual(self.down(padded)))
        return torch.tanh(y[..., :h, :w])


def pad_to_multiple(x: torch.Tensor, multiple: int) -> torch.Tensor:
    """Reflection-pad the bottom and right of (B, C, H, W) so H and W divide by `multiple`
    (replicate padding where the image is too small to reflect)."""
    h, w = x.shape[-2:]
    ph, pw = -h % multiple, -w % multiple
    if not (ph or pw):
        return x
    mode = "reflect" if ph < h and pw < w else "replicate"
    return F.pad(x, (0, pw, 0, ph), mode=mode)
