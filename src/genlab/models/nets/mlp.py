"""Burda et al. 2016's one-stochastic-layer MLP: two deterministic layers of 200 tanh units each side.

    encoder: x (784) -> 200 -> 200 -> out_dim     (out_dim = 2 * 50 for a VAE's (mu, logvar))
    decoder: z (50)  -> 200 -> 200 -> 784 * out_channels / img_channels   (logits or means)

With num_classes > 0 a one-hot label is appended to the encoder's input and to z (a conditional VAE,
Sohn et al. 2015).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def _with_labels(h: torch.Tensor, labels: torch.Tensor | None, num_classes: int) -> torch.Tensor:
    if not num_classes:
        return h
    if labels is None:
        raise ValueError("this net is class-conditional: labels are required")
    return torch.cat([h, F.one_hot(labels, num_classes).to(h.dtype)], dim=1)


def _mlp(sizes: list[int], activation: str) -> nn.Sequential:
    act = {"tanh": nn.Tanh, "relu": nn.ReLU, "silu": nn.SiLU}[activation]
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(act())
    return nn.Sequential(*layers)


class MLPEncoder(nn.Module):
    """Flattened image (+ one-hot label) -> `depth` hidden layers of `width` -> out_dim features."""

    def __init__(self, *, img_channels: int = 1, img_resolution: int = 28, num_classes: int = 0,
                 out_dim: int = 100, width: int = 200, depth: int = 2, activation: str = "tanh"):
        super().__init__()
        self.num_classes = num_classes
        in_dim = img_channels * img_resolution ** 2 + num_classes
        self.net = _mlp([in_dim] + [width] * depth + [out_dim], activation)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(_with_labels(x.flatten(1), labels, self.num_classes))  # (B, out_dim)


class MLPDecoder(nn.Module):
    """z (+ one-hot label) -> `depth` hidden layers of `width` -> (B, out_channels, H, W) raw outputs."""

    def __init__(self, *, latent_dim: int = 50, img_channels: int = 1, img_resolution: int = 28,
                 num_classes: int = 0, out_channels: int | None = None, width: int = 200, depth: int = 2,
                 activation: str = "tanh"):
        super().__init__()
        self.num_classes = num_classes
        self.out_shape = (out_channels or img_channels, img_resolution, img_resolution)
        out_dim = self.out_shape[0] * img_resolution ** 2
        self.net = _mlp([latent_dim + num_classes] + [width] * depth + [out_dim], activation)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(_with_labels(z, labels, self.num_classes)).view(-1, *self.out_shape)
