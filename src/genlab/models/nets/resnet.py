"""SNGAN ResNets (Miyato et al. 2018, Appendix B, Table 4 for CIFAR-10 at 32 px), also at 28 and 64 px.

G: z -> linear -> base x base x width, up-ResBlocks (BN-ReLU-up-conv3x3-BN-ReLU-conv3x3 + 1x1 shortcut),
then BN-ReLU-conv3x3-tanh. 32 px: 4 -> 8 -> 16 -> 32 (3 blocks); 64 px: one more; 28 px: 7 -> 14 -> 28.
D: an optimized first block (conv-ReLU-conv-avgpool), down-blocks to 8x8 (7x7 at 28 px), then
two blocks without downsampling, ReLU, global sum pooling, linear. Spectral norm on every D layer.
Glorot-uniform initialisation with gain sqrt(2) on residual convs, 1 elsewhere, as the authors' code.

Options shared by both nets (the same net_args reach G and D):
  width           channels of every block (the paper: 256 in G, 128 in D; one width here)
  spectral_norm   spectral normalization on every D layer (default true)
  aux_classifier  ACGAN: D gets a class head instead of the projection (see layers.DiscriminatorHead)
Class-conditional (num_classes > 0): conditional BatchNorm in G (Miyato & Koyama 2018), projection D.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from genlab.models.nets.layers import (RELU_GAIN, ConditionalBatchNorm2d, DiscriminatorHead, check_labels,
                                       check_resolution, glorot_, sn)

RESOLUTIONS = (28, 32, 64)


def _levels(img_resolution: int) -> tuple[int, int]:
    """(base size, number of 2x resolution changes): 28 = 7*2^2, 32 = 4*2^3, 64 = 4*2^4."""
    return (7, 2) if img_resolution == 28 else (4, {32: 3, 64: 4}[img_resolution])


class GBlock(nn.Module):
    """Pre-activation residual block that doubles the resolution, with class-conditional BN."""

    def __init__(self, channels: int, num_classes: int):
        super().__init__()
        self.bn1 = ConditionalBatchNorm2d(channels, num_classes=num_classes)
        # no bias before BN: it would be normalised away (and get a zero gradient)
        self.conv1 = glorot_(nn.Conv2d(channels, channels, 3, padding=1, bias=False), RELU_GAIN)
        self.bn2 = ConditionalBatchNorm2d(channels, num_classes=num_classes)
        self.conv2 = glorot_(nn.Conv2d(channels, channels, 3, padding=1), RELU_GAIN)
        self.shortcut = glorot_(nn.Conv2d(channels, channels, 1))

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        h = F.interpolate(torch.relu(self.bn1(x, labels)), scale_factor=2, mode="nearest")
        h = self.conv2(torch.relu(self.bn2(self.conv1(h), labels)))
        return h + self.shortcut(F.interpolate(x, scale_factor=2, mode="nearest"))


class DBlock(nn.Module):
    """Residual block, optionally halving the resolution; `first`: the optimized block on images."""

    def __init__(self, in_channels: int, channels: int, *, down: bool, first: bool = False):
        super().__init__()
        self.down, self.first = down, first
        self.conv1 = glorot_(nn.Conv2d(in_channels, channels, 3, padding=1), RELU_GAIN)
        self.conv2 = glorot_(nn.Conv2d(channels, channels, 3, padding=1), RELU_GAIN)
        learnable = down or in_channels != channels
        self.shortcut = glorot_(nn.Conv2d(in_channels, channels, 1)) if learnable else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x if self.first else torch.relu(x)  # no ReLU on the input image
        h = self.conv2(torch.relu(self.conv1(h)))
        if self.down:
            h = F.avg_pool2d(h, 2)
        s = x
        if self.first:  # pool, then 1x1 conv: cheaper on the image, as the authors' OptimizedBlock
            s = self.shortcut(F.avg_pool2d(s, 2))
        elif self.shortcut is not None:
            s = self.shortcut(s)
            s = F.avg_pool2d(s, 2) if self.down else s
        return h + s


class ResNetGenerator(nn.Module):
    """z (B, latent_dim) [+ labels (B,)] -> images (B, C, H, W) in [-1, 1]."""

    resolutions = RESOLUTIONS
    conditional = True

    def __init__(self, *, latent_dim: int = 128, img_channels: int = 3, img_resolution: int = 32,
                 num_classes: int = 0, width: int = 128, spectral_norm: bool = True,
                 aux_classifier: bool = False):
        super().__init__()
        check_resolution(img_resolution, RESOLUTIONS, "resnet")
        self.base, n_up = _levels(img_resolution)
        self.num_classes, self.width = num_classes, width
        self.linear = glorot_(nn.Linear(latent_dim, width * self.base * self.base))
        self.blocks = nn.ModuleList([GBlock(width, num_classes) for _ in range(n_up)])
        self.bn = nn.BatchNorm2d(width)
        self.out = glorot_(nn.Conv2d(width, img_channels, 3, padding=1))

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        labels = check_labels(labels, self.num_classes, "the resnet generator")
        x = self.linear(z).view(-1, self.width, self.base, self.base)
        for block in self.blocks:
            x = block(x, labels)
        return torch.tanh(self.out(torch.relu(self.bn(x))))  # (B, C, H, W) in [-1, 1]


class ResNetDiscriminator(nn.Module):
    """images (B, C, H, W) [+ labels (B,)] -> logits (B,)."""

    resolutions = RESOLUTIONS
    conditional = True

    def __init__(self, *, img_channels: int = 3, img_resolution: int = 32, num_classes: int = 0,
                 width: int = 128, spectral_norm: bool = True, aux_classifier: bool = False):
        super().__init__()
        check_resolution(img_resolution, RESOLUTIONS, "resnet")
        n_down = {28: 2, 32: 2, 64: 3}[img_resolution]  # to 7x7, 8x8 (the paper's), 8x8
        self.num_classes = num_classes
        blocks = [DBlock(img_channels, width, down=True, first=True)]
        blocks += [DBlock(width, width, down=True) for _ in range(n_down - 1)]
        blocks += [DBlock(width, width, down=False) for _ in range(2)]
        self.blocks = nn.Sequential(*blocks)
        self.head = DiscriminatorHead(width, num_classes=num_classes, aux_classifier=aux_classifier,
                                      init="glorot")
        sn(self, spectral_norm)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None, *,
                with_class_logits: bool = False):
        """Logits (B,); with_class_logits (aux_classifier only): (logits, class logits (B, classes))."""
        if self.head.embed is not None:
            labels = check_labels(labels, self.num_classes, "the resnet discriminator")
        h = torch.relu(self.blocks(x)).sum(dim=(2, 3))  # global sum pooling, (B, width)
        return self.head(h, labels, with_class_logits)

    def features_and_logits(self, x: torch.Tensor, labels: torch.Tensor | None = None):
        """(logits (B,), class logits (B, num_classes)) for ACGAN; forward(with_class_logits=True)."""
        return self(x, labels, with_class_logits=True)
