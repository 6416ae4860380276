"""Degradations that make (low-res, high-res) pairs: bicubic as published SR tables, and a realistic pipeline.

uint8 helpers (C, H, W) follow the published protocol: mod-crop, then PIL resize(BICUBIC) (antialiased).
Batch degradations act on float (B, C, H, W) in [-1, 1] and return the low-res inputs in [-1, 1].
"""
from __future__ import annotations

import io
import math
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from genlab.data.pairs import edges_degrade, gray_degrade
from genlab.errors import ConfigError, DataError, unknown

Degradation = Callable[[torch.Tensor, "torch.Generator | None"], torch.Tensor]


def mod_crop(img: torch.Tensor, scale: int) -> torch.Tensor:
    """Crop (..., H, W) at the bottom/right so H and W are multiples of `scale`."""
    h, w = img.shape[-2:]
    return img[..., : h - h % scale, : w - w % scale]


def _pil_resize(img: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Resize uint8 (C, H, W) to (w, h) = size with PIL bicubic, per channel (any channel count)."""
    if img.dtype != torch.uint8 or img.dim() != 3:
        raise DataError(f"expected a uint8 (C, H, W) image, got {img.dtype} {tuple(img.shape)}")
    planes = [np.asarray(Image.fromarray(c.numpy()).resize(size, Image.BICUBIC)) for c in img]
    return torch.from_numpy(np.stack(planes))


def bicubic_downscale(img: torch.Tensor, scale: int) -> torch.Tensor:
    """uint8 (C, H, W) -> uint8 (C, H//scale, W//scale): mod-crop, then antialiased PIL bicubic."""
    img = mod_crop(img, scale)
    return _pil_resize(img, (img.shape[2] // scale, img.shape[1] // scale))


def bicubic_upscale(img: torch.Tensor, scale: int) -> torch.Tensor:
    """uint8 (C, h, w) -> uint8 (C, h*scale, w*scale) with PIL bicubic (the bicubic SR baseline)."""
    return _pil_resize(img, (img.shape[2] * scale, img.shape[1] * scale))


def _check(targets: torch.Tensor, scale: int) -> None:
    if targets.dim() != 4 or targets.shape[-1] % scale or targets.shape[-2] % scale:
        raise DataError(f"expected targets (B, C, H, W) with H, W multiples of {scale}, got {tuple(targets.shape)}")


def bicubic_degrade(targets: torch.Tensor, scale: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Float [-1, 1] (B, C, H, W) -> antialiased bicubic downscale by `scale` (deterministic; generator unused)."""
    _check(targets, scale)
    h, w = targets.shape[-2] // scale, targets.shape[-1] // scale
    out = F.interpolate(targets.float(), size=(h, w), mode="bicubic", antialias=True, align_corners=False)
    return out.clamp(-1, 1)


def _gaussian_kernel(size: int, sx: float, sy: float, theta: float) -> torch.Tensor:
    """An anisotropic Gaussian blur kernel (size x size), rotated by theta, summing to 1."""
    r = torch.arange(size, dtype=torch.float32) - (size - 1) / 2
    y, x = torch.meshgrid(r, r, indexing="ij")
    c, s = math.cos(theta), math.sin(theta)
    xr, yr = c * x + s * y, -s * x + c * y
    k = torch.exp(-0.5 * ((xr / sx) ** 2 + (yr / sy) ** 2))
    return k / k.sum()


def _uniform(g: torch.Generator, lo: float, hi: float) -> float:
    return lo + (hi - lo) * float(torch.rand((), generator=g))


def _blur(x: torch.Tensor, g: torch.Generator, max_sigma: float) -> torch.Tensor:
    size = 2 * int(torch.randint(3, 11, (), generator=g)) + 1  # 7..21
    k = _gaussian_kernel(size, _uniform(g, 0.2, max_sigma), _uniform(g, 0.2, max_sigma), _uniform(g, 0, math.pi))
    c = x.shape[1]
    weight = k.expand(c, 1, size, size).contiguous()
    return F.conv2d(F.pad(x, [size // 2] * 4, mode="reflect"), weight, groups=c)


def _noise(x: torch.Tensor, g: torch.Generator, max_sigma: float) -> torch.Tensor:
    sigma = _uniform(g, 1, max_sigma) / 255 * 2  # in [-1, 1] units
    if float(torch.rand((), generator=g)) < 0.4:  # gray noise, same on all channels
        n = torch.randn((x.shape[0], 1, *x.shape[2:]), generator=g).expand_as(x)
    else:
        n = torch.randn(x.shape, generator=g)
    return x + sigma * n


def _jpeg(x: torch.Tensor, g: torch.Generator, lo: int, hi: int) -> torch.Tensor:
    quality = int(torch.randint(lo, hi + 1, (), generator=g))
    out = []
    for img in ((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8):
        arr = img.permute(1, 2, 0).numpy()
        pil = Image.fromarray(arr[..., 0] if arr.shape[2] == 1 else arr)
        buf = io.BytesIO()
        pil.save(buf, format="JPEG", quality=quality)
        dec = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert(pil.mode))
        dec = dec[..., None] if dec.ndim == 2 else dec
        out.append(torch.from_numpy(dec.copy()).permute(2, 0, 1))
    return torch.stack(out).float() / 127.5 - 1


def _resize(x: torch.Tensor, g: torch.Generator, size: tuple[int, int]) -> torch.Tensor:
    mode = ("bilinear", "bicubic", "area")[int(torch.randint(0, 3, (), generator=g))]
    if mode == "area":
        return F.interpolate(x, size=size, mode="area")
    return F.interpolate(x, size=size, mode=mode, align_corners=False, antialias=True)


def realistic_degrade(targets: torch.Tensor, scale: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Float [-1, 1] (B, C, H, W) -> (B, C, H/scale, W/scale) by blur, resize, noise, JPEG, applied twice.

    A small version of Real-ESRGAN's second-order pipeline (Wang et al. 2021); every random choice comes
    from `generator`, so a generator in the same state gives the same inputs (None: a fixed seed, 0).
    The kernel, scales and qualities are drawn once per batch; the noise per pixel.
    """
    _check(targets, scale)
    g = generator if generator is not None else torch.Generator().manual_seed(0)
    h, w = targets.shape[-2:]
    x = targets.float()
    # first order: blur, random resize, noise, JPEG
    x = _blur(x, g, 3.0)
    s1 = _uniform(g, 0.5, 1.2)
    x = _resize(x, g, (max(1, round(h * s1)), max(1, round(w * s1))))
    x = _noise(x, g, 25)
    x = _jpeg(x, g, 30, 95)
    # second order: lighter blur, resize, noise, then to the final size and JPEG
    x = _blur(x, g, 1.5)
    s2 = _uniform(g, 0.6, 1.0)
    x = _resize(x, g, (max(1, round(h * s1 * s2)), max(1, round(w * s1 * s2))))
    x = _noise(x, g, 20)
    x = _resize(x, g, (h // scale, w // scale))
    x = _jpeg(x, g, 30, 95)
    return x.clamp(-1, 1)


def _bound(fn: Callable[..., torch.Tensor], scale: int) -> Degradation:
    def degrade(targets: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        return fn(targets, scale, generator)
    degrade.scale = scale  # type: ignore[attr-defined]
    return degrade


DEGRADATIONS: dict[str, tuple[Callable[..., torch.Tensor], int]] = {
    "bicubic-x2": (bicubic_degrade, 2),
    "bicubic-x3": (bicubic_degrade, 3),
    "bicubic-x4": (bicubic_degrade, 4),
    "realistic-x4": (realistic_degrade, 4),
    # translation pairs at the same size (pix2pix): an edge map or the gray image of each target
    "edges": (edges_degrade, 1),
    "gray": (gray_degrade, 1),
}


def make_degradation(name: str) -> Degradation:
    """The degradation `degrade(targets, generator) -> inputs` named in the config (e.g. "bicubic-x4")."""
    if name not in DEGRADATIONS:
        raise DataError(f"unknown degradation '{name}'; expected one of {', '.join(DEGRADATIONS)}")
    fn, scale = DEGRADATIONS[name]
    return _bound(fn, scale)


def degradation_scale(name: str) -> int:
    """The scale factor of a named degradation."""
    if name not in DEGRADATIONS:
        raise DataError(f"unknown degradation '{name}'; expected one of {', '.join(DEGRADATIONS)}")
    return DEGRADATIONS[name][1]


def parse_degradation(name: str) -> tuple[str, int]:
    """'bicubic-x4' -> ('bicubic', 4); a ConfigError names the bad value and the known names."""
    if name not in DEGRADATIONS:
        raise ConfigError(unknown("data.degradation", name, DEGRADATIONS))
    return name.rsplit("-x", 1)[0], DEGRADATIONS[name][1]
