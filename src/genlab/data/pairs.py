"""Pairs for image-to-image translation (pix2pix) made from real images: edge maps and grayscale inputs.

Both act like the SR degradations (data/degrade.py): float targets (B, C, H, W) in [-1, 1] in, the
inputs out, same shape, so `data.degradation: edges` or `gray` turns any image source into
{"inputs", "targets"} pairs. The input keeps the targets' channel count (an edge map or gray image
repeated on every plane), so one net maps C channels to C channels.

The edge detector is Canny's (Canny 1986) in torch, no OpenCV: Gaussian blur, Sobel gradients,
non-maximum suppression across the gradient direction, and hysteresis between two thresholds. The
thresholds are fractions of each image's strongest gradient, so faint and contrasty images both give
outlines. Edges are white (+1) on black (-1).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

EDGE_SIGMA = 1.0          # Gaussian blur before the gradients, in pixels
EDGE_HIGH = 0.3           # strong edge: gradient magnitude >= this fraction of the image's largest
EDGE_LOW = 0.12           # weak edge: kept only when connected to a strong one
HYSTERESIS_ROUNDS = 16    # dilation rounds that grow strong edges into connected weak ones


def luma(images: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) in [-1, 1] -> (B, 1, H, W) in [-1, 1]: ITU-R 601 luma for RGB, the plane for gray."""
    if images.shape[1] == 3:
        weights = torch.tensor([0.299, 0.587, 0.114], dtype=images.dtype, device=images.device)
        return (images * weights.view(1, 3, 1, 1)).sum(1, keepdim=True)
    return images[:, :1]


def _gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    radius = max(1, math.ceil(2 * sigma))
    r = torch.arange(-radius, radius + 1, dtype=x.dtype, device=x.device)
    k = torch.exp(-0.5 * (r / sigma) ** 2)
    k = k / k.sum()
    x = F.conv2d(F.pad(x, (radius, radius, 0, 0), mode="replicate"), k.view(1, 1, 1, -1))
    return F.conv2d(F.pad(x, (0, 0, radius, radius), mode="replicate"), k.view(1, 1, -1, 1))


def _shift(x: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    """x moved so that out[y, x] = in[y + dy, x + dx] (edges replicated)."""
    h, w = x.shape[-2:]
    padded = F.pad(x, (1, 1, 1, 1), mode="replicate")
    return padded[..., 1 + dy:1 + dy + h, 1 + dx:1 + dx + w]


def canny(images: torch.Tensor, *, sigma: float = EDGE_SIGMA, low: float = EDGE_LOW,
          high: float = EDGE_HIGH) -> torch.Tensor:
    """(B, C, H, W) in [-1, 1] -> (B, 1, H, W) bool edge map (Canny 1986, relative thresholds)."""
    x = _gaussian_blur(luma(images.float()), sigma)
    sobel = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]], device=x.device)
    padded = F.pad(x, (1, 1, 1, 1), mode="replicate")
    gx = F.conv2d(padded, sobel.view(1, 1, 3, 3))
    gy = F.conv2d(padded, sobel.t().reshape(1, 1, 3, 3))
    magnitude = torch.hypot(gx, gy)
    # non-maximum suppression: keep a pixel only where it is a ridge across the gradient direction,
    # the direction quantised to 0, 45, 90 or 135 degrees
    angle = torch.rad2deg(torch.atan2(gy, gx)) % 180
    sector = ((angle + 22.5) // 45).long() % 4  # 0: horizontal gradient, 1: 45, 2: vertical, 3: 135
    keep = torch.zeros_like(magnitude, dtype=torch.bool)
    for s, (dy, dx) in enumerate(((0, 1), (1, 1), (1, 0), (1, -1))):
        ridge = (magnitude >= _shift(magnitude, dy, dx)) & (magnitude >= _shift(magnitude, -dy, -dx))
        keep |= (sector == s) & ridge
    thin = magnitude * keep
    peak = thin.flatten(1).amax(1).clamp_min(1e-6).view(-1, 1, 1, 1)
    strong, weak = thin >= high * peak, thin >= low * peak
    for _ in range(HYSTERESIS_ROUNDS):  # hysteresis: weak edges touching strong ones become strong
        grown = weak & (F.max_pool2d(strong.float(), 3, 1, 1) > 0)
        if torch.equal(grown, strong):
            break
        strong = grown
    return strong & (magnitude > 0)


def edges_degrade(targets: torch.Tensor, scale: int = 1, generator: torch.Generator | None = None) -> torch.Tensor:
    """Targets -> their Canny edge maps, white on black, repeated on the targets' channels (deterministic)."""
    edges = canny(targets).to(targets.dtype) * 2 - 1  # (B, 1, H, W) in {-1, 1}
    return edges.expand_as(targets).contiguous()


def gray_degrade(targets: torch.Tensor, scale: int = 1, generator: torch.Generator | None = None) -> torch.Tensor:
    """Targets -> their luma repeated on the targets' channels: the colourisation task's inputs."""
    return luma(targets).expand_as(targets).contiguous()
