"""Pictures: image grids, strips and GIFs from [-1, 1] tensors, and loss-curve plots."""
from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from PIL import Image

from genlab.io import atomic_path


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """[-1, 1] float (N, C, H, W) -> uint8 (N, C, H, W), rounding to the nearest level."""
    return ((images.detach().float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).cpu()


def make_grid(images: torch.Tensor, nrow: int | None = None, padding: int = 2, pad_value: int = 0) -> np.ndarray:
    """uint8 (H', W', C) grid of a batch; float input is taken to be in [-1, 1]."""
    if images.dtype != torch.uint8:
        images = to_uint8(images)
    n, c, h, w = images.shape
    nrow = nrow or math.ceil(math.sqrt(n))
    ncol = math.ceil(n / nrow)
    grid = np.full((ncol * (h + padding) + padding, nrow * (w + padding) + padding, c), pad_value, np.uint8)
    arr = images.permute(0, 2, 3, 1).numpy()
    for i in range(n):
        r, col = divmod(i, nrow)
        y, x = padding + r * (h + padding), padding + col * (w + padding)
        grid[y:y + h, x:x + w] = arr[i]
    return grid


def to_pil(array: np.ndarray, scale: int = 1) -> Image.Image:
    img = Image.fromarray(array[..., 0] if array.shape[-1] == 1 else array)
    if scale > 1:
        img = img.resize((img.width * scale, img.height * scale), Image.NEAREST)
    return img


def save_image(array_or_images, path: str | os.PathLike, nrow: int | None = None, scale: int = 1) -> Path:
    """Write a grid (or one image array) as PNG, atomically."""
    array = make_grid(array_or_images, nrow) if isinstance(array_or_images, torch.Tensor) else array_or_images
    path = Path(path)
    with atomic_path(path) as tmp:
        to_pil(array, scale).save(tmp, format=_format(path))
    return path


def save_gif(frames: Sequence[np.ndarray], path: str | os.PathLike, duration_ms: int = 100, scale: int = 1) -> Path:
    path = Path(path)
    pics = [to_pil(f, scale) for f in frames]
    with atomic_path(path) as tmp:
        pics[0].save(tmp, format="GIF", save_all=True, append_images=pics[1:] + pics[-2:0:-1],
                     duration=duration_ms, loop=0)
    return path


def _format(path: Path) -> str:
    ext = path.suffix.lower().lstrip(".")
    return {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "bmp": "BMP", "gif": "GIF"}.get(ext, "PNG")


def plot_curves(records: list[dict], path: str | os.PathLike, x_key: str = "step") -> Path | None:
    """One panel per logged quantity against the step; losses share the first panel."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = sorted({k for r in records for k, v in r.items()
                   if k not in (x_key, "time", "images", "epoch", "img_per_s", "lr") and isinstance(v, (int, float))})
    if not records or not keys:
        return None
    loss_keys = [k for k in keys if k.startswith("loss")]
    other = [k for k in keys if k not in loss_keys]
    panels = ([loss_keys] if loss_keys else []) + [[k] for k in other]
    fig, axes = plt.subplots(1, len(panels), figsize=(4.5 * len(panels), 3.4), squeeze=False)
    for ax, panel in zip(axes[0], panels):
        for k in panel:
            pts = [(r[x_key], r[k]) for r in records if k in r]
            ax.plot([p[0] for p in pts], [p[1] for p in pts], label=k, lw=1.2)
        ax.set_xlabel(x_key)
        ax.set_title(", ".join(panel) if len(panel) < 3 else "losses")
        ax.grid(alpha=0.3)
        if len(panel) > 1:
            ax.legend()
    fig.tight_layout()
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)
    return path
