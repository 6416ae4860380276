"""Degradations that make (low-res input, high-res target) pairs on the fly, by name: "bicubic-x4".

A degradation is `degrade(targets, generator) -> inputs` on float batches (B, C, H, W) in [-1, 1]; the
generator makes random degradations (noise, blur, JPEG) depend on the batch alone, so resume is exact.
DEGRADATIONS maps a kind to a factory taking the scale; `make_degradation("bicubic-x2")` builds one.
"""
from __future__ import annotations

import re
from functools import partial
from typing import Callable

import torch
import torch.nn.functional as F

from genlab.errors import ConfigError, unknown

Degrade = Callable[[torch.Tensor, torch.Generator], torch.Tensor]

SCALES = (2, 3, 4, 8)


def bicubic_downscale_torch(targets: torch.Tensor, generator: torch.Generator | None = None, *,
                            scale: int) -> torch.Tensor:
    """Placeholder bicubic degradation: torch's antialiased bicubic downscale by `scale` (not PIL's,
    so not the published tables' bicubic), rounded to 8 bits as a stored low-res image would be."""
    _, _, h, w = targets.shape
    if h % scale or w % scale:
        raise ConfigError(f"images of {h}x{w} pixels cannot be downscaled by {scale}: crop them to a multiple")
    small = F.interpolate(targets, size=(h // scale, w // scale), mode="bicubic", antialias=True,
                          align_corners=False)
    return ((small.clamp(-1, 1) + 1) * 127.5).round() / 127.5 - 1


# kind -> factory(scale) -> degrade
DEGRADATIONS: dict[str, Callable[[int], Degrade]] = {
    "bicubic": lambda scale: partial(bicubic_downscale_torch, scale=scale),
}


def parse_degradation(name: str) -> tuple[str, int]:
    """'bicubic-x4' -> ('bicubic', 4); a ConfigError names the bad value and the known kinds."""
    match = re.fullmatch(r"([a-z0-9_]+(?:-[a-z0-9_]+)*)-x(\d+)", name or "")
    if not match:
        raise ConfigError(f"data.degradation '{name}' is not of the form KIND-xSCALE, e.g. bicubic-x4")
    kind, scale = match.group(1), int(match.group(2))
    if kind not in DEGRADATIONS:
        raise ConfigError(unknown("data.degradation kind", kind, DEGRADATIONS))
    if scale not in SCALES:
        raise ConfigError(f"data.degradation '{name}': scale {scale} is not supported; "
                          f"expected one of {', '.join(f'x{s}' for s in SCALES)}")
    return kind, scale


def make_degradation(name: str) -> Degrade:
    """The degradation named `name` ('bicubic-x2', ...), ready to call as degrade(targets, generator)."""
    kind, scale = parse_degradation(name)
    return DEGRADATIONS[kind](scale)
