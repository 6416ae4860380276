"""pix2pix's PatchGAN discriminator (Isola et al. 2017, appendix 6.1.2; the reference code's NLayerDiscriminator).

C64-C128-C256-C512 with 4x4 convs (stride 2, 2, 2, then 1), LeakyReLU 0.2, no norm on the first layer,
then a stride-1 conv to one logit per patch. With n_layers=3 each logit sees a 70x70 patch; fewer layers
see smaller patches (n_layers=2: 34, n_layers=1: 16), for small images. Returns (B, h', w') logits.
"""
from __future__ import annotations

import torch
from torch import nn

from genlab.models.nets.unet import norm_layer


class PatchGAN(nn.Module):
    """(B, in_channels, H, W) -> (B, h', w') patch logits; in_channels is input + output for pix2pix's cGAN."""

    def __init__(self, *, in_channels: int, width: int = 64, n_layers: int = 3, norm: str = "batch"):
        super().__init__()
        bias = norm == "instance"
        layers: list[nn.Module] = [nn.Conv2d(in_channels, width, 4, 2, 1), nn.LeakyReLU(0.2)]
        ch = width
        for n in range(1, n_layers + 1):
            out = width * min(2 ** n, 8)
            stride = 2 if n < n_layers else 1
            layers += [nn.Conv2d(ch, out, 4, stride, 1, bias=bias), norm_layer(norm, out), nn.LeakyReLU(0.2)]
            ch = out
        layers.append(nn.Conv2d(ch, 1, 4, 1, 1))
        self.net = nn.Sequential(*layers)
        self.n_layers = n_layers
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.normal_(m.weight, 0.0, 0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    @property
    def receptive_field(self) -> int:
        """Input pixels one logit sees: 70 for n_layers=3 (the 70x70 PatchGAN)."""
        rf = 1
        for m in reversed([m for m in self.net if isinstance(m, nn.Conv2d)]):
            rf = (rf - 1) * m.stride[0] + m.kernel_size[0]
        return rf

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)[:, 0]
