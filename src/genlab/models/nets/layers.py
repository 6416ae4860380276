"""Small pieces shared by the GAN nets: conditional BatchNorm, spectral norm, initialisers, labels."""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

WEIGHT_LAYERS = (nn.Conv2d, nn.ConvTranspose2d, nn.Linear, nn.Embedding)


class ConditionalBatchNorm2d(nn.Module):
    """BatchNorm whose gain and bias are looked up per class (de Vries et al. 2017; Miyato & Koyama 2018).

    The statistics are the batch's (running ones in eval mode); each class has its own affine
    transform, so the same features are scaled and shifted differently for each label. With
    num_classes=0 it is a plain affine BatchNorm2d.
    """

    def __init__(self, num_features: int, *, num_classes: int = 0, gain_std: float = 0.0):
        super().__init__()
        self.num_classes = num_classes
        self.bn = nn.BatchNorm2d(num_features, affine=num_classes == 0)
        if num_classes:
            self.gain = nn.Embedding(num_classes, num_features)
            self.bias = nn.Embedding(num_classes, num_features)
        self.gain_std = gain_std
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Gain 1 (+ N(0, gain_std) noise, as DCGAN initialises BatchNorm) and bias 0."""
        gain = self.gain.weight if self.num_classes else self.bn.weight
        bias = self.bias.weight if self.num_classes else self.bn.bias
        with torch.no_grad():
            gain.fill_(1.0)
            if self.gain_std:
                gain.add_(torch.randn_like(gain) * self.gain_std)
            bias.zero_()

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        out = self.bn(x)
        if not self.num_classes:
            return out
        gain = self.gain(labels)[:, :, None, None]  # (B, C, 1, 1)
        bias = self.bias(labels)[:, :, None, None]
        return gain * out + bias


class DiscriminatorHead(nn.Module):
    """The last layer of a discriminator on its features phi(x), (B, F).

    logits = linear(phi(x)) + <embed(y), phi(x)>: the projection discriminator (Miyato & Koyama 2018,
    eq. 3) when class-conditional; with `aux_classifier` the projection is replaced by an auxiliary
    classifier head (Odena et al. 2017, ACGAN) that predicts the class of real and generated images.
    """

    def __init__(self, features: int, *, num_classes: int = 0, aux_classifier: bool = False,
                 init: str = "dcgan"):
        super().__init__()
        if aux_classifier and not num_classes:
            raise ValueError("aux_classifier needs class labels: set model.conditional: true on labelled data")
        self.linear = nn.Linear(features, 1)
        self.embed = nn.Embedding(num_classes, features) if num_classes and not aux_classifier else None
        self.classifier = nn.Linear(features, num_classes) if aux_classifier else None
        for layer in (self.linear, self.embed, self.classifier):
            if layer is None:
                continue
            if init == "dcgan":
                nn.init.normal_(layer.weight, 0.0, 0.02)
                if getattr(layer, "bias", None) is not None:
                    nn.init.zeros_(layer.bias)
            else:
                glorot_(layer)

    def forward(self, h: torch.Tensor, labels: torch.Tensor | None = None,
                with_class_logits: bool = False):
        logits = self.linear(h).squeeze(1)  # (B,)
        if self.embed is not None:
            logits = logits + (self.embed(labels) * h).sum(dim=1)
        if not with_class_logits:
            return logits
        if self.classifier is None:
            raise ValueError("this discriminator has no auxiliary classifier: set net_args.aux_classifier: true")
        return logits, self.classifier(h)  # (B,), (B, num_classes)


def sn(module: nn.Module, enabled: bool = True) -> nn.Module:
    """Spectral normalization (Miyato et al. 2018) on every Conv/Linear/Embedding in `module`, in place.

    Applied after initialisation, so the power iteration starts from the initialised weights.
    """
    if enabled:
        for m in list(module.modules()):
            if isinstance(m, WEIGHT_LAYERS) and not hasattr(m, "parametrizations"):
                spectral_norm(m)
    return module


def dcgan_init(module: nn.Module) -> None:
    """Radford et al. 2015: every weight from N(0, 0.02), biases 0 (BatchNorm gains N(1, 0.02))."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d) and m.affine:
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


def glorot_(layer: nn.Module, gain: float = 1.0) -> nn.Module:
    """Glorot-uniform weight with `gain` and zero bias, as the SNGAN code initialises its layers."""
    nn.init.xavier_uniform_(layer.weight, gain=gain)
    if getattr(layer, "bias", None) is not None:
        nn.init.zeros_(layer.bias)
    return layer


RELU_GAIN = math.sqrt(2)  # Glorot gain for convs followed by ReLU (SNGAN's residual branches)


def check_labels(labels: torch.Tensor | None, num_classes: int, who: str) -> torch.Tensor | None:
    """The labels a class-conditional net needs as a long tensor (B,), or None when unconditional."""
    if not num_classes:
        return None
    if labels is None:
        raise ValueError(f"{who} is class-conditional ({num_classes} classes) and needs labels")
    return labels.long()


def check_resolution(resolution: int, known: tuple[int, ...], who: str) -> None:
    if resolution not in known:
        raise ValueError(f"{who} supports resolutions {', '.join(map(str, known))}, got {resolution}; "
                         f"set data.resolution to one of them")
