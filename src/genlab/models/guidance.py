"""Discriminator-guided sampling from a trained GAN: its discriminator corrects its generator.

For the minimax and non-saturating losses D's logit d(x) estimates log p_data(x) / p_G(x) (Goodfellow
et al. 2014, prop. 1), so after training D still knows where G's samples fall short. Two corrections:
  - best of r: each sample is the one of r draws that D rates most real (a deterministic ranking in the
    spirit of discriminator rejection sampling, Azadi et al. 2019);
  - Langevin steps in latent space on the energy E(z) = |z|^2 / 2 - d(G(z)) (DDLS, Che et al. 2020):
    z <- z - eps/2 * grad E(z) + sqrt(eps) * noise. With an optimal D its stationary distribution maps
    through G to p_data; a few dozen steps from the prior move samples toward what D rates real.
D runs in eval mode (BatchNorm's running statistics), so each image's score depends on it alone.
Sampling costs r x (1 + 2 x steps) generator-and-discriminator passes per image instead of one.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from genlab.errors import ConfigError


@dataclass(frozen=True)
class Guidance:
    best_of: int = 1             # draws per sample; D keeps the one it rates most real
    langevin_steps: int = 0      # Langevin steps on E(z) = |z|^2/2 - d(G(z)) before ranking
    step_size: float = 0.05      # the Langevin step eps (latent time per step)

    def validate(self) -> None:
        for name in ("best_of", "langevin_steps"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < (1 if name == "best_of" else 0):
                raise ConfigError(f"{name.replace('_', '-')} must be an integer >= "
                                  f"{1 if name == 'best_of' else 0}, got {value!r}")
        if not self.step_size > 0:
            raise ConfigError(f"step-size must be > 0, got {self.step_size!r}")

    @property
    def active(self) -> bool:
        return self.best_of > 1 or self.langevin_steps > 0

    def describe(self) -> str:
        """A short tag for results: 'best-of-2+ld40x0.05', 'plain' when it changes nothing."""
        parts = ([f"best-of-{self.best_of}"] if self.best_of > 1 else []) + (
            [f"ld{self.langevin_steps}x{self.step_size:g}"] if self.langevin_steps else [])
        return "+".join(parts) or "plain"


def guided_latents(generator: nn.Module, discriminator: nn.Module, z: torch.Tensor,
                   labels: torch.Tensor | None, guidance: Guidance,
                   noise: torch.Tensor | None = None) -> torch.Tensor:
    """Latents (n, dim) chosen from candidates z (n, r, dim), r = guidance.best_of.

    `noise` (steps, n, r, dim), standard normal, drives the Langevin steps; the caller draws it from its
    own torch.Generator so that sampling stays reproducible.
    """
    n, r, dim = z.shape
    flat_labels = None if labels is None else labels.repeat_interleave(r)  # (n * r,)
    was_training = generator.training, discriminator.training
    generator.eval()
    discriminator.eval()
    params = [p for p in (*generator.parameters(), *discriminator.parameters()) if p.requires_grad]
    for p in params:
        p.requires_grad_(False)
    try:
        x = z.reshape(n * r, dim)
        eps = guidance.step_size
        with torch.enable_grad():  # callers sample under no_grad
            for step in range(guidance.langevin_steps):
                x = x.detach().requires_grad_(True)
                energy = 0.5 * x.pow(2).sum() - discriminator(generator(x, flat_labels), flat_labels).sum()
                (grad,) = torch.autograd.grad(energy, x)
                x = x - eps / 2 * grad + eps ** 0.5 * noise[step].reshape(n * r, dim).to(x)
        x = x.detach()
        if r == 1:
            return x
        with torch.no_grad():
            logits = discriminator(generator(x, flat_labels), flat_labels).reshape(n, r)
        best = logits.argmax(dim=1)  # (n,)
        return x.reshape(n, r, dim)[torch.arange(n), best]
    finally:
        for p in params:
            p.requires_grad_(True)
        generator.train(was_training[0])
        discriminator.train(was_training[1])
