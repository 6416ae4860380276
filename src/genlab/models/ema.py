"""Exponential moving average of weights with a half-life in images (Karras et al. 2019/2020).

After each step, ema <- beta * ema + (1 - beta) * weights with beta = 0.5 ** (batch / half_life_images),
so the half-life is measured in images seen, independent of the batch size. With a ramp-up, the
half-life is at most `rampup * images_seen`, so early (poor) weights are forgotten quickly.
"""
from __future__ import annotations

import torch
from torch import nn


def ema_beta(batch_size: int, images_seen: int, half_life_kimg: float, rampup: float | None) -> float:
    half_life = half_life_kimg * 1000
    if rampup:
        half_life = min(half_life, images_seen * rampup)
    return 0.5 ** (batch_size / max(half_life, 1e-8))


@torch.no_grad()
def update_ema(ema: nn.Module, model: nn.Module, beta: float) -> None:
    """ema's parameters move towards model's by (1 - beta); buffers (BN statistics) are copied."""
    for p_ema, p in zip(ema.parameters(), model.parameters()):
        p_ema.lerp_(p.detach(), 1 - beta)
    for b_ema, b in zip(ema.buffers(), model.buffers()):
        b_ema.copy_(b)
