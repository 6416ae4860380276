"""WaveGAN (Donahue, McAuley & Puckette 2019, "Adversarial Audio Synthesis", table 2): 1-D transposed
convolutions (kernel 25, stride 4) from a dense 16-sample start up to the waveform, and a discriminator of
stride-4 convolutions with LeakyReLU 0.2 and phase shuffle (n = 2) after every layer but the last. No
normalisation, as the paper (trained with WGAN-GP). `img_resolution` is the clip length in samples and
must be 16 x 4^k (16384 = the paper's k = 5); `width` is the paper's model size d (64 there).

Conditional variants (our addition, for digit-conditional generation): G takes a learned label embedding
concatenated to z; D adds a projection term <embed(y), h> (Miyato & Koyama 2018).
"""
from __future__ import annotations

import math

import torch
from torch import nn

KERNEL, STRIDE = 25, 4
START = 16  # samples after G's dense layer (and before D's)


def upsampling_layers(length: int) -> int:
    """k with length = 16 x 4^k; ValueError otherwise."""
    k = round(math.log(max(length, 1) / START, STRIDE)) if length >= START else -1
    if k < 1 or START * STRIDE ** k != length:
        raise ValueError(f"WaveGAN makes clips of 16 x 4^k samples (64, 256, 1024, 4096, 16384, ...), not {length}")
    return k


class PhaseShuffle(nn.Module):
    """Shift each example by a random whole number of samples in [-n, n], reflect-padded (section 3.3):
    D cannot judge by the phase artefacts of transposed convolutions. Identity in eval mode."""

    def __init__(self, n: int):
        super().__init__()
        self.n = n

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, C, L)
        if not self.training or self.n == 0:
            return x
        b, c, length = x.shape
        shifts = torch.randint(-self.n, self.n + 1, (b,), device=x.device)
        padded = nn.functional.pad(x, (self.n, self.n), mode="reflect")
        index = (self.n - shifts)[:, None] + torch.arange(length, device=x.device)  # (B, L)
        return padded.gather(2, index[:, None, :].expand(b, c, length))


class WaveGANGenerator(nn.Module):
    """z (B, latent_dim) [+ labels (B,)] -> audio (B, img_channels, img_resolution) in [-1, 1]."""

    def __init__(self, *, latent_dim: int, img_channels: int, img_resolution: int, num_classes: int = 0,
                 width: int = 64, label_dim: int = 32, phase_shuffle: int = 2):
        super().__init__()
        k = upsampling_layers(img_resolution)
        self.num_classes = num_classes
        self.embed = nn.Embedding(num_classes, label_dim) if num_classes else None
        self.start_channels = width * 2 ** (k - 1)
        self.dense = nn.Linear(latent_dim + (label_dim if num_classes else 0), START * self.start_channels)
        layers: list[nn.Module] = []
        channels = self.start_channels
        for i in range(k):
            out = img_channels if i == k - 1 else channels // 2
            layers += [nn.ReLU(), nn.ConvTranspose1d(channels, out, KERNEL, STRIDE, padding=11, output_padding=1)]
            channels = out
        self.net = nn.Sequential(*layers, nn.Tanh())

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if self.embed is not None:
            if labels is None:
                raise ValueError("this generator is class-conditional: pass labels")
            z = torch.cat([z, self.embed(labels)], dim=1)
        h = self.dense(z).view(z.shape[0], self.start_channels, START)
        return self.net(h)


class WaveGANDiscriminator(nn.Module):
    """audio (B, img_channels, img_resolution) [+ labels] -> critic values (B,)."""

    def __init__(self, *, img_channels: int, img_resolution: int, num_classes: int = 0, width: int = 64,
                 label_dim: int = 32, phase_shuffle: int = 2):
        super().__init__()
        k = upsampling_layers(img_resolution)
        layers: list[nn.Module] = []
        channels = img_channels
        for i in range(k):
            out = width * 2 ** i
            layers += [nn.Conv1d(channels, out, KERNEL, STRIDE, padding=11), nn.LeakyReLU(0.2)]
            if i < k - 1:
                layers.append(PhaseShuffle(phase_shuffle))
            channels = out
        self.net = nn.Sequential(*layers)
        self.features_dim = channels * START
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
