"""VGG19's convolution stack (Simonyan & Zisserman 2015, configuration E), as a feature network.

No classifier: 16 3x3 convolutions in 5 blocks, each block ended by a 2x2 pool. Layers are named as the
style-transfer and super-resolution papers name them: `conv{block}_{i}` (before the ReLU), `relu{block}_{i}`
(after it) and `pool{block}`. Inputs are genlab images (RGB in [-1, 1]), turned into what the original
Caffe network was trained on: BGR pixels in 0..255 minus the ImageNet mean pixel. The ImageNet weights
come from `genlab.models.pretrained.load_vgg19`; built here the network is randomly initialised.
"""
from __future__ import annotations

from typing import Iterable

import torch
import torch.nn.functional as F
from torch import nn

# Output channels of the convolutions of each block (configuration E).
BLOCKS = ((64, 64), (128, 128), (256, 256, 256, 256), (512, 512, 512, 512), (512, 512, 512, 512))
CONV_NAMES = tuple(f"conv{b + 1}_{i + 1}" for b, widths in enumerate(BLOCKS) for i in range(len(widths)))
# (out, in, 3, 3) weight shape of each convolution
CONV_SHAPES = dict(zip(CONV_NAMES, ((out, inp, 3, 3) for out, inp in zip(
    [w for widths in BLOCKS for w in widths], [3] + [w for widths in BLOCKS for w in widths][:-1]))))
# Every layer whose output can be asked for, in the order the network computes them.
LAYERS = tuple(name for b, widths in enumerate(BLOCKS)
               for name in [n for i in range(len(widths)) for n in (f"conv{b + 1}_{i + 1}", f"relu{b + 1}_{i + 1}")]
               + [f"pool{b + 1}"])
# The mean pixel of the ImageNet training set, BGR, in 0..255 (the Caffe model's preprocessing).
IMAGENET_MEAN_BGR = (103.939, 116.779, 123.68)
POOLINGS = ("max", "avg")


class VGG19(nn.Module):
    """VGG19 features: forward(images, layers) -> {layer name: activation}.

    pooling: "max" as trained, or "avg" (Gatys et al. 2016 replace max pooling by average pooling when
    synthesising images: "slightly more appealing results").
    """

    def __init__(self, *, pooling: str = "max"):
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"VGG19 pooling must be one of {', '.join(POOLINGS)}, got {pooling!r}")
        self.pooling = pooling
        self.convs = nn.ModuleDict()
        for name, (out_channels, in_channels, _, _) in CONV_SHAPES.items():
            self.convs[name] = nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1)
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN_BGR).view(1, 3, 1, 1), persistent=False)

    @staticmethod
    def check_layers(layers: Iterable[str]) -> tuple[str, ...]:
        """The requested layer names as a tuple; ValueError naming any unknown one."""
        layers = (layers,) if isinstance(layers, str) else tuple(layers)
        if not layers:
            raise ValueError("VGG19 needs at least one layer name, got none")
        for name in layers:
            if name not in LAYERS:
                raise ValueError(f"VGG19 layer {name!r} is unknown; known: {', '.join(LAYERS)}")
        return layers

    def preprocess(self, images: torch.Tensor) -> torch.Tensor:
        """RGB in [-1, 1] -> BGR in 0..255 minus the ImageNet mean, as the original network expects."""
        if images.ndim != 4 or images.shape[1] != 3:
            raise ValueError(f"VGG19 takes RGB images (B, 3, H, W), got shape {tuple(images.shape)}")
        pixels = (images + 1) * 127.5  # (B, 3, H, W) RGB in 0..255
        return pixels.flip(1) - self.mean.to(pixels.dtype)

    def forward(self, images: torch.Tensor, layers: Iterable[str] = ("relu4_1",)) -> dict[str, torch.Tensor]:
        """{name: activation} of the requested layers; runs only as deep as the deepest one needs."""
        layers = self.check_layers(layers)
        wanted = set(layers)
        last = max(LAYERS.index(name) for name in layers)
        x = self.preprocess(images)
        out: dict[str, torch.Tensor] = {}
        for name in LAYERS[:last + 1]:
            kind = name[:4]
            if kind == "conv":
                x = self.convs[name](x)
            elif kind == "relu":
                x = F.relu(x)  # not in place: the conv output may have been handed out
            elif self.pooling == "max":
                x = F.max_pool2d(x, kernel_size=2, stride=2)
            else:
                x = F.avg_pool2d(x, kernel_size=2, stride=2)
            if name in wanted:
                out[name] = x
        return out
