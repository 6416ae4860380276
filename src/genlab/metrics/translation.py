"""Measuring translation models (pix2pix, CycleGAN) on held-out images.

pix2pix (paired): the outputs against their real targets, image by image with the paired protocols
(psnr_y, ssim_y), and as sets with FID and KID (Inception features of all outputs vs all targets).
CycleGAN (unpaired): does a translation keep its content? For digits <-> digits, the fraction of translated
images that a classifier of the output domain labels as the source digit (FID alone would not notice a
3 turned into a good-looking 8); and the cycle reconstruction error |F(G(x)) - x|.
"""
from __future__ import annotations

from typing import Callable

import torch

from .features import FeatureExtractor, to_uint8
from .fid import fid_from_features
from .kid import kernel_inception_distance
from .protocols import parse_protocols

Translate = Callable[[torch.Tensor], torch.Tensor]  # (B, C, H, W) in [-1, 1] -> same shape in [-1, 1]


@torch.no_grad()
def translate_all(translate: Translate, images: torch.Tensor, batch_size: int = 100) -> torch.Tensor:
    """uint8 (N, C, H, W) of `translate` on uint8 or [-1, 1] images, in batches."""
    out = []
    for i in range(0, len(images), batch_size):
        x = images[i:i + batch_size]
        x = x.float() / 127.5 - 1 if x.dtype == torch.uint8 else x
        out.append(to_uint8(translate(x)))
    return torch.cat(out) if out else torch.empty(0, dtype=torch.uint8)


def set_distances(outputs: torch.Tensor, reals: torch.Tensor, extractor: FeatureExtractor | None = None,
                  real_features: torch.Tensor | None = None) -> dict[str, float]:
    """FID and KID (mean, std) between two uint8 image sets; real_features reuses a computed real side."""
    extractor = extractor or FeatureExtractor()
    if real_features is None:
        real_features = extractor(reals)
    fake_features = extractor(outputs)
    kid_mean, kid_std = kernel_inception_distance(real_features, fake_features)
    return {"fid": fid_from_features(real_features, fake_features), "kid_mean": kid_mean, "kid_std": kid_std,
            "fid_real": len(real_features), "fid_fake": len(fake_features)}


def paired_scores(translate: Translate, inputs: torch.Tensor, targets: torch.Tensor, *, fid: bool = True,
                  extractor: FeatureExtractor | None = None,
                  real_features: torch.Tensor | None = None) -> dict[str, float]:
    """pix2pix on held-out pairs (uint8 (N, C, H, W) each): mean PSNR/SSIM (on Y) and FID/KID to the targets
    (real_features: the targets' Inception features, when already computed)."""
    outputs = translate_all(translate, inputs)
    results: dict[str, float] = {"pairs": len(targets)}
    for protocol in parse_protocols("psnr_y,ssim_y", kind="paired"):
        results.update(protocol.run(list(outputs), list(targets), crop=0))
    if fid:
        results.update(set_distances(outputs, targets, extractor, real_features))
    return results


def label_kept(translated: torch.Tensor, source_labels: torch.Tensor, classifier: torch.nn.Module) -> float:
    """The fraction of translated images (uint8) that `classifier` labels as their source's label."""
    from .classifier import predict

    predicted = predict(classifier, translated)
    return float((predicted == source_labels).double().mean())


@torch.no_grad()
def cycle_error(forward: Translate, backward: Translate, images: torch.Tensor, batch_size: int = 100) -> float:
    """Mean |backward(forward(x)) - x| over pixels, in [0, 1] intensity units, of uint8 images."""
    total, count = 0.0, 0
    for i in range(0, len(images), batch_size):
        x = images[i:i + batch_size].float() / 127.5 - 1
        back = backward(forward(x))
        total += float((back - x).abs().sum()) / 2  # [-1, 1] -> [0, 1] units
        count += x.numel()
    return total / max(count, 1)
