"""Sampling by seed: each image depends only on its own seed, whatever the batch size."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import torch

from genlab.apps.progress import Cancel, Progress, step
from genlab.errors import GenlabError
from genlab.io import atomic_path
from genlab.viz import save_image, to_uint8


MAX_SEED = 2**63 - 1      # torch.Generator.manual_seed takes 64-bit seeds
MAX_LIST = 1_000_000      # numbers one list may name: a million images is already hours of sampling


def parse_range_list(text: str, what: str = "seeds", limit: int = MAX_SEED, max_count: int = MAX_LIST) -> list[int]:
    """'0-63' -> [0..63]; '1,5,10-12' -> [1, 5, 10, 11, 12]; numbers in 0-limit, at most max_count of them."""
    out: list[int] = []
    for part in str(text).split(","):
        part = part.strip()
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not m:
            raise GenlabError(f"{what} '{text}' is not a list of numbers >= 0 and ranges like 0-63,100")
        lo, hi = int(m.group(1)), int(m.group(2) if m.group(2) is not None else m.group(1))
        if hi < lo:
            raise GenlabError(f"{what} range '{part}' ends before it starts")
        if hi > limit:
            raise GenlabError(f"{what} '{part}' goes beyond {limit}, the largest allowed")
        if len(out) + hi - lo + 1 > max_count:
            raise GenlabError(f"{what} '{text}' names more than {max_count:,} numbers; ask for fewer")
        out.extend(range(lo, hi + 1))
    return out


def parse_seeds(text: str) -> list[int]:
    """Seeds from '0-63' / '1,5,10-12': each in 0 to 2**63-1, at most a million."""
    return parse_range_list(text, "seeds", MAX_SEED)


def check_truncation(truncation: float | None) -> None:
    """A truncation threshold is None (none) or > 0."""
    if truncation is not None and not truncation > 0:
        raise GenlabError(f"truncation must be > 0, got {truncation}")


def latents_for_seeds(model, seeds: list[int], truncation: float | None = None) -> torch.Tensor:
    """One prior draw per seed, (n, latent_dim), each from its own torch.Generator."""
    extra = {"truncation": truncation} if truncation is not None else {}
    check_truncation(truncation)
    return torch.cat([model.prior(1, generator=torch.Generator().manual_seed(s), **extra) for s in seeds])


def guided_latents_for_seeds(model, seeds: list[int], guidance, truncation: float | None = None
                             ) -> tuple[torch.Tensor, torch.Tensor]:
    """Per seed, from its own torch.Generator: best_of candidate latents and their Langevin noise.
    Returns (n, best_of, dim) and (steps, n, best_of, dim)."""
    extra = {"truncation": truncation} if truncation is not None else {}
    z, noise = [], []
    for s in seeds:
        g = torch.Generator().manual_seed(s)
        z.append(model.prior(guidance.best_of, generator=g, **extra).cpu()[None])
        noise.append(torch.randn((guidance.langevin_steps, 1, guidance.best_of, model.latent_dim), generator=g))
    return torch.cat(z), torch.cat(noise, dim=1)


def sample_seeds(model, seeds: list[int], labels: list[int] | None = None, batch_size: int = 256,
                 truncation: float | None = None, guidance=None, progress: Progress | None = None,
                 cancel: Cancel | None = None) -> torch.Tensor:
    """Images (n, C, H, W) in [-1, 1] for the given seeds (and class labels, cycled, for conditional models);
    `guidance` (GANs: models/guidance.py) lets the discriminator pick and move each seed's latents.
    progress(done, total) after each batch; cancel() -> True stops with apps.progress.Cancelled."""
    num_classes = getattr(model, "num_classes", 0)
    if labels is not None and not num_classes:
        raise GenlabError("--labels was given, but this model is not class-conditional")
    label_tensor = None
    if num_classes:
        labels = labels if labels is not None else list(range(num_classes))
        bad = [c for c in labels if not 0 <= c < num_classes]
        if bad:
            raise GenlabError(f"label {bad[0]} is out of range; this model has classes 0-{num_classes - 1}")
        label_tensor = torch.tensor([labels[i % len(labels)] for i in range(len(seeds))])
    device = next(model.parameters()).device
    guided = guidance is not None and guidance.active
    check_truncation(truncation)
    if truncation is not None and not hasattr(model, "guide"):
        raise GenlabError(f"--truncation {truncation:g} applies to GAN runs; this model is a {type(model).__name__}")
    if guided and not hasattr(model, "guide"):
        raise GenlabError(f"discriminator guidance needs a GAN run; this model is a {type(model).__name__}")
    if guided:
        z, noise = guided_latents_for_seeds(model, seeds, guidance, truncation)
        z = z.to(device)
    else:
        z = latents_for_seeds(model, seeds, truncation).to(device)
    chunks = []
    for i in range(0, len(seeds), batch_size):
        step(i, len(seeds), progress, cancel)
        lab = label_tensor[i:i + batch_size].to(device) if label_tensor is not None else None
        latents = (model.guide(z[i:i + batch_size], lab, guidance, noise[:, i:i + batch_size]) if guided
                   else z[i:i + batch_size])
        chunks.append(model.generate(latents, lab).cpu())
    step(len(seeds), len(seeds), progress, None)
    return torch.cat(chunks)


def write_samples(images: torch.Tensor, *, grid: str | Path | None = None, individual: str | Path | None = None,
                  npz: str | Path | None = None, seeds: list[int] | None = None, nrow: int | None = None) -> list[Path]:
    """Write a PNG grid, one PNG per image, and/or an npz of uint8 images (x: N,H,W[,C])."""
    written: list[Path] = []
    if grid:
        written.append(save_image(images, grid, nrow=nrow))
    if individual:
        folder = Path(individual)
        folder.mkdir(parents=True, exist_ok=True)
        names = seeds if seeds is not None else range(len(images))
        for name, img in zip(names, images):
            written.append(save_image(img[None], folder / f"seed{name:06d}.png", nrow=1))
    if npz:
        arr = to_uint8(images).permute(0, 2, 3, 1).numpy()
        arr = arr[..., 0] if arr.shape[-1] == 1 else arr
        path = Path(npz)
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as f:
                np.savez_compressed(f, x=arr, seeds=np.asarray(seeds if seeds is not None else [], dtype=np.int64))
        written.append(path)
    return written
