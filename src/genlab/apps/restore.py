"""Restoration with an autoencoder or VAE: reconstruct, denoise, inpaint. Images are float (N, C, H, W)
in [-1, 1]; every function returns images of the same shape.

Inpainting fills a hole by iterating encode -> decode -> paste the known pixels back, so the known
pixels are kept exactly and the hole converges to what the model finds consistent with them. A GAN
run works too, through its encode() (latent optimisation): its inpainting fits the known pixels only.
"""
from __future__ import annotations

import contextlib
import inspect
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from genlab.apps.progress import Cancel, Progress, step
from genlab.data.corrupt import parse_corruption
from genlab.data.images import read_image
from genlab.errors import GenlabError
from genlab.io import atomic_path
from genlab.viz import save_image, to_uint8


def _reconstructor(model):
    """x, labels -> images: the model's reconstruct(), or decode(encode()) (a GAN inverts its generator)."""
    if hasattr(model, "reconstruct"):
        return model.reconstruct
    if hasattr(model, "encode") and hasattr(model, "decode"):
        return lambda x, labels: model.decode(model.encode(x, labels), labels)
    raise GenlabError(f"a {type(model).__name__} run has no encoder; reconstruct, denoise and inpaint "
                      "need an ae or vae run (any run can interpolate between seeds)")


def _takes_known(model) -> bool:
    """Whether encode() can fit the known pixels only (GAN inversion does; encoders see whole images)."""
    return "known" in inspect.signature(model.encode).parameters


def _batched(model, fn, images: torch.Tensor, labels, batch_size: int = 256, progress: Progress | None = None,
             cancel: Cancel | None = None) -> torch.Tensor:
    device = next(model.parameters()).device
    out = []
    for i in range(0, len(images), batch_size):
        step(i, len(images), progress, cancel)
        lab = labels[i:i + batch_size].to(device) if labels is not None else None
        with torch.no_grad() if hasattr(model, "reconstruct") else contextlib.nullcontext():
            out.append(fn(images[i:i + batch_size].to(device), lab).detach().cpu())
    return torch.cat(out)


def reconstruct(model, images: torch.Tensor, labels: torch.Tensor | None = None, *,
                progress: Progress | None = None, cancel: Cancel | None = None) -> torch.Tensor:
    """decode(encode(x))."""
    return _batched(model, _reconstructor(model), images, labels, progress=progress, cancel=cancel)


def denoise(model, images: torch.Tensor, noise: str = "gaussian:0.5", labels: torch.Tensor | None = None,
            seed: int = 0, *, progress: Progress | None = None, cancel: Cancel | None = None
            ) -> tuple[torch.Tensor, torch.Tensor]:
    """(noisy, denoised): corrupt the images with `noise` (see genlab.data.corrupt), then reconstruct."""
    fn = _reconstructor(model)
    corruption = parse_corruption(noise)
    noisy = corruption(images, torch.Generator().manual_seed(seed))[0] if corruption else images
    return noisy, _batched(model, fn, noisy, labels, progress=progress, cancel=cancel)


def make_mask(spec: str, n: int, height: int, width: int, seed: int = 0) -> torch.Tensor:
    """known (n, 1, H, W) bool: False in the hole. center (the middle half square, 14x14 of 28x28),
    left / right / top / bottom (that half), random:P (each pixel missing with probability P), or a PNG
    file whose white (> 127) pixels mark the hole."""
    known = torch.ones(n, 1, height, width, dtype=torch.bool)
    if spec == "center":
        h0, w0 = height // 4, width // 4
        known[..., h0:h0 + height // 2, w0:w0 + width // 2] = False
    elif spec in ("left", "right", "top", "bottom"):
        half = {"left": (slice(None), slice(0, width // 2)), "right": (slice(None), slice(width // 2, None)),
                "top": (slice(0, height // 2), slice(None)), "bottom": (slice(height // 2, None), slice(None))}[spec]
        known[..., half[0], half[1]] = False
    elif spec.startswith("random:"):
        p = _mask_probability(spec)
        known = torch.rand(n, 1, height, width, generator=torch.Generator().manual_seed(seed)) >= p
    elif _is_mask_file(spec):
        hole = read_image(spec, "L")[0].numpy() > 127
        if hole.shape != (height, width):
            raise GenlabError(f"mask '{spec}' is {hole.shape[1]}x{hole.shape[0]}, but the images are {width}x{height}")
        known = torch.from_numpy(~hole)[None, None].expand(n, 1, height, width).clone()
    else:
        raise GenlabError(f"mask '{spec}' is unknown; known: center, left, right, top, bottom, random:P, "
                          "or a PNG file whose white pixels mark the hole")
    return known


_MASK_NAMES = ("center", "left", "right", "top", "bottom")


def _mask_probability(spec: str) -> float:
    try:
        p = float(spec.split(":", 1)[1])
    except ValueError:
        raise GenlabError(f"mask '{spec}' needs a probability, e.g. random:0.5") from None
    if not 0 <= p <= 1:
        raise GenlabError(f"mask '{spec}': the probability must be in [0, 1], got {p:g}")
    return p


def _is_mask_file(spec: str) -> bool:
    return Path(spec).exists() or Path(spec).suffix.lower() in (".png", ".bmp", ".gif", ".jpg", ".jpeg", ".webp")


def check_mask_spec(spec: str) -> None:
    """Check a mask spec (make_mask's) before any work: a known name, random:P with P in [0, 1], or a
    readable image file."""
    if spec in _MASK_NAMES:
        return
    if spec.startswith("random:"):
        _mask_probability(spec)
    elif _is_mask_file(spec):
        read_image(spec, "L")
    else:
        raise GenlabError(f"mask '{spec}' is unknown; known: center, left, right, top, bottom, random:P, "
                          "or a PNG file whose white pixels mark the hole")


def inpaint(model, images: torch.Tensor, known: torch.Tensor, iterations: int = 1,
            labels: torch.Tensor | None = None, fill: float = -1.0, *, progress: Progress | None = None,
            cancel: Cancel | None = None) -> torch.Tensor:
    """Fill the pixels where `known` is False; the known pixels are returned exactly as given.

    The hole starts at `fill` (-1: black, as the corruptions drop pixels, so a DAE trained on `block` or
    `mask` sees what it was trained on) and is replaced `iterations` times by the model's reconstruction
    of the current image, with the known pixels pasted back after every pass. One pass suits a DAE
    trained on holes; more passes help models that were not (see benchmarks/RESULTS.md).
    """
    fn = _reconstructor(model)
    if iterations < 1:
        raise GenlabError(f"inpainting needs at least 1 iteration, got {iterations}")
    if not hasattr(model, "reconstruct") and _takes_known(model):  # GAN: fit the known pixels only, once
        device = next(model.parameters()).device
        lab = labels.to(device) if labels is not None else None
        z = model.encode(images.to(device), lab, known=known.to(device))
        return torch.where(known.expand_as(images), images, model.decode(z, lab).detach().cpu())
    known = known.expand_as(images)
    current = torch.where(known, images, torch.full_like(images, fill))
    for i in range(iterations):
        step(i, iterations, progress, cancel)
        current = torch.where(known, images, _batched(model, fn, current, labels, cancel=cancel))
    step(iterations, iterations, progress, None)
    return current


@dataclass
class Restoration:
    """What a restoration shows: named columns of images (input | corrupted | output), each (N, C, H, W)
    in [-1, 1], and its quality numbers (PSNR in dB against the input)."""
    columns: dict[str, torch.Tensor]
    quality: dict


def reconstruct_report(model, images: torch.Tensor, labels: torch.Tensor | None = None, **callbacks) -> Restoration:
    """reconstruct(), with its reconstruction metrics."""
    from genlab.metrics.image import reconstruction_metrics

    output = reconstruct(model, images, labels, **callbacks)
    return Restoration({"input": images, "output": output}, reconstruction_metrics(output, images))


def denoise_report(model, images: torch.Tensor, noise: str = "gaussian:0.5", labels: torch.Tensor | None = None,
                   seed: int = 0, **callbacks) -> Restoration:
    """denoise(), with the PSNR of the noisy and of the denoised images against the clean ones."""
    from genlab.metrics.image import psnr

    noisy, output = denoise(model, images, noise, labels, seed=seed, **callbacks)
    quality = {"psnr_noisy": float(psnr(noisy, images).mean()), "psnr_denoised": float(psnr(output, images).mean())}
    return Restoration({"input": images, "noisy": noisy, "output": output}, quality)


def inpaint_report(model, images: torch.Tensor, known: torch.Tensor, iterations: int = 1,
                   labels: torch.Tensor | None = None, **callbacks) -> Restoration:
    """inpaint(), with the PSNR inside the hole and whether the known pixels were kept exactly; the
    masked column shows the hole grey."""
    from genlab.metrics.image import psnr

    output = inpaint(model, images, known, iterations=iterations, labels=labels, **callbacks)
    known_all = known.expand_as(images)
    masked = torch.where(known_all, images, torch.zeros_like(images))
    quality = {"psnr_hole": float(psnr(output, images, ~known).mean()),
               "known_pixels_kept": bool(torch.equal(output[known_all], images[known_all]))}
    return Restoration({"input": images, "masked": masked, "output": output}, quality)


def write_strips(columns: dict[str, torch.Tensor], png: str | Path, npz: str | Path | None = None,
                 scale: int = 2) -> list[Path]:
    """One row per image with the columns side by side (e.g. input | corrupted | output), as a PNG,
    and the columns as uint8 arrays (N, H, W[, C]) in an npz."""
    stacked = torch.stack(list(columns.values()), dim=1).flatten(0, 1)  # (N * cols, C, H, W)
    written = [save_image(stacked, png, nrow=len(columns), scale=scale)]
    if npz:
        arrays = {}
        for name, images in columns.items():
            arr = to_uint8(images).permute(0, 2, 3, 1).numpy()
            arrays[name] = arr[..., 0] if arr.shape[-1] == 1 else arr
        with atomic_path(npz) as tmp:
            with open(tmp, "wb") as f:
                np.savez_compressed(f, **arrays)
        written.append(Path(npz))
    return written
