"""Translate image files with a pix2pix or CycleGAN run: `genlab translate RUN IMAGE_OR_FOLDER --direction a2b`.

Any image size the nets allow (at least `model.min_input_size` pixels a side; the nets pad to their
stride and crop back), whole images in one pass. Channels follow the model: a gray model reads every
image as gray, a colour model as RGB (a gray image's plane repeated; alpha dropped). Runs trained on an
SR degradation (inputs smaller than targets) get their input upsampled bicubic by that scale first.
With `derive_input`, each image is taken as a target-domain image and the model's input is made from it
by the run's own data.degradation (its edge map, its gray version): what the model does with, say, the
edges of your photo.

Every input is checked (readable, large enough, one new output name each) before anything is written;
each PNG is written atomically, so a bad input leaves nothing half-written.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from genlab.apps.upscale import image_files
from genlab.data.degrade import degradation_scale, make_degradation
from genlab.data.images import open_image, read_image, save_image_uint8
from genlab.errors import DataError
from genlab.io import check_output_dir
from genlab.viz import to_uint8

log = logging.getLogger(__name__)
DIRECTIONS = ("a2b", "b2a")
MAX_SIDE = 4096  # whole images go through the net at once: bound the memory


def check_translation_run(run, direction: str) -> None:
    """DataError unless `run` is a translation run that translates in `direction`."""
    model = run.model
    if not hasattr(model, "translate"):
        raise DataError(f"run '{run.path}' is a {run.config.family} run; translate needs a translation run "
                        "(family pix2pix or cyclegan), e.g. one trained with --preset pix2pix-edges-fashion")
    if direction not in DIRECTIONS:
        raise DataError(f"--direction '{direction}' is unknown; expected a2b or b2a")
    if direction not in model.directions:
        raise DataError(f"run '{run.path}' is a {run.config.family} run: it translates inputs to targets only; "
                        f"use --direction a2b, not {direction}")


def _input_scale(run) -> int:
    degradation = run.config.data.degradation
    return degradation_scale(degradation) if degradation else 1


@torch.no_grad()
def translate_image(run, image: torch.Tensor, direction: str = "a2b", *, derive_input: bool = False
                    ) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 (C, H, W) of the model's channels -> (output uint8 (C, H', W'), the input the model saw, uint8)."""
    model = run.model
    device = next(iter(model.parameters())).device
    x = image.to(device).float().unsqueeze(0) / 127.5 - 1  # (1, C, H, W) in [-1, 1]
    if derive_input:
        degrade = make_degradation(run.config.data.degradation)
        scale = _input_scale(run)
        h, w = x.shape[-2] - x.shape[-2] % scale, x.shape[-1] - x.shape[-1] % scale
        x = degrade(x[..., :h, :w].cpu(), torch.Generator().manual_seed(0)).to(device)
    scale = _input_scale(run)
    if scale > 1:  # an SR-degradation run: its inputs were upsampled to the target size in training
        x = F.interpolate(x, scale_factor=scale, mode="bicubic", align_corners=False).clamp(-1, 1)
    return to_uint8(model.translate(x, direction))[0].cpu(), to_uint8(x)[0].cpu()


def check_input_size(run, width: int, height: int, derive_input: bool = False, name: str = "the image") -> None:
    """DataError unless a width x height image can go through the run whole (large enough, not too large)."""
    least = run.model.min_input_size * (_input_scale(run) if derive_input else 1)
    if min(width, height) < least:
        raise DataError(f"{name} is {width}x{height}; translating needs at least {least}x{least} pixels")
    if max(width, height) * (1 if derive_input else _input_scale(run)) > MAX_SIDE:
        raise DataError(f"{name} is {width}x{height}; translate runs whole images and takes at most "
                        f"{MAX_SIDE} pixels a side: resize it first")


def _check_input(model, path: Path, derive_input: bool, run) -> None:
    width, height = open_image(path).size
    check_input_size(run, width, height, derive_input, f"image '{path}'")


def translate_paths(run, inputs: list[str | os.PathLike], out_dir: str | os.PathLike, *, direction: str = "a2b",
                    derive_input: bool = False, overwrite: bool = False, progress: bool = True) -> list[Path]:
    """Translate image files (or folders of them); write `<stem>_<direction>.png` (and, with derive_input,
    `<stem>_<direction>_input.png`, what the model saw) into out_dir; returns the written paths."""
    check_translation_run(run, direction)
    if derive_input and not run.config.data.degradation:
        raise DataError(f"run '{run.path}' was not trained on pairs made by data.degradation; --derive-input "
                        "needs a pix2pix run (edges, gray, bicubic-xN)")
    model = run.model
    files = image_files(inputs)
    out_dir = Path(out_dir)
    outputs = [out_dir / f"{f.stem}_{direction}.png" for f in files]
    seen = outputs + ([out_dir / f"{f.stem}_{direction}_input.png" for f in files] if derive_input else [])
    if len(set(outputs)) < len(outputs):
        raise DataError("two inputs share a file name stem; their outputs would overwrite each other")
    for f in files:  # check every input before writing anything
        _check_input(model, f, derive_input, run)
    existing = [p for p in seen if p.exists()]
    if existing and not overwrite:
        raise DataError(f"output '{existing[0]}' already exists; choose another --out or pass --overwrite")
    check_output_dir(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    mode = "L" if model.img_channels == 1 else "RGB"
    written = []
    for f, target in tqdm(list(zip(files, outputs)), desc="translate", unit="img", disable=not progress, leave=False):
        out, seen_input = translate_image(run, read_image(f, mode), direction, derive_input=derive_input)
        save_image_uint8(out, target)
        written.append(target)
        if derive_input:
            save_image_uint8(seen_input, target.with_name(f"{f.stem}_{direction}_input.png"))
            written.append(target.with_name(f"{f.stem}_{direction}_input.png"))
        log.info("wrote %s", target)
    return written
