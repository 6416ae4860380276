"""The `sr-mini` SR test set: 1 of Set5's images, 2 of Set14's, 6 Kodak (never trained on; see photos.py)."""
from __future__ import annotations

import os
from pathlib import Path

import torch

from genlab.data.degrade import bicubic_downscale, mod_crop
from genlab.data.folder import EXTENSIONS
from genlab.data.images import read_image
from genlab.data.photos import load_collection
from genlab.errors import DataError

SCALES = (2, 3, 4)


def load_sr_mini(names: list[str] | None = None) -> dict[str, torch.Tensor]:
    """{name: uint8 (3, H, W)} of sr-mini (or the named images), fetched on first use."""
    return load_collection("sr-mini", names)


def sr_test_pairs(scale: int, hr: str | os.PathLike | None = None,
                  lr: str | os.PathLike | None = None) -> list[dict]:
    """[{"name", "inputs": uint8 LR (3, h, w), "targets": uint8 HR (3, h*s, w*s)}] with the SR papers'
    protocol: each HR image mod-cropped to a multiple of `scale`, its LR the antialiased bicubic downscale.

    hr: a folder of high-resolution test images (Set5/Set14/BSD100/DIV2K-val HR folders); default sr-mini.
    lr: a folder of the matching low-resolution images, used instead of the bicubic downscale; a file
    matches by name: `baby.png`, `babyx2.png`, `baby_x2.png` or `baby_LRBI_x2.png` for HR `baby.png`."""
    if scale not in SCALES:
        raise DataError(f"scale {scale} is not an SR test scale; expected one of {', '.join(map(str, SCALES))}")
    if hr is None:
        if lr is not None:
            raise DataError("an LR folder needs the HR folder it matches (--hr)")
        targets = load_sr_mini()
    else:
        targets = {p.stem: read_image(p, "RGB") for p in _image_files(Path(hr), "HR")}
    low = _lr_files(Path(lr), scale) if lr is not None else {}
    pairs = []
    for name, image in targets.items():
        target = mod_crop(image, scale)
        if lr is None:
            inputs = bicubic_downscale(target, scale)
        elif name not in low:
            raise DataError(f"LR folder '{lr}' has no image for '{name}'; expected {name}.png, {name}x{scale}.png, "
                            f"{name}_x{scale}.png or {name}_LRBI_x{scale}.png")
        else:
            inputs = read_image(low[name], "RGB")
            if tuple(inputs.shape[1:]) != (target.shape[1] // scale, target.shape[2] // scale):
                raise DataError(f"LR image '{low[name]}' is {inputs.shape[2]}x{inputs.shape[1]}; expected "
                                f"{target.shape[2] // scale}x{target.shape[1] // scale} (its HR image / {scale})")
        pairs.append({"name": name, "inputs": inputs, "targets": target})
    return pairs


def _image_files(folder: Path, what: str) -> list[Path]:
    if not folder.is_dir():
        raise DataError(f"{what} folder '{folder}' does not exist or is not a folder")
    files = [p for p in sorted(folder.iterdir()) if p.is_file() and p.suffix.lower() in EXTENSIONS]
    if not files:
        raise DataError(f"{what} folder '{folder}' holds no images; expected {', '.join(EXTENSIONS)} files")
    return files


def _lr_files(folder: Path, scale: int) -> dict[str, Path]:
    """{HR name: LR file} of an LR folder, its suffixes (x2, _x2, _LRBI_x2) removed."""
    found = {}
    for p in _image_files(folder, "LR"):
        stem = p.stem
        for suffix in (f"_LRBI_x{scale}", f"_x{scale}", f"x{scale}"):
            if stem.endswith(suffix):
                stem = stem[:-len(suffix)]
                break
        found[stem] = p
    return found
