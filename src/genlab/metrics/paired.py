"""Paired protocols: a model's outputs against their targets, image by image (super-resolution).

Each takes the outputs and targets, uint8 (C, H, W) each, and the border `crop` of the SR protocol (the
scale), and returns its results. The outputs are computed once for all protocols (evaluate_paired).
"""
from __future__ import annotations

import torch

from .sr import psnr_y, ssim_y

PATCH = 64  # side of the patches kid_patches compares


def mean_psnr_y(outputs: list[torch.Tensor], targets: list[torch.Tensor], *, crop: int) -> dict[str, float]:
    """Mean PSNR-Y (dB) over the images."""
    return {"psnr_y": sum(psnr_y(o, t, crop=crop) for o, t in zip(outputs, targets)) / len(targets)}


def mean_ssim_y(outputs: list[torch.Tensor], targets: list[torch.Tensor], *, crop: int) -> dict[str, float]:
    """Mean SSIM-Y over the images."""
    return {"ssim_y": sum(ssim_y(o, t, crop=crop) for o, t in zip(outputs, targets)) / len(targets)}


def patches(image: torch.Tensor, size: int = PATCH, crop: int = 0) -> torch.Tensor:
    """uint8 (N, C, size, size): the non-overlapping size x size grid of an image, `crop` border removed."""
    if crop:
        image = image[:, crop:-crop, crop:-crop]
    c, h, w = image.shape
    grid = image[:, :h - h % size, :w - w % size].unfold(1, size, size).unfold(2, size, size)  # (C, nh, nw, s, s)
    return grid.permute(1, 2, 0, 3, 4).reshape(-1, c, size, size)


def patch_kid(outputs: list[torch.Tensor], targets: list[torch.Tensor], *, crop: int,
              extractor=None) -> dict[str, float]:
    """KID between the 64 px patches of the outputs and of the targets (Inception pool features): how
    far the outputs' local texture statistics are from real photos', where PSNR rewards blur."""
    from .features import FeatureExtractor
    from .kid import kernel_inception_distance

    extractor = extractor or FeatureExtractor()
    fake = torch.cat([patches(o, crop=crop) for o in outputs])
    real = torch.cat([patches(t, crop=crop) for t in targets])
    feats = [torch.cat(list(extractor.iter_features([x], total=len(x), desc=f"kid_patches {what}")))
             for what, x in (("targets", real), ("outputs", fake))]
    mean, std = kernel_inception_distance(feats[0], feats[1])
    return {"kid_patches_mean": mean, "kid_patches_std": std, "kid_patches_count": len(fake)}
