"""Likelihood metrics of latent-variable models on a set of real images (uint8 NCHW, e.g. a test split):

    elbo_test(model, images)            -> {"elbo": ...}      the ELBO, one sampled z, analytic KL
    nll_iwae(model, images, k=5000)     -> {"nll5000": ...}   -log p(x) by the IWAE estimate (Burda et al. 2016)
    reconstruction(model, images)       -> {"mse", "psnr", "ssim"} of encode -> decode

Units follow the data: with a Bernoulli decoder the images are binarized once from a fixed seed and the
numbers are nats per image (Burda et al.'s protocol); with a Gaussian decoder the 8-bit pixels are
uniformly dequantized and the numbers are bits per dimension of the 8-bit data,
(-log p(x in [0,1]^D) + D ln 256) / (D ln 2), a bound on the discrete likelihood. The estimate is
batched over images and importance samples, so memory stays bounded whatever k is.
"""
from __future__ import annotations

import math

import torch
from tqdm import tqdm

from ..errors import GenlabError
from .image import reconstruction_metrics
from .protocols import protocols_of_kind


def _device(model) -> torch.device:
    return next(model.parameters()).device


def likelihood_units(model) -> str:
    """'nats' (Bernoulli decoder, binarized images) or 'bits/dim' (Gaussian decoder, 8-bit pixels)."""
    if not hasattr(model, "log_likelihood"):
        raise GenlabError(f"{type(model).__name__} has no likelihood: elbo and nll need a VAE run")
    return "nats" if model.cfg.decoder == "bernoulli" else "bits/dim"


def prepare_images(model, images: torch.Tensor, seed: int = 0) -> torch.Tensor:
    """uint8 (N, C, H, W) -> float [-1, 1] the way the likelihood is measured: binarized by a fixed seed
    (Bernoulli decoder) or uniformly dequantized (Gaussian decoder)."""
    g = torch.Generator().manual_seed(seed)
    if likelihood_units(model) == "nats":
        x01 = torch.bernoulli(images.double() / 255, generator=g)
    else:
        x01 = (images.double() + torch.rand(images.shape, generator=g, dtype=torch.float64)) / 256
    return (x01 * 2 - 1).float()


def _to_units(model, log_px: torch.Tensor) -> float:
    """Mean negative log-likelihood in the model's units from per-image log-densities (nats)."""
    nll = -log_px.double().mean().item()
    if likelihood_units(model) == "nats":
        return nll
    d = math.prod(model.img_shape)
    return (nll + d * math.log(256)) / (d * math.log(2))


def _batches(images, labels, batch_size, device, desc, progress):
    for start in tqdm(range(0, len(images), batch_size), desc=desc, disable=not progress, leave=False):
        lab = labels[start:start + batch_size].to(device) if labels is not None else None
        yield images[start:start + batch_size].to(device), lab


def elbo_test(model, images: torch.Tensor, labels: torch.Tensor | None = None, *, batch_size: int = 500,
              seed: int = 0, progress: bool = False) -> dict[str, float]:
    """{"elbo": mean negative ELBO, "elbo_units"} over the images: an upper bound on the NLL."""
    x_all = prepare_images(model, images, seed)
    g = torch.Generator().manual_seed(seed + 1)
    values = [model.elbo(x, lab, generator=g).cpu()
              for x, lab in _batches(x_all, labels, batch_size, _device(model), "elbo", progress)]
    return {"elbo": _to_units(model, torch.cat(values)), "elbo_units": likelihood_units(model)}


def nll_iwae(model, images: torch.Tensor, labels: torch.Tensor | None = None, *, k: int = 5000,
             batch_size: int = 20, chunk: int = 1000, seed: int = 0, progress: bool = False) -> dict[str, float]:
    """{"nll<k>": mean -log p(x) by the IWAE estimate with k importance samples, "nll<k>_units"}.

    Memory holds batch_size * chunk decoded images at a time, whatever k.
    """
    x_all = prepare_images(model, images, seed)
    g = torch.Generator().manual_seed(seed + 2)
    values = [model.log_likelihood(x, k=k, labels=lab, chunk=chunk, generator=g).cpu()
              for x, lab in _batches(x_all, labels, batch_size, _device(model), f"nll{k}", progress)]
    return {f"nll{k}": _to_units(model, torch.cat(values)), f"nll{k}_units": likelihood_units(model)}


@torch.no_grad()
def reconstruction(model, images: torch.Tensor, labels: torch.Tensor | None = None, *,
                   batch_size: int = 500) -> dict[str, float]:
    """Mean MSE, PSNR (dB) and SSIM of encode -> decode against the input, pixels in [0, 1]."""
    if not hasattr(model, "reconstruct"):
        raise GenlabError(f"{type(model).__name__} cannot reconstruct: it has no encoder")
    device = _device(model)
    sums: dict[str, float] = {}
    for start in range(0, len(images), batch_size):
        x = images[start:start + batch_size].to(device).float() / 127.5 - 1
        lab = labels[start:start + batch_size].to(device) if labels is not None and model.num_classes else None
        for key, value in reconstruction_metrics(model.reconstruct(x, lab), x).items():
            sums[key] = sums.get(key, 0.0) + value * len(x)
    return {key: value / len(images) for key, value in sums.items()}


# name -> what it measures: the "real" protocols of the one table (protocols.PROTOCOLS)
LIKELIHOOD_PROTOCOLS = {name: p.description for name, p in protocols_of_kind("real").items()}


def evaluate_likelihood(model, images: torch.Tensor, labels: torch.Tensor | None, names: list[str], *,
                        progress: bool = False) -> dict[str, float | str]:
    """The named protocols of kind "real" (likelihood, reconstruction) on real uint8 images:
    {"elbo": ..., "nll5000": ..., "psnr": ..., ...}, in the table's order."""
    real = protocols_of_kind("real")
    unknown_names = [n for n in names if n not in real]
    if unknown_names:
        raise GenlabError(f"likelihood protocol '{unknown_names[0]}' is unknown; known: {', '.join(real)}")
    labels = labels if getattr(model, "num_classes", 0) else None
    out: dict[str, float | str] = {}
    for name, p in real.items():
        if name in names:
            out.update(p.run(model, images, labels, progress=progress))
    return out
