"""pix2pix's U-Net generator (Isola et al. 2017, sec. 3.2.1 and appendix 6.1.1): an encoder-decoder with a
skip connection from each encoder layer i to decoder layer n - i.

Encoder C64-C128-C256-C512-C512-... (4x4 stride-2 convs, LeakyReLU 0.2, no norm on the first and the
innermost layer), decoder the mirror image with ReLU and transposed convs, dropout 0.5 on the three
innermost decoder layers, tanh out. Any image size: the input is padded (edge pixels repeated) to a
multiple of 2^depth and the output cropped back.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def norm_layer(kind: str, channels: int) -> nn.Module:
    """batch (pix2pix) or instance (CycleGAN: no affine, no running statistics, as the reference code)."""
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "instance":
        return nn.InstanceNorm2d(channels)
    raise ValueError(f"norm '{kind}' is unknown; known: batch, instance")


def pad_to_multiple(x: torch.Tensor, multiple: int) -> tuple[torch.Tensor, tuple[int, int]]:
    """x padded at the bottom/right (edge pixels repeated) so H and W divide by `multiple`; the old (H, W)."""
    h, w = x.shape[-2:]
    ph, pw = -h % multiple, -w % multiple
    if ph or pw:
        x = F.pad(x, (0, pw, 0, ph), mode="replicate")
    return x, (h, w)


class UNetGenerator(nn.Module):
    """(B, in_channels, H, W) in [-1, 1] -> (B, out_channels, H, W) in [-1, 1]."""

    min_input_size = 8

    def __init__(self, *, in_channels: int, out_channels: int, width: int = 64, depth: int = 8,
                 norm: str = "batch", dropout: float = 0.5):
        super().__init__()
        if depth < 2:
            raise ValueError(f"a U-Net needs depth >= 2, got {depth}")
        self.depth = depth
        chans = [min(width * 2 ** i, width * 8) for i in range(depth)]  # encoder output channels
        bias = norm == "instance"  # a BatchNorm after the conv makes its bias redundant
        self.downs = nn.ModuleList()
        for i in range(depth):
            if i == 0:
                self.downs.append(nn.Conv2d(in_channels, chans[0], 4, 2, 1, bias=True))
                continue
            layers = [nn.LeakyReLU(0.2), nn.Conv2d(chans[i - 1], chans[i], 4, 2, 1, bias=bias or i == depth - 1)]
            if i < depth - 1:  # no norm on the 1x1 bottleneck (it would zero it at batch size 1)
                layers.append(norm_layer(norm, chans[i]))
            self.downs.append(nn.Sequential(*layers))
        self.ups = nn.ModuleList()
        for j in range(depth):  # ups[j] maps level j+1 back to level j (j = 0: the output)
            c_in = chans[j] if j == depth - 1 else 2 * chans[j]
            if j == 0:
                self.ups.append(nn.Sequential(nn.ReLU(), nn.ConvTranspose2d(c_in, out_channels, 4, 2, 1), nn.Tanh()))
                continue
            layers = [nn.ReLU(), nn.ConvTranspose2d(c_in, chans[j - 1], 4, 2, 1, bias=bias), norm_layer(norm, chans[j - 1])]
            if dropout > 0 and j >= depth - 3:
                layers.append(nn.Dropout(dropout))
            self.ups.append(nn.Sequential(*layers))
        for m in self.modules():  # Isola et al.: weights from N(0, 0.02)
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
                nn.init.normal_(m.weight, 0.0, 0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x, (h, w) = pad_to_multiple(x, 2 ** self.depth)
        skips = [x]
        for down in self.downs:
            skips.append(down(skips[-1]))
        out = skips[-1]
        for j in reversed(range(self.depth)):
            if j < self.depth - 1:
                out = torch.cat([out, skips[j + 1]], 1)
            out = self.ups[j](out)
        return out[..., :h, :w]
