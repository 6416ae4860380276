"""Image corruptions by name, for denoising autoencoders and the restoration apps.

    gaussian:0.5    add N(0, 0.5^2) noise to pixels in [0, 1], then clip to [0, 1]
    saltpepper:0.2  each pixel becomes black or white (half each) with probability 0.2
    mask:0.3        each pixel is dropped (set to black) with probability 0.3
    block:14        one random 14x14 square per image is dropped (set to black)

A corruption acts on float images in [-1, 1], (B, C, H, W); a pixel means all channels at one place.
It returns the corrupted images and the `known` mask (B, 1, H, W), True where a pixel is untouched.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from genlab.errors import GenlabError, unknown

KINDS = ("gaussian", "saltpepper", "mask", "block")


@dataclass(frozen=True)
class Corruption:
    kind: str      # one of KINDS
    amount: float  # sigma (gaussian), probability (saltpepper, mask) or side in pixels (block)

    def __str__(self) -> str:
        return f"{self.kind}:{self.amount:g}"

    def __call__(self, x: torch.Tensor, generator: torch.Generator | None = None
                 ) -> tuple[torch.Tensor, torch.Tensor]:
        """(corrupted images in [-1, 1], known (B, 1, H, W) bool)."""
        b, _, h, w = x.shape
        if self.kind == "gaussian":
            noise = _randn(x.shape, x, generator) * (2 * self.amount)  # sigma in [0, 1] units = 2 sigma here
            return (x + noise).clamp(-1, 1), torch.zeros(b, 1, h, w, dtype=torch.bool, device=x.device)
        if self.kind == "saltpepper":
            hit = _rand((b, 1, h, w), x, generator) < self.amount
            salt = _rand((b, 1, h, w), x, generator) < 0.5
            value = salt.to(x.dtype) * 2 - 1  # white or black
            return torch.where(hit, value, x), ~hit
        if self.kind == "mask":
            dropped = _rand((b, 1, h, w), x, generator) < self.amount
            return x.masked_fill(dropped, -1.0), ~dropped
        size = min(int(self.amount), h, w)  # block
        top = (_rand((b,), x, generator) * (h - size + 1)).long()
        left = (_rand((b,), x, generator) * (w - size + 1)).long()
        rows = torch.arange(h, device=x.device)
        cols = torch.arange(w, device=x.device)
        in_rows = (rows[None] >= top[:, None]) & (rows[None] < (top + size)[:, None])  # (B, H)
        in_cols = (cols[None] >= left[:, None]) & (cols[None] < (left + size)[:, None])  # (B, W)
        dropped = (in_rows[:, :, None] & in_cols[:, None, :])[:, None]  # (B, 1, H, W)
        return x.masked_fill(dropped, -1.0), ~dropped


def _rand(shape, like: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    if generator is None:
        return torch.rand(shape, device=like.device)
    return torch.rand(shape, generator=generator, device=generator.device).to(like.device)


def _randn(shape, like: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    if generator is None:
        return torch.randn(shape, device=like.device, dtype=like.dtype)
    return torch.randn(shape, generator=generator, device=generator.device).to(like.device, like.dtype)


def parse_corruption(spec: str) -> Corruption | None:
    """'gaussian:0.5' -> Corruption('gaussian', 0.5); 'none' or '' -> None."""
    spec = (spec or "").strip()
    if spec in ("", "none"):
        return None
    kind, sep, value = spec.partition(":")
    if kind not in KINDS:
        raise GenlabError(unknown("corruption", kind, KINDS) + " (as gaussian:0.5, saltpepper:0.2, mask:0.3, block:14)")
    try:
        amount = float(value)
    except ValueError:
        raise GenlabError(f"corruption '{spec}' needs a number after ':', e.g. {kind}:"
                          f"{ {'gaussian': '0.5', 'saltpepper': '0.2', 'mask': '0.3', 'block': '14'}[kind]}") from None
    if kind in ("saltpepper", "mask") and not 0 <= amount <= 1:
        raise GenlabError(f"corruption '{spec}': the probability must be in [0, 1]")
    if kind == "gaussian" and amount < 0:
        raise GenlabError(f"corruption '{spec}': sigma must be >= 0")
    if kind == "block" and (amount < 1 or amount != int(amount)):
        raise GenlabError(f"corruption '{spec}': the block side must be a whole number of pixels >= 1")
    return Corruption(kind, amount)
