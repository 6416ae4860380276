"""CycleGAN's ResNet generator (Zhu et al. 2017, appendix 7.2; Johnson et al. 2016's transformer net).

c7s1-64, d128, d256, R256 x n_blocks, u128, u64, c7s1-C: 7x7 convs with reflection padding at both ends,
two stride-2 convs down and two transposed convs up, residual blocks between, instance norm and ReLU,
tanh out. Any image size: the input is padded (edge pixels repeated) to a multiple of 4 and cropped back.
"""
from __future__ import annotations

import torch
from torch import nn

from genlab.models.nets.unet import norm_layer, pad_to_multiple


class ResidualBlock(nn.Module):
    """x + (reflect-pad, 3x3 conv, norm, ReLU, reflect-pad, 3x3 conv, norm)(x)."""

    def __init__(self, channels: int, norm: str):
        super().__init__()
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3), norm_layer(norm, channels), nn.ReLU(),
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3), norm_layer(norm, channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class ResNetTranslator(nn.Module):
    """(B, in_channels, H, W) in [-1, 1] -> (B, out_channels, H, W) in [-1, 1]."""

    min_input_size = 8

    def __init__(self, *, in_channels: int, out_channels: int, width: int = 64, n_blocks: int = 9,
                 norm: str = "instance"):
        super().__init__()
        w = width
        layers: list[nn.Module] = [nn.ReflectionPad2d(3), nn.Conv2d(in_channels, w, 7), norm_layer(norm, w), nn.ReLU()]
        for mult in (1, 2):  # d128, d256
            layers += [nn.Conv2d(w * mult, w * mult * 2, 3, 2, 1), norm_layer(norm, w * mult * 2), nn.ReLU()]
        layers += [ResidualBlock(4 * w, norm) for _ in range(n_blocks)]
        for mult in (4, 2):  # u128, u64
            layers += [nn.ConvTranspose2d(w * mult, w * mult // 2, 3, 2, 1, output_padding=1),
                       norm_layer(norm, w * mult // 2), nn.ReLU()]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(w, out_channels, 7), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        for m in self.modules():  # the reference code's init: N(0, 0.02)
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
                nn.init.normal_(m.weight, 0.0, 0.02)
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x, (h, w) = pad_to_multiple(x, 4)
        return self.net(x)[..., :h, :w]
