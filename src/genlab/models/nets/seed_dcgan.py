"""The source document's Keras DCGAN for 28x28 MNIST, layer for layer, with Keras initialisation.

Keras semantics kept: Glorot-uniform kernels and zero biases; BatchNormalization(momentum=0.8) is
PyTorch momentum 0.2 with epsilon 1e-3. Parameter counts equal the Keras model's: generator 930,817
(512 of them BatchNorm running statistics), discriminator 193,025.
"""
from __future__ import annotations

import torch
from torch import nn

from genlab.models.fast_ops import leaky_relu_dropout, upsample_conv3x3


def keras_init(module: nn.Module) -> None:
    """Glorot-uniform weights and zero biases for every Linear and Conv2d, as Keras initialises them."""
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


class SeedGenerator(nn.Module):
    """Dense(100 -> 128*7*7, ReLU) -> 2x [Upsample, Conv 3x3 128, BN(0.8), LeakyReLU(0.2)] -> Conv 3x3, tanh."""

    def __init__(self, *, latent_dim: int = 100, img_channels: int = 1, img_resolution: int = 28,
                 num_classes: int = 0, width: int = 128):
        super().__init__()
        if img_resolution % 4:
            raise ValueError(f"seed-dcgan needs a resolution divisible by 4, got {img_resolution}")
        self.latent_dim, self.base = latent_dim, img_resolution // 4
        self.width = width
        self.fc = nn.Linear(latent_dim, width * self.base * self.base)
        self.body = nn.Sequential(
            nn.Upsample(scale_factor=2, mode="nearest"),
            nn.Conv2d(width, width, 3, padding=1),
            nn.BatchNorm2d(width, momentum=0.2, eps=1e-3),
            nn.LeakyReLU(0.2),
            nn.Upsample(scale_factor=2, mode="nearest"),
            nn.Conv2d(width, width, 3, padding=1),
            nn.BatchNorm2d(width, momentum=0.2, eps=1e-3),
            nn.LeakyReLU(0.2),
            nn.Conv2d(width, img_channels, 3, padding=1),
            nn.Tanh(),
        )
        keras_init(self)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        x = torch.relu(self.fc(z)).view(-1, self.width, self.base, self.base)
        layers = iter(self.body)
        for layer in layers:
            if isinstance(layer, nn.Upsample):
                # Upsample + the Conv after it as one transposed conv (fast_ops.py): same function, 44% of the FLOPs
                x = upsample_conv3x3(x, next(layers))
            else:
                x = layer(x)
        return x  # (B, C, H, W) in [-1, 1]


class SeedDiscriminator(nn.Module):
    """3x [Conv 3x3 (32, 64, 128), LeakyReLU(0.2), Dropout(0.3)] -> Flatten -> Dense(1) logits."""

    def __init__(self, *, img_channels: int = 1, img_resolution: int = 28, num_classes: int = 0,
                 width: int = 128, dropout: float = 0.3):
        super().__init__()
        layers: list[nn.Module] = []
        channels = img_channels
        for out in (width // 4, width // 2, width):  # 32, 64, 128 at the document's width
            layers += [nn.Conv2d(channels, out, 3, padding=1), nn.LeakyReLU(0.2), nn.Dropout(dropout)]
            channels = out
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(width * img_resolution * img_resolution, 1)
        keras_init(self)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        layers = list(self.features)
        for conv, act, drop in zip(layers[0::3], layers[1::3], layers[2::3]):
            # LeakyReLU then Dropout as one fused op (fast_ops.py): same function, a cheaper mask
            x = leaky_relu_dropout(conv(x), act.negative_slope, drop.p, drop.training)
        if x.is_contiguous(memory_format=torch.channels_last) and not x.is_contiguous():
            # NHWC features: flatten them as they lie and permute the (small) weight instead
            b, c, h, w = x.shape
            weight = self.fc.weight.view(1, c, h, w).permute(0, 2, 3, 1).reshape(1, -1)
            logits = nn.functional.linear(x.permute(0, 2, 3, 1).reshape(b, -1), weight, self.fc.bias)
        else:
            logits = self.fc(x.flatten(1))
        return logits.squeeze(1)  # (B,) logits
