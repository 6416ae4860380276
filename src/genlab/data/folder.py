"""A folder of images (png, jpg/jpeg, webp, bmp), searched recursively.

Labels come from first-level subfolder names (sorted -> 0, 1, ...) when every image sits in one and
there are at least two; otherwise the set is unlabeled. Each image is centre-cropped to a square and
resized to `resolution` (the same as shorter side to `resolution`, then a centre crop), and converted
to gray (channels=1) or RGB (channels=3); transparency is flattened onto white.
"""
from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from genlab.errors import DataError

log = logging.getLogger(__name__)

EXTENSIONS = (".bmp", ".jpeg", ".jpg", ".png", ".webp")
THREADS_ABOVE = 64  # decode in a thread pool above this many files (PIL releases the GIL)


def list_images(root: Path) -> list[Path]:
    """Image files under `root`, recursively, skipping hidden entries; sorted by relative path."""
    found, seen = [], set()
    for folder, dirs, files in os.walk(root, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen:  # a symlink loop
            dirs[:] = []
            continue
        seen.add(real)
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found += [Path(folder, f) for f in files if not f.startswith(".") and f.lower().endswith(EXTENSIONS)]
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def labels_from_subfolders(root: Path, files: list[Path]) -> tuple[np.ndarray | None, list[str] | None]:
    """(labels, class names) from first-level subfolders, or (None, None) when unlabeled."""
    parts = [f.relative_to(root).parts for f in files]
    if any(len(p) == 1 for p in parts):
        log.info("images in the root of '%s' too: treating the folder as unlabeled", root)
        return None, None
    class_names = sorted({p[0] for p in parts})
    if len(class_names) < 2:
        return None, None
    index = {name: i for i, name in enumerate(class_names)}
    return np.array([index[p[0]] for p in parts], dtype=np.int64), class_names


def decode_image(path: Path, resolution: int, channels: int) -> np.ndarray:
    """(C, resolution, resolution) uint8 from one image file."""
    mode = "L" if channels == 1 else "RGB"
    with Image.open(path) as img:
        img.draft(mode, (resolution, resolution))  # JPEG: decode at a reduced scale, never below the target
        img = ImageOps.exif_transpose(img)
        if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
            rgba = img.convert("RGBA")  # flatten transparency onto white rather than onto garbage
            img = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
        elif img.mode.startswith("I;16"):
            img = Image.fromarray((np.asarray(img, dtype=np.float32) / 257).round().astype(np.uint8))
        img = img.convert(mode)
        side = min(img.size)
        left, top = (img.width - side) // 2, (img.height - side) // 2
        # crop first, so no pixel from outside the square bleeds in through the resize filter
        img = img.crop((left, top, left + side, top + side)).resize((resolution, resolution), Image.Resampling.BICUBIC)
        pixels = np.asarray(img, dtype=np.uint8)
    return pixels[None] if channels == 1 else pixels.transpose(2, 0, 1)


def load_folder(path: str, resolution: int = 64, channels: int = 3, strict: bool = False
                ) -> tuple[np.ndarray, np.ndarray | None, list[str] | None]:
    """(images (N, C, R, R) uint8, labels or None, class names or None) from a folder of images.

    Unreadable images are skipped with one warning line, or raise a DataError when `strict`.
    """
    root = Path(path)
    if not root.exists():
        raise DataError(f"image folder '{root}' does not exist")
    if not root.is_dir():
        raise DataError(f"'{root}' is not a folder; expected a folder of images ({', '.join(EXTENSIONS)})")
    if channels not in (1, 3) or resolution < 1:
        raise DataError(f"folder images need channels 1 or 3 and a positive resolution, got {channels}, {resolution}")
    files = list_images(root)
    if not files:
        raise DataError(f"image folder '{root}' holds no images ({', '.join(EXTENSIONS)}), searched recursively")

    images = np.empty((len(files), channels, resolution, resolution), dtype=np.uint8)
    failures: list[tuple[int, str]] = []  # (file index, reason)

    def decode_into(i: int) -> None:
        try:
            images[i] = decode_image(files[i], resolution, channels)
        except Exception as e:  # PIL raises many types for broken files; any of them means unreadable
            failures.append((i, f"{type(e).__name__}: {e}"))

    if len(files) > THREADS_ABOVE:
        with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
            list(pool.map(decode_into, range(len(files))))
    else:
        for i in range(len(files)):
            decode_into(i)

    labels, class_names = labels_from_subfolders(root, files)
    if failures:
        failures.sort()
        first_path, first_reason = files[failures[0][0]], failures[0][1]
        if strict:
            raise DataError(f"cannot read image '{first_path}': {first_reason}")
        first = f"first: {first_path} ({first_reason})"
        if len(failures) == len(files):
            raise DataError(f"no readable images in '{root}': all {len(files)} failed, {first}")
        log.warning("skipped %d unreadable images, %s", len(failures), first)
        keep = np.ones(len(files), dtype=bool)
        keep[[i for i, _ in failures]] = False
        images = images[keep]
        labels = labels[keep] if labels is not None else None
    return images, labels, class_names
