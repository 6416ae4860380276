"""Latent-variable objectives as small functions of tensors: log-densities, the analytic KL, the ELBO
and the IWAE bound. Every function returns one value per image (summed over pixels / latents), in nats.

    kl  = gaussian_kl(mu, logvar)                       # KL(q(z|x) || N(0, I)), (B,)
    elbo = log_px_given_z - beta * kl                   # Kingma & Welling 2014, eq. 10
    iwae = iwae_bound(log_weights)                      # Burda et al. 2016, eq. 8
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

LOG_2PI = math.log(2 * math.pi)


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, diag exp(logvar)) || N(0, I)) per sample, (B,). Kingma & Welling 2014, appendix B."""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(-1)


def log_normal(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log N(z; mu, diag exp(logvar)), summed over the last dimension."""
    return -0.5 * (LOG_2PI + logvar + (z - mu).pow(2) * torch.exp(-logvar)).sum(-1)


def log_standard_normal(z: torch.Tensor) -> torch.Tensor:
    """log N(z; 0, I), summed over the last dimension."""
    return -0.5 * (LOG_2PI + z.pow(2)).sum(-1)


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, eps: torch.Tensor | None = None) -> torch.Tensor:
    """z = mu + sigma * eps with eps ~ N(0, I): the sample is a differentiable function of (mu, sigma)."""
    if eps is None:
        eps = torch.randn_like(mu)
    return mu + torch.exp(0.5 * logvar) * eps


def bernoulli_log_likelihood(target01: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
    """log Bern(x; sigmoid(logits)) summed over (C, H, W), (B,). Targets in [0, 1]."""
    return -F.binary_cross_entropy_with_logits(logits, target01, reduction="none").flatten(1).sum(1)


def gaussian_log_likelihood(target: torch.Tensor, mean: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log N(x; mean, exp(logvar)) summed over (C, H, W), (B,); logvar broadcasts (a scalar is fine)."""
    logvar = logvar.expand_as(mean)
    return -0.5 * (LOG_2PI + logvar + (target - mean).pow(2) * torch.exp(-logvar)).flatten(1).sum(1)


def iwae_bound(log_weights: torch.Tensor) -> torch.Tensor:
    """log (1/k) sum_i w_i over the first dimension of (k, B) log-weights, (B,). Burda et al. 2016, eq. 8.

    With k = 1 this is the (single-sample) ELBO; it increases with k towards log p(x).
    """
    k = log_weights.shape[0]
    return torch.logsumexp(log_weights, dim=0) - math.log(k)


def beta_schedule(step: int, beta: float, warmup_steps: int) -> float:
    """KL weight at a training step: beta (Higgins et al. 2017), ramped linearly from 0 over
    `warmup_steps` (KL warm-up, Sønderby et al. 2016); warmup_steps = 0 means no ramp."""
    if warmup_steps <= 0:
        return beta
    return beta * min(1.0, step / warmup_steps)
