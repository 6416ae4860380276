"""The one image reader: training folders, the apps, eval folders and uploads all open images here.

    img = read_image("photo.jpg")                 # uint8 (C, H, W): C = 1 (gray), 3 (RGB) or 4 (RGBA)
    img = read_image("digit.png", mode="L")       # converted to one channel
    pil = open_image("photo.jpg")                 # a checked, loaded, upright PIL image

Every failure is a DataError naming the file: missing, a folder, not an image, damaged, or larger than
`max_pixels` (checked from the header, before any pixel is decoded: a decompression-bomb guard).
EXIF orientation is applied; 16-bit images are scaled to 8 bits.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from genlab.errors import DataError

EXTENSIONS = (".bmp", ".jpeg", ".jpg", ".png", ".webp", ".tif", ".tiff")
# 8192 x 8192: a large photo, well above DIV2K's 2K frames, and 256 MiB as uint8 RGBA.
# GENLAB_MAX_PIXELS raises (or lowers) it.
DEFAULT_MAX_PIXELS = 8192 * 8192
MODES = (None, "L", "RGB", "RGBA")


def max_pixels() -> int:
    """The size limit in force: $GENLAB_MAX_PIXELS, else DEFAULT_MAX_PIXELS."""
    value = os.environ.get("GENLAB_MAX_PIXELS", "")
    try:
        return int(value) if value else DEFAULT_MAX_PIXELS
    except ValueError:
        raise DataError(f"GENLAB_MAX_PIXELS '{value}' is not a whole number of pixels") from None


def _to_8bit(img: Image.Image) -> Image.Image:
    if img.mode.startswith("I;16") or img.mode in ("I", "F"):
        pixels = np.asarray(img, dtype=np.float64)
        top = 65535.0 if img.mode != "F" or pixels.max() > 1.0 else 1.0
        return Image.fromarray(np.clip(pixels / top * 255, 0, 255).round().astype(np.uint8))
    return img


def open_image(path: str | os.PathLike, *, limit: int | None = None) -> Image.Image:
    """A loaded PIL image, upright (EXIF), 8 bits per channel; DataError for anything unreadable."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"image '{path}' does not exist")
    if path.is_dir():
        raise DataError(f"'{path}' is a folder; expected an image file ({', '.join(EXTENSIONS)})")
    limit = max_pixels() if limit is None else limit
    try:
        with Image.open(path) as img:
            width, height = img.size
            if width * height > limit:
                raise DataError(f"image '{path}' declares {width}x{height} pixels, over the limit of {limit:,} "
                                f"(set GENLAB_MAX_PIXELS to allow larger images)")
            img.load()
            img = ImageOps.exif_transpose(img)
            return _to_8bit(img)
    except DataError:
        raise
    except UnidentifiedImageError:
        raise DataError(f"'{path}' is not an image genlab can read; expected {', '.join(EXTENSIONS)}") from None
    except Image.DecompressionBombError as exc:  # PIL's own guard, in Image.open: above twice its limit
        raise DataError(f"image '{path}' declares over the limit of {limit:,} pixels ({exc}); a decompression-"
                        "bomb guard") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise DataError(f"image '{path}' is damaged or unreadable ({type(exc).__name__}: {exc})") from None


def _natural_mode(img: Image.Image) -> str:
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        return "RGBA"
    return "L" if img.mode in ("1", "L", "I", "F") else "RGB"


def read_image(path: str | os.PathLike, mode: str | None = None, *, limit: int | None = None) -> torch.Tensor:
    """uint8 (C, H, W). `mode`: None keeps gray as 1 channel, colour as 3 and transparency as 4;
    "L", "RGB" or "RGBA" convert (transparency is flattened onto white for "L" and "RGB")."""
    if mode not in MODES:
        raise DataError(f"image mode '{mode}' is unknown; expected one of L, RGB, RGBA (or none)")
    img = open_image(path, limit=limit)
    target = mode or _natural_mode(img)
    if target != "RGBA" and _natural_mode(img) == "RGBA":
        rgba = img.convert("RGBA")
        img = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
    pixels = np.asarray(img.convert(target), dtype=np.uint8)
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    return torch.from_numpy(pixels.transpose(2, 0, 1).copy())


def save_image_uint8(image: torch.Tensor, path: str | os.PathLike) -> None:
    """Write uint8 (C, H, W), C in 1, 3, 4, as PNG atomically."""
    from genlab.io import atomic_path

    if image.dtype != torch.uint8 or image.ndim != 3 or image.shape[0] not in (1, 3, 4):
        raise DataError(f"an image to save must be uint8 (C, H, W) with C 1, 3 or 4, got {image.dtype} "
                        f"{tuple(image.shape)}")
    pixels = image.permute(1, 2, 0).cpu().numpy()
    img = Image.fromarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels)
    with atomic_path(path) as tmp:
        img.save(tmp, format="PNG")
