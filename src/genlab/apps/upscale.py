"""Upscale images of any size with a super-resolution run, tile by tile.

Tiles are cut with an `overlap` margin on every side; only each tile's centre (its core) is kept, so
there are no seams to blend: the output equals the untiled one exactly (up to float rounding) when the
overlap is at least the net's receptive radius, and closely otherwise. Memory is bounded by the tile
size (one float tile at a time; the output is assembled as uint8).

Channels: a colour model runs a grayscale image as RGB (the gray plane repeated) and returns the mean
of its three output planes; a grayscale model runs each colour plane on its own. RGBA: colour through
the model, alpha upscaled bicubic.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from genlab.apps.progress import Cancel, Cancelled
from genlab.data.images import open_image, read_image, save_image_uint8
from genlab.errors import DataError
from genlab.io import check_output_dir
from genlab.viz import to_uint8

log = logging.getLogger(__name__)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")


def _device(model) -> torch.device:
    for t in list(model.parameters()) + list(model.buffers()):
        return t.device
    return torch.device("cpu")


def _colour_fn(model, channels: int) -> Callable[[torch.Tensor], torch.Tensor]:
    """(1, channels, h, w) float -> (1, channels, h*s, w*s) float through a model of its own channel count."""
    mc = model.img_channels
    if channels == mc:
        return model.upscale
    if mc == 3 and channels == 1:
        return lambda x: model.upscale(x.expand(-1, 3, -1, -1)).mean(1, keepdim=True)
    if mc == 1:
        return lambda x: model.upscale(x.transpose(0, 1)).transpose(0, 1)  # planes as a batch
    raise DataError(f"an image with {channels} channels cannot go through a {mc}-channel model")


def self_ensemble(fn: Callable[[torch.Tensor], torch.Tensor]) -> Callable[[torch.Tensor], torch.Tensor]:
    """fn averaged over the 8 flips and 90-degree turns of its input, each output turned back (the
    geometric self-ensemble of Lim et al. 2017, "EDSR+"): 8x the work for a few tenths of a dB."""
    def ensembled(x: torch.Tensor) -> torch.Tensor:
        total = None
        for turns in range(4):
            for flip in (False, True):
                t = torch.rot90(x, turns, (2, 3))
                y = fn(t.flip(3) if flip else t)
                y = torch.rot90(y.flip(3) if flip else y, -turns, (2, 3))
                total = y if total is None else total + y
        return total / 8
    return ensembled


def tile_count(height: int, width: int, *, tile: int, overlap: int) -> int:
    """How many tiles upscale_image cuts an image of this size into."""
    core = tile - 2 * overlap
    return -(-height // core) * -(-width // core)


def _tiled(fn, x: torch.Tensor, scale: int, tile: int, overlap: int, step: Callable[[], None]) -> torch.Tensor:
    """uint8 (N, C, H*s, W*s) of float x (N, C, H, W): fn on overlapping tiles, each core kept."""
    n, c, height, width = x.shape
    core = tile - 2 * overlap
    out = torch.empty(n, c, height * scale, width * scale, dtype=torch.uint8)

    def span(start: int, size: int) -> tuple[int, int, int]:
        end = min(start + core, size)
        lo = min(max(0, start - overlap), max(0, size - tile))  # full-size tiles, also at the border
        return end, lo, min(size, lo + tile)

    for y0 in range(0, height, core):
        y1, a0, a1 = span(y0, height)
        for x0 in range(0, width, core):
            x1, b0, b1 = span(x0, width)
            piece = fn(x[:, :, a0:a1, b0:b1])  # (N, C, (a1-a0)*s, (b1-b0)*s)
            kept = piece[:, :, (y0 - a0) * scale:(y1 - a0) * scale, (x0 - b0) * scale:(x1 - b0) * scale]
            out[:, :, y0 * scale:y1 * scale, x0 * scale:x1 * scale] = to_uint8(kept)
            step()
    return out


def check_size(model, height: int, width: int, name: str = "the image") -> None:
    """DataError when an image is smaller than the model's minimum input size."""
    least = model.min_input_size
    if min(height, width) < least:
        raise DataError(f"{name} is {width}x{height}; upscaling needs at least {least}x{least} pixels")


@torch.no_grad()
def upscale_image(model, image: torch.Tensor, *, tile: int = 128, overlap: int = 16,
                  progress: Callable[[int], None] | None = None, cancel: Cancel | None = None,
                  ensemble: bool = False) -> torch.Tensor:
    """uint8 (C, H, W), C in 1, 3, 4 -> uint8 (C, H*s, W*s) through `model.upscale` on overlapping tiles.

    progress: called with 1 after each tile (e.g. a tqdm bar's update); cancel() -> True stops the work
    before the next tile with apps.progress.Cancelled; ensemble: average each tile over its 8 flips and
    turns (self_ensemble), 8x slower."""
    if image.dtype != torch.uint8 or image.ndim != 3 or image.shape[0] not in (1, 3, 4):
        raise DataError(f"an image to upscale must be uint8 (C, H, W) with C 1, 3 or 4, got {image.dtype} "
                        f"{tuple(image.shape)}")
    if overlap < 0 or tile - 2 * overlap < 1:
        raise DataError(f"tile {tile} must be larger than twice the overlap {overlap}")
    c, height, width = image.shape
    check_size(model, height, width)
    scale = model.scale
    total, done = tile_count(height, width, tile=tile, overlap=overlap), 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(1)
        if cancel is not None and done < total and cancel():
            raise Cancelled(f"upscaling cancelled after {done} of {total} tiles")
    x = image.to(_device(model)).float().unsqueeze(0) / 127.5 - 1  # (1, C, H, W) in [-1, 1]
    colour = x[:, :3] if c == 4 else x
    fn = _colour_fn(model, colour.shape[1])
    out = _tiled(self_ensemble(fn) if ensemble else fn, colour, scale, tile, overlap, step)[0]
    if c == 4:
        alpha = F.interpolate(x[:, 3:], scale_factor=scale, mode="bicubic", align_corners=False)
        out = torch.cat([out, to_uint8(alpha)[0]])
    return out


def image_files(inputs: list[str | os.PathLike]) -> list[Path]:
    """The image files named by `inputs`: files as given, folders by their image files (sorted)."""
    files: list[Path] = []
    for item in map(Path, inputs):
        if item.is_dir():
            found = sorted(p for p in item.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
            if not found:
                raise DataError(f"folder '{item}' has no images; expected files ending in "
                                f"{', '.join(IMAGE_SUFFIXES)}")
            files += found
        elif item.is_file():
            files.append(item)
        else:
            raise DataError(f"input '{item}' does not exist; expected an image file or a folder of images")
    if not files:
        raise DataError("no inputs given; expected image files or folders")
    return files


def upscale_paths(run, inputs: list[str | os.PathLike], out_dir: str | os.PathLike, *, scale: int | None = None,
                  tile: int = 128, overlap: int = 16, progress: bool = True, ensemble: bool = False) -> list[Path]:
    """Upscale image files (or folders of them) with a run's model; write `<stem>_x<s>.png` into out_dir.

    Every input is checked (readable, large enough, one output name each) before anything is written,
    and every PNG is written atomically, so a bad input leaves no partial outputs."""
    model = run.model
    if not hasattr(model, "upscale"):
        raise DataError(f"run '{run.path}' is a {run.config.family} run; upscaling needs a super-resolution "
                        "(family: sr) run, e.g. one trained with --preset edsr-x2-photos")
    if scale is not None and scale != model.scale:
        raise DataError(f"scale {scale} was asked, but run '{run.path}' upscales x{model.scale}")
    files = image_files(inputs)
    out_dir = Path(out_dir)
    targets = [out_dir / f"{f.stem}_x{model.scale}.png" for f in files]
    if len(set(targets)) < len(targets):
        raise DataError("two inputs share a file name stem; their outputs would overwrite each other")
    total = 0
    for f in files:  # check every input before writing anything
        width, height = open_image(f).size
        check_size(model, height, width, name=f"image '{f}'")
        total += tile_count(height, width, tile=tile, overlap=overlap)
    check_output_dir(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tqdm(total=total, desc="upscale tiles", unit="tile", disable=not progress, leave=False) as bar:
        for f, target in zip(files, targets):
            out = upscale_image(model, read_image(f), tile=tile, overlap=overlap, progress=bar.update,
                                ensemble=ensemble)
            save_image_uint8(out, target)
            log.info("wrote %s", target)
    return targets
