"""Walks through latent space: interpolation between two endpoints and a per-dimension traversal.

An endpoint is a seed (a prior draw, so it works for every family) or an image, which is encoded
(autoencoders and VAEs by their encoder, a GAN by latent optimisation). Spherical interpolation (slerp, Shoemake 1985; White 2016)
keeps a Gaussian latent at a typical norm, where linear interpolation passes near the origin.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from genlab.apps.images import labels_for, load_inputs
from genlab.apps.sample import MAX_SEED, latents_for_seeds
from genlab.errors import GenlabError
from genlab.viz import make_grid, save_gif, save_image


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation between rows a and b (1, L) at fractions t (S,): (S, L)."""
    a_n, b_n = a / a.norm(dim=-1, keepdim=True), b / b.norm(dim=-1, keepdim=True)
    omega = torch.acos((a_n * b_n).sum(-1).clamp(-1 + 1e-7, 1 - 1e-7))  # (1,)
    t = t[:, None]
    so = torch.sin(omega)
    if so.abs().item() < 1e-6:  # (anti)parallel: fall back to a straight line
        return (1 - t) * a + t * b
    return (torch.sin((1 - t) * omega) / so) * a + (torch.sin(t * omega) / so) * b


def lerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    return (1 - t[:, None]) * a + t[:, None] * b


def seed_latent(model, text: str, what: str, hint: str) -> torch.Tensor | None:
    """The latent (1, L) of a seed ("42"); None for anything else when the model can encode `what` (an image,
    a clip) to its latent, and a one-line error (ending in `hint`) when it cannot."""
    if text.lstrip("-").isdigit():
        if not 0 <= int(text) <= MAX_SEED:
            raise GenlabError(f"seed {text} is out of range; expected 0-{MAX_SEED}")
        return latents_for_seeds(model, [int(text)])
    if not hasattr(model, "encode"):
        raise GenlabError(f"'{text}' is not a seed, and a {type(model).__name__} has no encoder to map {what} "
                          f"to its latent; {hint}")
    return None


def endpoint(model, spec: str | int | torch.Tensor, label: int | None = None) -> torch.Tensor:
    """The latent (1, L) of a seed ("42") or of an image (a file or data spec; its first image is encoded);
    a latent tensor is returned as it is."""
    if isinstance(spec, torch.Tensor):
        return spec.reshape(1, -1).cpu()
    text = str(spec).strip()
    seeded = seed_latent(model, text, "an image", "use seeds (e.g. --from 0 --to 1)")
    if seeded is not None:
        return seeded
    images, labels = load_inputs(model, [text], n=1)
    device = next(model.parameters()).device
    lab = labels_for(model, labels, 1, label)
    # no torch.no_grad() here: a GAN's encode() optimises its latent (autoencoders' encode() needs none)
    return model.encode(images.to(device), lab.to(device) if lab is not None else None).detach().cpu()


def interpolate(model, start: str | int | torch.Tensor, end: str | int | torch.Tensor, steps: int = 10,
                spherical: bool = False, label: int | None = None) -> torch.Tensor:
    """Images (steps, C, H, W) in [-1, 1] decoded along the path from `start` to `end`."""
    if steps < 2:
        raise GenlabError(f"interpolation needs at least 2 steps, got {steps}")
    return interpolate_at(model, start, end, torch.linspace(0, 1, steps).tolist(), spherical, label)


def interpolate_at(model, start: str | int | torch.Tensor, end: str | int | torch.Tensor, fractions: list[float],
                   spherical: bool = False,
                   label: int | None = None) -> torch.Tensor:
    """Images (len(fractions), C, H, W) at the given fractions of the path (0: start, 1: end); one
    fraction is one frame of a slider."""
    bad = [f for f in fractions if not 0 <= f <= 1]
    if bad or not fractions:
        raise GenlabError(f"interpolation fraction {bad[0] if bad else 'list'} must be in [0, 1]" if bad
                          else "interpolation needs at least one fraction")
    z0, z1 = endpoint(model, start, label), endpoint(model, end, label)
    zs = (slerp if spherical else lerp)(z0, z1, torch.tensor(fractions, dtype=torch.float32))
    return _generate(model, zs, label)


def traverse(model, dims: list[int], low: float = -3.0, high: float = 3.0, steps: int = 7,
             base: str | int | torch.Tensor = 0, label: int | None = None) -> torch.Tensor:
    """Images (len(dims) * steps, C, H, W): row i sets latent dimension dims[i] to values from low to high,
    the others held at the base latent (a seed's prior draw or an encoded image)."""
    if steps < 1:
        raise GenlabError(f"a traversal needs at least 1 step, got {steps}")
    if not dims:
        raise GenlabError("a traversal needs at least one latent dimension")
    bad = [d for d in dims if not 0 <= d < model.latent_dim]
    if bad:
        raise GenlabError(f"latent dimension {bad[0]} is out of range; this model has 0-{model.latent_dim - 1}")
    z = endpoint(model, base, label)
    values = torch.linspace(low, high, steps)
    rows = []
    for d in dims:
        zs = z.repeat(steps, 1)
        zs[:, d] = values
        rows.append(zs)
    return _generate(model, torch.cat(rows), label)


def _generate(model, zs: torch.Tensor, label: int | None) -> torch.Tensor:
    device = next(model.parameters()).device
    num_classes = getattr(model, "num_classes", 0)
    labels = None
    if num_classes:
        labels = labels_for(model, None, len(zs), 0 if label is None else label).to(device)
    return model.generate(zs.to(device), labels).cpu()


def write_walk(images: torch.Tensor, png: str | Path, nrow: int, gif: str | Path | None = None,
               scale: int = 2) -> list[Path]:
    """The images as a PNG grid of `nrow` columns and, with `gif`, an animation that goes there and back."""
    written = [save_image(images, png, nrow=nrow, scale=scale)]
    if gif:
        frames = [make_grid(img[None], nrow=1, padding=0) for img in images]
        written.append(save_gif([np.asarray(f) for f in frames], gif, duration_ms=120, scale=4))
    return written


def encode_images(model, images: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
    """Latents (N, L) of images (N, C, H, W) in [-1, 1]: the encoder of an autoencoder or VAE, latent
    optimisation for a GAN; endpoints for interpolate() and traverse()."""
    if not hasattr(model, "encode"):
        raise GenlabError(f"a {type(model).__name__} has no encoder to map an image to its latent; use seeds")
    device = next(model.parameters()).device
    lab = labels.to(device) if labels is not None else None
    return model.encode(images.to(device), lab).detach().cpu()
