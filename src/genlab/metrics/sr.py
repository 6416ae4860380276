"""PSNR-Y and SSIM-Y with the standard SR protocol, so numbers compare with papers.

Y of YCbCr (BT.601, 16..235 as MATLAB's rgb2ycbcr), `crop` pixels removed at each border, outputs rounded
to uint8 first; SSIM with the 11x11 Gaussian window, sigma 1.5 (Wang et al. 2004), on the 0..255 range.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from genlab.errors import DataError


def rgb_to_y(img: torch.Tensor) -> torch.Tensor:
    """uint8 (3, H, W) RGB (or (1, H, W) gray, returned as is) -> float64 (H, W) Y in 16..235."""
    x = img.to(torch.float64)
    if x.shape[0] == 1:
        return x[0]
    r, g, b = x[0], x[1], x[2]
    return 16.0 + (65.481 * r + 128.553 * g + 24.966 * b) / 255.0


def _prepare(output: torch.Tensor, target: torch.Tensor, crop: int) -> tuple[torch.Tensor, torch.Tensor]:
    if output.shape != target.shape or output.dim() != 3 or output.shape[0] not in (1, 3):
        raise DataError(f"expected output and target (C, H, W) of one shape, C 1 or 3; got "
                        f"{tuple(output.shape)} and {tuple(target.shape)}")
    if output.dtype != torch.uint8:
        output = output.round().clamp(0, 255).to(torch.uint8)
    if target.dtype != torch.uint8:
        raise DataError(f"expected a uint8 target, got {target.dtype}")
    a, b = rgb_to_y(output), rgb_to_y(target)
    if crop:
        a, b = a[crop:-crop, crop:-crop], b[crop:-crop, crop:-crop]
    if a.numel() == 0:
        raise DataError(f"crop {crop} leaves no pixels of a {tuple(target.shape[1:])} image")
    return a, b


def psnr_y(output: torch.Tensor, target: torch.Tensor, crop: int = 0) -> float:
    """PSNR (dB) on Y, `crop` border pixels removed; output rounded to uint8 first."""
    a, b = _prepare(output, target, crop)
    mse = float(((a - b) ** 2).mean())
    return math.inf if mse == 0 else 10 * math.log10(255.0 ** 2 / mse)


def _gaussian_window(size: int = 11, sigma: float = 1.5) -> torch.Tensor:
    r = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    g = torch.exp(-(r ** 2) / (2 * sigma ** 2))
    g = g / g.sum()
    return (g[:, None] * g[None, :])[None, None]


def ssim_y(output: torch.Tensor, target: torch.Tensor, crop: int = 0) -> float:
    """SSIM on Y (Wang et al. 2004: 11x11 Gaussian, sigma 1.5, K1 .01, K2 .03, L 255), valid windows only."""
    a, b = _prepare(output, target, crop)
    w = _gaussian_window()
    x, y = a[None, None], b[None, None]
    mu_x, mu_y = F.conv2d(x, w), F.conv2d(y, w)
    sxx = F.conv2d(x * x, w) - mu_x ** 2
    syy = F.conv2d(y * y, w) - mu_y ** 2
    sxy = F.conv2d(x * y, w) - mu_x * mu_y
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    ssim = ((2 * mu_x * mu_y + c1) * (2 * sxy + c2)) / ((mu_x ** 2 + mu_y ** 2 + c1) * (sxx + syy + c2))
    return float(ssim.mean())
