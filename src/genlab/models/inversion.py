"""GAN inversion: the latent whose image best matches a given one (Zhu et al. 2016; Creswell &
Bharath 2018). A GAN has no encoder, so z is found by gradient descent on a pixel loss (optionally
plus a loss on the discriminator's features), from several random starts, keeping the best.
With a mask, only the known pixels count: that is GAN inpainting.
"""
from __future__ import annotations

import torch
from torch import nn


def invert(generator: nn.Module, images: torch.Tensor, latent_dim: int, *, labels: torch.Tensor | None = None,
           known: torch.Tensor | None = None, starts: int = 4, steps: int = 200, lr: float = 0.1,
           prior_weight: float = 1e-4, features: nn.Module | None = None, feature_weight: float = 0.0,
           seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Latents (N, latent_dim) and per-image losses (N,) for images (N, C, H, W) in [-1, 1].

    known: (N, 1 or C, H, W) in {0, 1}; pixels with 0 are ignored (inpainting).
    prior_weight keeps z where the prior has mass (a penalty on ||z||^2 / latent_dim).
    """
    n = images.shape[0]
    device = images.device
    weights = torch.ones_like(images[:, :1]) if known is None else known.to(images.dtype)
    weights = weights.expand_as(images)
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(starts * n, latent_dim, generator=g).to(device).requires_grad_(True)
    target = images.repeat(starts, 1, 1, 1)
    w = weights.repeat(starts, 1, 1, 1)
    lab = labels.repeat(starts) if labels is not None else None
    target_feats = features(target).flatten(1).detach() if features is not None and feature_weight else None
    opt = torch.optim.Adam([z], lr=lr)
    was_training = generator.training
    generator.eval()
    requires = [p.requires_grad for p in generator.parameters()]
    generator.requires_grad_(False)
    try:
        for _ in range(steps):
            per_image = _loss(generator, z, lab, target, w, prior_weight, features, feature_weight, target_feats)
            opt.zero_grad(set_to_none=True)
            per_image.sum().backward()
            opt.step()
        with torch.no_grad():
            final = _loss(generator, z, lab, target, w, prior_weight, features, feature_weight, target_feats)
    finally:
        for p, r in zip(generator.parameters(), requires):
            p.requires_grad_(r)
        generator.train(was_training)
    final = final.view(starts, n)
    best = final.argmin(dim=0)  # (N,) which start won for each image
    z_best = z.detach().view(starts, n, latent_dim)[best, torch.arange(n, device=device)]
    return z_best, final.min(dim=0).values


def _loss(generator, z, labels, target, weights, prior_weight, features, feature_weight, target_feats):
    fake = generator(z, labels)
    pixel = ((fake - target) ** 2 * weights).flatten(1).sum(1) / weights.flatten(1).sum(1).clamp_min(1)
    loss = pixel + prior_weight * z.pow(2).mean(1)
    if target_feats is not None:
        loss = loss + feature_weight * (features(fake).flatten(1) - target_feats).pow(2).mean(1)
    return loss
