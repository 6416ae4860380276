"""DCGAN (Radford et al. 2015): transposed convolutions up, strided convolutions down, for 28, 32, 64 px.

G: z -> base x base (4, or 7 for 28 px) by a transposed conv on the 1x1 latent (a projection), then
stride-2 transposed convs 4x4 that halve the channels and double the size, BN + ReLU between, tanh out.
D: the mirror image, stride-2 convs 4x4 with LeakyReLU(0.2), BN on every layer but the first, then one
linear layer on the flattened base x base features. Weights from N(0, 0.02).

Options shared by both nets (the same net_args reach G and D):
  width           channels of G's last and D's first hidden layer; doubled per resolution level
  g_width, d_width  the width of G or of D alone, when the two nets should differ (default: width)
  spectral_norm   spectral normalization on every D layer (Miyato et al. 2018), which then has no BN
  d_batchnorm     BN in D (false for WGAN-GP: the gradient penalty is per sample, Gulrajani et al. 2017)
  aux_classifier  ACGAN: D gets a class head instead of the projection (see layers.DiscriminatorHead)
Class-conditional (num_classes > 0): conditional BatchNorm in G, a projection discriminator.
"""
from __future__ import annotations

import torch
from torch import nn

from genlab.models.nets.layers import (ConditionalBatchNorm2d, DiscriminatorHead, check_labels,
                                       check_resolution, dcgan_init, sn)

RESOLUTIONS = (28, 32, 64)


def _levels(img_resolution: int) -> tuple[int, int]:
    """(base size, number of stride-2 layers): 28 = 7*2^2, 32 = 4*2^3, 64 = 4*2^4."""
    return (7, 2) if img_resolution == 28 else (4, {32: 3, 64: 4}[img_resolution])


def _width(own: int | None, width: int, name: str) -> int:
    """The net's own width when given (g_width / d_width), else the shared one; a positive int either way."""
    value = width if own is None else own
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"net_args.{name if own is not None else 'width'} must be a positive integer, "
                         f"got {value!r}")
    return value


class DCGANGenerator(nn.Module):
    """z (B, latent_dim) [+ labels (B,)] -> images (B, C, H, W) in [-1, 1]."""

    resolutions = RESOLUTIONS
    conditional = True

    def __init__(self, *, latent_dim: int = 100, img_channels: int = 1, img_resolution: int = 28,
                 num_classes: int = 0, width: int = 64, g_width: int | None = None,
                 d_width: int | None = None, spectral_norm: bool = False, d_batchnorm: bool = True,
                 aux_classifier: bool = False):
        super().__init__()
        check_resolution(img_resolution, RESOLUTIONS, "dcgan")
        base, n_up = _levels(img_resolution)
        width = _width(g_width, width, "g_width")
        self.num_classes = num_classes
        channels = [width * 2 ** i for i in reversed(range(n_up))]  # e.g. 32 px: 4w, 2w, w
        self.project = nn.ConvTranspose2d(latent_dim, channels[0], base, 1, 0, bias=False)
        self.norms = nn.ModuleList([ConditionalBatchNorm2d(c, num_classes=num_classes, gain_std=0.02)
                                    for c in channels])
        self.ups = nn.ModuleList([nn.ConvTranspose2d(c, c // 2, 4, 2, 1, bias=False)
                                  for c in channels[:-1]])
        self.out = nn.ConvTranspose2d(channels[-1], img_channels, 4, 2, 1)
        dcgan_init(self)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        labels = check_labels(labels, self.num_classes, "the dcgan generator")
        x = self.project(z[:, :, None, None])  # (B, 2^(n-1) w, base, base)
        for i, norm in enumerate(self.norms):
            x = torch.relu(norm(x, labels))
            x = self.ups[i](x) if i < len(self.ups) else x
        return torch.tanh(self.out(x))  # (B, C, H, W) in [-1, 1]


class DCGANDiscriminator(nn.Module):
    """images (B, C, H, W) [+ labels (B,)] -> logits (B,)."""

    resolutions = RESOLUTIONS
    conditional = True

    def __init__(self, *, img_channels: int = 1, img_resolution: int = 28, num_classes: int = 0,
                 width: int = 64, g_width: int | None = None, d_width: int | None = None,
                 spectral_norm: bool = False, d_batchnorm: bool = True, aux_classifier: bool = False):
        super().__init__()
        check_resolution(img_resolution, RESOLUTIONS, "dcgan")
        base, n_down = _levels(img_resolution)
        width = _width(d_width, width, "d_width")
        self.num_classes = num_classes
        batchnorm = d_batchnorm and not spectral_norm
        layers: list[nn.Module] = []
        channels = img_channels
        for i in range(n_down):
            out = width * 2 ** i
            layers.append(nn.Conv2d(channels, out, 4, 2, 1, bias=not (batchnorm and i > 0)))
            if batchnorm and i > 0:  # not on the first layer (Radford et al. 2015, sec. 3)
                layers.append(nn.BatchNorm2d(out))
            layers.append(nn.LeakyReLU(0.2))
            channels = out
        self.features = nn.Sequential(*layers)
        # a linear layer on the flattened base x base map = the paper's last conv with a base x base kernel
        self.head = DiscriminatorHead(channels * base * base, num_classes=num_classes,
                                      aux_classifier=aux_classifier, init="dcgan")
        dcgan_init(self.features)
        sn(self, spectral_norm)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None, *,
                with_class_logits: bool = False):
        """Logits (B,); with_class_logits (aux_classifier only): (logits, class logits (B, classes))."""
        if self.head.embed is not None:
            labels = check_labels(labels, self.num_classes, "the dcgan discriminator")
        return self.head(self.features(x).flatten(1), labels, with_class_logits)

    def features_and_logits(self, x: torch.Tensor, labels: torch.Tensor | None = None):
        """(logits (B,), class logits (B, num_classes)) for ACGAN; forward(with_class_logits=True)."""
        return self(x, labels, with_class_logits=True)
