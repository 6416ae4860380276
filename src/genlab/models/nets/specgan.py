"""SpecGAN (Donahue, McAuley & Puckette 2019, "Adversarial Audio Synthesis", section 4 and appendix): a
DCGAN-like pair over spectrogram images. G: a dense layer to 4 x 4 x 16d, then 5x5 stride-2 transposed
convolutions with ReLU that halve the channels and double the size, tanh out; D: the mirror image, 5x5 stride-2
convolutions with LeakyReLU 0.2, then one linear layer. No normalisation (trained with WGAN-GP), no phase
shuffle (it is WaveGAN's). `img_resolution` is the side of the square image, 4 x 2^k (128 = the paper's
k = 5, a 16,384-sample clip's 128 bins x 128 frames); `width` is the paper's d (64 there).

Conditional variants, as WaveGAN's here: G takes a learned label embedding concatenated to z; D adds a
projection term <embed(y), h> (Miyato & Koyama 2018).
"""
from __future__ import annotations

import math

import torch
from torch import nn

KERNEL, START = 5, 4


def doubling_layers(resolution: int) -> int:
    """k with resolution = 4 x 2^k (k >= 1); ValueError otherwise."""
    k = round(math.log2(max(resolution, 1) / START)) if resolution >= START else -1
    if k < 1 or START * 2 ** k != resolution:
        raise ValueError(f"SpecGAN makes square spectrograms of side 4 x 2^k (8, 16, 32, 64, 128, ...), "
                         f"not {resolution}")
    return k


class SpecGANGenerator(nn.Module):
    """z (B, latent_dim) [+ labels (B,)] -> spectrogram images (B, img_channels, R, R) in [-1, 1]."""

    def __init__(self, *, latent_dim: int, img_channels: int, img_resolution: int, num_classes: int = 0,
                 width: int = 64, label_dim: int = 32):
        super().__init__()
        k = doubling_layers(img_resolution)
        self.embed = nn.Embedding(num_classes, label_dim) if num_classes else None
        self.start_channels = width * 2 ** (k - 1)  # 16d for the paper's 128 x 128
        self.dense = nn.Linear(latent_dim + (label_dim if num_classes else 0), START * START * self.start_channels)
        layers: list[nn.Module] = []
        channels = self.start_channels
        for i in range(k):
            out = img_channels if i == k - 1 else channels // 2
            layers += [nn.ReLU(), nn.ConvTranspose2d(channels, out, KERNEL, 2, padding=2, output_padding=1)]
            channels = out
        self.net = nn.Sequential(*layers, nn.Tanh())

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if self.embed is not None:
            if labels is None:
                raise ValueError("this generator is class-conditional: pass labels")
            z = torch.cat([z, self.embed(labels)], dim=1)
        return self.net(self.dense(z).view(z.shape[0], self.start_channels, START, START))


class SpecGANDiscriminator(nn.Module):
    """Spectrogram images (B, img_channels, R, R) [+ labels] -> critic values (B,)."""

    def __init__(self, *, img_channels: int, img_resolution: int, num_classes: int = 0, width: int = 64,
                 label_dim: int = 32):
        super().__init__()
        k = doubling_layers(img_resolution)
        layers: list[nn.Module] = []
        channels = img_channels
        for i in range(k):
            out = width * 2 ** i
            layers += [nn.Conv2d(channels, out, KERNEL, 2, padding=2), nn.LeakyReLU(0.2)]
            channels = out
        self.net = nn.Sequential(*layers)
        self.features_dim = channels * START * START
        self.linear = nn.Linear(self.features_dim, 1)
        self.embed = nn.Embedding(num_classes, self.features_dim) if num_classes else None

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        h = self.net(x).flatten(1)  # (B, 16 * width * 2^(k-1))
        out = self.linear(h).squeeze(1)
        if self.embed is not None:
            if labels is None:
                raise ValueError("this discriminator is class-conditional: pass labels")
            out = out + (self.embed(labels) * h).sum(1)  # projection (Miyato & Koyama 2018)
        return out
