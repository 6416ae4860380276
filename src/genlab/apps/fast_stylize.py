"""Style transfer in one forward pass with a trained `style` run (Johnson et al. 2016, or AdaIN).

    run = genlab.load_run("runs/00003-fast-style-starry-night")
    out = stylize_with_run(run, read_image("photo.jpg", "RGB")).image             # uint8 (3, H, W)
    out = stylize_with_run(adain_run, photo, style_image("klimt"), alpha=0.6).image

Any size, non-square included, at the photo's own size unless `size` is given. Images whose longest side
exceeds `tile` go through overlapping tiles (each tile's centre kept, as genlab.upscale does), so memory
is bounded by the tile. Both nets normalise globally (instance norm; AdaIN's statistics), so a tiled
result differs a little from an untiled one: tiles keep their own colour balance. Most apps call this
through `genlab.apps.stylize.stylize_file(..., run=RUN)`.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import torch

from genlab.apps.upscale import _tiled  # the tiler of genlab upscale, with scale 1
from genlab.errors import DataError, UsageError
from genlab.viz import to_uint8

log = logging.getLogger(__name__)

DEFAULT_TILE = 1024
MIN_SIZE = 16


@dataclass
class FastStylizeResult:
    """The stylized image, the seconds the forward pass took, and the tiles it used."""

    image: torch.Tensor  # uint8 (3, H, W)
    seconds: float
    tiles: int = 1


def check_style_run(run) -> None:
    """UsageError unless `run` is a style-transfer run (family: style)."""
    if run.config.family != "style":
        raise UsageError(f"run '{run.path}' is a {run.config.family} run; stylize --run needs a style-transfer "
                         "run (family: style), e.g. one trained with --preset fast-style-starry-night or adain-photos")


def check_run_options(run, style, alpha: float) -> None:
    """A johnson run has one style and no alpha; an adain run needs a style image. UsageError otherwise."""
    check_style_run(run)
    net = run.config.model.net
    if net == "johnson":
        if style is not None:
            raise UsageError(f"run '{run.path}' was trained for one style ({run.config.model.style}); --style is for "
                             "AdaIN runs (net: adain), or for Gatys' optimisation without --run")
        if alpha != 1:
            raise UsageError(f"--alpha {alpha} needs an AdaIN run; run '{run.path}' is a johnson run (one style)")
    elif style is None:
        raise UsageError(f"run '{run.path}' is an AdaIN run: give the style image with --style (a name or a file)")
    if not 0 <= alpha <= 1:
        raise UsageError(f"alpha {alpha} is out of range; expected a number from 0 (the photo) to 1 (full style)")


def _device(model) -> torch.device:
    return next(model.parameters()).device


@torch.no_grad()
def stylize_with_run(run, content: torch.Tensor, style: torch.Tensor | None = None, *, alpha: float = 1.0,
                     size: int | None = None, style_size: int = 512, tile: int = DEFAULT_TILE,
                     overlap: int | None = None) -> FastStylizeResult:
    """`content` (uint8 (3, H, W)) through a style run: uint8 (3, H', W'), H'xW' = HxW or `size` longest side.

    style: uint8 (3, h, w) for an AdaIN run (resized to `style_size` longest side), None for a johnson run;
    alpha: AdaIN's content/style trade-off in [0, 1]; overlap: of the tiles, default tile // 16."""
    from genlab.apps.stylize import _check_image, resize_longest

    check_run_options(run, style, alpha)
    content = _check_image(content, "content")
    if size is not None:
        if size < MIN_SIZE:
            raise DataError(f"size {size} is too small; expected at least {MIN_SIZE} pixels")
        content = resize_longest(content, size)
    overlap = tile // 16 if overlap is None else overlap
    if overlap < 0 or tile - 2 * overlap < 1:
        raise DataError(f"tile {tile} must be larger than twice the overlap {overlap}")
    model = run.model
    device = _device(model)
    style_x = None
    if style is not None:
        style = _check_image(style, "style")
        style_x = resize_longest(style, min(style_size, max(style.shape[1:])))[None].float().div(127.5).sub(1).to(device)
    start = time.perf_counter()
    x = content[None].to(device).float() / 127.5 - 1  # (1, 3, H, W) in [-1, 1]
    fn = (lambda t: model.stylize(t)) if style_x is None else (lambda t: model.stylize(t, style_x, alpha=alpha))
    height, width = content.shape[1:]
    if max(height, width) <= tile:
        image, tiles = to_uint8(fn(x).cpu())[0], 1
    else:
        counter = [0]
        image = _tiled(lambda t: fn(t).cpu(), x, 1, tile, overlap, lambda: counter.__setitem__(0, counter[0] + 1))[0]
        tiles = counter[0]
    seconds = time.perf_counter() - start
    log.info("stylized %dx%d with %s run %s in %.2f s (%d tile(s))", width, height, run.config.model.net,
             run.path.name, seconds, tiles)
    return FastStylizeResult(image=image, seconds=seconds, tiles=tiles)
