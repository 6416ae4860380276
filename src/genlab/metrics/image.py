"""Reconstruction metrics on images in [-1, 1] (NCHW), measured on pixels scaled to [0, 1]:
MSE, PSNR and SSIM (Wang et al. 2004: Gaussian window 11x11, sigma 1.5, K1 0.01, K2 0.03, 'valid'
filtering as in their reference ssim_index.m; channels averaged). Each returns one value per image.
`mask` (B, 1, H, W) bool restricts MSE / PSNR to some pixels (an inpainted hole, say).
"""
from __future__ import annotations


import torch
import torch.nn.functional as F


def _unit(x: torch.Tensor) -> torch.Tensor:
    return (x.double() + 1) / 2  # [-1, 1] -> [0, 1], float64 for exact comparisons


def mse(x: torch.Tensor, y: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Mean squared error per image (B,), pixels in [0, 1]."""
    sq = (_unit(x) - _unit(y)).pow(2)
    if mask is None:
        return sq.flatten(1).mean(1)
    m = mask.expand_as(sq).double()
    return (sq * m).flatten(1).sum(1) / m.flatten(1).sum(1).clamp(min=1)


def psnr(x: torch.Tensor, y: torch.Tensor, mask: torch.Tensor | None = None, max_db: float = 100.0) -> torch.Tensor:
    """Peak signal-to-noise ratio per image (B,) in dB, peak 1: 10 log10(1 / MSE), capped at max_db."""
    err = mse(x, y, mask)
    return (10 * torch.log10(1 / err.clamp(min=10 ** (-max_db / 10)))).clamp(max=max_db)


def gaussian_window(size: int = 11, sigma: float = 1.5) -> torch.Tensor:
    """(size, size) float64 Gaussian weights summing to 1."""
    coords = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    g = torch.exp(-coords ** 2 / (2 * sigma ** 2))
    g = g / g.sum()
    return g[:, None] * g[None, :]


def ssim(x: torch.Tensor, y: torch.Tensor, window: int = 11, sigma: float = 1.5,
         k1: float = 0.01, k2: float = 0.03) -> torch.Tensor:
    """Mean SSIM per image (B,) (Wang et al. 2004, eq. 13 with a Gaussian window), pixels in [0, 1]."""
    a, b = _unit(x), _unit(y)
    c = a.shape[1]
    if min(a.shape[-2:]) < window:
        raise ValueError(f"SSIM needs images of at least {window}x{window} pixels, got {tuple(a.shape[-2:])}")
    w = gaussian_window(window, sigma).to(a.device)[None, None].expand(c, 1, window, window)

    def filt(t):
        return F.conv2d(t, w, groups=c)  # 'valid': no padding, as in Wang et al.'s ssim_index.m

    c1, c2 = (k1 * 1.0) ** 2, (k2 * 1.0) ** 2  # dynamic range L = 1
    mu_a, mu_b = filt(a), filt(b)
    var_a = filt(a * a) - mu_a ** 2
    var_b = filt(b * b) - mu_b ** 2
    cov = filt(a * b) - mu_a * mu_b
    s = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2))
    return s.flatten(1).mean(1)


def reconstruction_metrics(x: torch.Tensor, y: torch.Tensor, mask: torch.Tensor | None = None) -> dict[str, float]:
    """Mean MSE, PSNR (dB) and SSIM over a batch: {"mse", "psnr", "ssim"}."""
    out = {"mse": float(mse(x, y, mask).mean()), "psnr": float(psnr(x, y, mask).mean())}
    if mask is None and min(x.shape[-2:]) >= 11:
        out["ssim"] = float(ssim(x, y).mean())
    return out


__all__ = ["mse", "psnr", "ssim", "gaussian_window", "reconstruction_metrics"]
