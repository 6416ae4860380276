"""Neural style transfer by optimisation (Gatys, Ecker & Bethge 2016): a photo in a painting's style.

    from genlab.data.images import read_image
    from genlab.data.styles import style_image
    out = stylize(read_image("photo.jpg", "RGB"), style_image("starry-night"), size=384)   # uint8 (3, H, W)

The output image itself is optimised (L-BFGS or Adam) so that its ImageNet VGG19 features match the
photo's at the content layers and their Gram matrices match the painting's at the style layers.
Losses, normalised so the defaults work for any image size:
- content: sum over content layers of mean((F - F_photo)^2) / mean(F_photo^2);
- style: mean over style layers of mean((G - G_style)^2) / mean(G_style^2), G = gram_matrix (F F^T / CHW);
- total variation: mean |x[i+1] - x[i]| over both axes, on pixels in [-1, 1].
Each term is thus about 1 when the image has nothing of its target, and the weights say directly how
much each one counts (content_weight 1, style_weight 10, tv_weight 0.01 by default).
Colour preservation (Gatys et al. 2017, "luminance-only transfer"): the transfer runs on the luminance Y
(YCbCr, ITU-R BT.601) of both images, the style's Y matched in mean and standard deviation to the photo's;
the result's Y is recombined with the photo's Cb and Cr, so the photo keeps its colours.
"""
from __future__ import annotations

import logging
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import torch
import torch.nn.functional as F

from genlab.data.images import read_image, save_image_uint8
from genlab.data.styles import style_image
from genlab.data.transforms import resize_longest, to_float, to_uint8
from genlab.errors import ConfigError, DataError
from genlab.io import check_output_file
from genlab.models.losses import content_loss, gram_matrix, style_loss, total_variation
from genlab.models.nets.vgg19 import LAYERS, POOLINGS

log = logging.getLogger(__name__)

OPTIMIZERS = ("lbfgs", "adam")
INITS = ("content", "noise")
MIN_SIZE = 32
# ITU-R BT.601 full range (JPEG's YCbCr): RGB in 0..255 -> Y, Cb - 128, Cr - 128
RGB_TO_YCBCR = torch.tensor([[0.299, 0.587, 0.114], [-0.168736, -0.331264, 0.5], [0.5, -0.418688, -0.081312]])


@dataclass
class StylizeResult:
    """The stylized image, the losses at each evaluation, and the seconds it took."""

    image: torch.Tensor  # uint8 (3, H, W)
    history: list[dict[str, float]] = field(default_factory=list)  # {"content", "style", "tv", "total"}
    seconds: float = 0.0


def stylize(content: torch.Tensor, style: torch.Tensor, **kwargs) -> torch.Tensor:
    """`content` (uint8 (3, H, W)) in the style of `style` (uint8 (3, H, W)): uint8 (3, H', W').

    Keyword arguments are those of `style_transfer`.
    """
    return style_transfer(content, style, **kwargs).image


def style_transfer(content: torch.Tensor, style: torch.Tensor, *, size: int = 512, style_size: int | None = None,
                   content_weight: float = 1.0, style_weight: float = 10.0, tv_weight: float = 1e-2,
                   content_layers: Sequence[str] = ("relu4_2",),
                   style_layers: Sequence[str] = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"),
                   steps: int = 300, optimizer: str = "lbfgs", lr: float = 0.02, init: str = "content",
                   seed: int = 0, preserve_color: bool = False, pooling: str = "avg", scales: int = 1,
                   coarse_steps: int | None = None, device: str | torch.device = "cpu",
                   progress: Callable[[int, int, float], None] | None = None,
                   vgg: torch.nn.Module | None = None) -> StylizeResult:
    """Gatys style transfer with the per-step losses. size: longest side of the output (the content is
    resized to it); style_size: longest side of the style image (default: size); lr: Adam's step in [-1, 1]
    pixel units; progress(step, total, loss) is called after each loss evaluation (default: a tqdm bar).

    scales > 1 runs coarse to fine (Gatys et al. 2017): first at size / 2^(scales-1) (the style image scaled
    alike, so strokes keep their size relative to the picture) for `coarse_steps` evaluations (default:
    `steps`), then each result, upsampled bicubically, starts the next scale, twice the size; `steps` are
    spent at the full size. History entries carry the side they were measured at ("size")."""
    content_layers, style_layers = _check_layers(content_layers, "content"), _check_layers(style_layers, "style")
    _check_options(size, style_size, steps, optimizer, init, pooling, lr,
                   {"content_weight": content_weight, "style_weight": style_weight, "tv_weight": tv_weight})
    sizes = _scale_sizes(size, scales)
    if coarse_steps is not None and (not isinstance(coarse_steps, int) or coarse_steps < 1):
        raise ConfigError(f"coarse_steps {coarse_steps!r} must be a whole number >= 1")
    content, style = _check_image(content, "content"), _check_image(style, "style")
    if vgg is None:
        from genlab.models.pretrained import load_vgg19

        vgg = load_vgg19(device, pooling=pooling)
    start = time.perf_counter()
    plan = [(s, coarse_steps or steps) for s in sizes[:-1]] + [(sizes[-1], steps)]
    total_steps = sum(n for _, n in plan)
    history: list[dict[str, float]] = []
    bar = None
    if progress is None:
        from tqdm.auto import tqdm

        bar = tqdm(total=total_steps, desc="stylize", unit="step", leave=False, dynamic_ncols=True)

        def report(step: int, total: int, loss: float) -> None:
            bar.update(1)
            bar.set_postfix(loss=f"{loss:.4g}")
    else:
        report = progress
    layers = tuple(dict.fromkeys((*content_layers, *style_layers)))
    x = None
    try:
        for side, n_steps in plan:
            scaled = resize_longest(content, side)
            style_side = max(MIN_SIZE // 2, round((style_size or size) * side / size))
            scaled_style = resize_longest(style, style_side)
            if preserve_color:
                scaled_style = luminance_as_rgb(match_luminance(scaled_style, scaled))
                scaled = luminance_as_rgb(scaled)
            target_x = to_float(scaled[None]).to(device)  # (1, 3, H, W) in [-1, 1]
            with torch.no_grad():
                content_targets = {k: v.detach() for k, v in vgg(target_x, content_layers).items()}
                style_feats = vgg(to_float(scaled_style[None]).to(device), style_layers)
                style_targets = {k: gram_matrix(v).detach() for k, v in style_feats.items()}
            if x is not None:  # the coarser result, upsampled, starts this scale
                x = F.interpolate(x.detach(), size=target_x.shape[2:], mode="bicubic", align_corners=False)
                x = x.clamp(-1, 1)
            elif init == "content":
                x = target_x.clone()
            else:
                noise = torch.randn(target_x.shape, generator=torch.Generator().manual_seed(seed))
                x = (noise * 0.5).clamp(-1, 1).to(device)
            x.requires_grad_(True)

            def losses(x=x, content_targets=content_targets, style_targets=style_targets, side=side) -> torch.Tensor:
                feats = vgg(x, layers)
                c = content_loss(feats, content_targets)
                s = style_loss(feats, style_targets)
                tv = total_variation(x)
                total = content_weight * c + style_weight * s + tv_weight * tv
                history.append({**{k: float(v.detach()) for k, v in (("content", c), ("style", s), ("tv", tv),
                                                                      ("total", total))}, "size": float(side)})
                report(len(history), total_steps, history[-1]["total"])
                return total

            _optimise(x, losses, n_steps, optimizer, lr)
    finally:
        if bar is not None:
            bar.close()
    with torch.no_grad():
        image = to_uint8(x.detach().clamp(-1, 1).cpu())[0]
    if preserve_color:
        image = recombine_chroma(image, resize_longest(content, size))
    seconds = time.perf_counter() - start
    if history:
        log.info("stylized %dx%d in %.1f s: %s", image.shape[2], image.shape[1], seconds,
                 ", ".join(f"{k} {v:.4g}" for k, v in history[-1].items()))
    return StylizeResult(image=image, history=history, seconds=seconds)


def _scale_sizes(size: int, scales: int) -> list[int]:
    """The longest sides of a coarse-to-fine run, coarsest first, ending at `size`."""
    if not isinstance(scales, int) or isinstance(scales, bool) or scales < 1:
        raise ConfigError(f"scales {scales!r} must be a whole number >= 1")
    sizes = [max(1, round(size / 2 ** k)) for k in reversed(range(scales))]
    if sizes[0] < MIN_SIZE:
        raise ConfigError(f"scales {scales}: the coarsest scale of size {size} would be {sizes[0]} pixels; "
                          f"expected >= {MIN_SIZE} (use fewer scales or a larger size)")
    return sizes


def _optimise(x: torch.Tensor, losses: Callable[[], torch.Tensor], steps: int, optimizer: str, lr: float) -> None:
    """`steps` loss evaluations of L-BFGS (strong-Wolfe line search, as Gatys et al.) or Adam."""
    if optimizer == "lbfgs":
        opt = torch.optim.LBFGS([x], lr=1.0, max_iter=steps, max_eval=steps, tolerance_grad=0.0,
                                tolerance_change=0.0, history_size=50, line_search_fn="strong_wolfe")

        def closure() -> torch.Tensor:
            opt.zero_grad()
            loss = losses()
            loss.backward()
            return loss
        opt.step(closure)
        with torch.no_grad():
            x.clamp_(-1, 1)
        return
    opt = torch.optim.Adam([x], lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        losses().backward()
        opt.step()
        with torch.no_grad():
            x.clamp_(-1, 1)


def rgb_to_ycbcr(image: torch.Tensor) -> torch.Tensor:
    """uint8 or float (3, H, W) RGB in 0..255 -> float (3, H, W) Y, Cb, Cr (BT.601, chroma centred on 128)."""
    ycc = torch.einsum("ij,jhw->ihw", RGB_TO_YCBCR, image.float())
    return ycc + torch.tensor([0.0, 128.0, 128.0]).view(3, 1, 1)


def ycbcr_to_rgb(ycc: torch.Tensor) -> torch.Tensor:
    """float (3, H, W) Y, Cb, Cr -> float (3, H, W) RGB (not clamped)."""
    centred = ycc - torch.tensor([0.0, 128.0, 128.0]).view(3, 1, 1)
    return torch.einsum("ij,jhw->ihw", torch.linalg.inv(RGB_TO_YCBCR), centred)


def match_luminance(style: torch.Tensor, content: torch.Tensor) -> torch.Tensor:
    """The style image with its luminance's mean and std matched to the content's (Gatys et al. 2017)."""
    ys, yc = rgb_to_ycbcr(style), rgb_to_ycbcr(content)[0]
    ys[0] = (ys[0] - ys[0].mean()) / ys[0].std().clamp_min(1e-6) * yc.std() + yc.mean()
    return ycbcr_to_rgb(ys).round().clamp(0, 255).to(torch.uint8)


def luminance_as_rgb(image: torch.Tensor) -> torch.Tensor:
    """uint8 (3, H, W): the image's Y in all three channels (a gray image, as VGG takes RGB)."""
    y = rgb_to_ycbcr(image)[0].round().clamp(0, 255).to(torch.uint8)
    return y.expand(3, -1, -1).contiguous()


def recombine_chroma(luma_image: torch.Tensor, color: torch.Tensor) -> torch.Tensor:
    """RGB from `luma_image`'s Y and `color`'s Cb, Cr, both uint8 (3, H, W). Y is clamped per pixel to the
    range where that chroma stays inside the RGB cube, so clipping never shifts the colours."""
    y = rgb_to_ycbcr(luma_image)[0]
    ycc = rgb_to_ycbcr(color)
    offsets = ycbcr_to_rgb(torch.cat([torch.zeros_like(y)[None], ycc[1:]]))  # RGB of Y = 0: (3, H, W)
    low, high = (-offsets).amax(0), (255 - offsets).amin(0)
    ycc[0] = torch.maximum(torch.minimum(y, high), low)
    return ycbcr_to_rgb(ycc).round().clamp(0, 255).to(torch.uint8)


def stylize_file(content_path: str | os.PathLike, style: str | os.PathLike | None, out_path: str | os.PathLike,
                 *, run=None, alpha: float = 1.0, preserve_color: bool = False, **kwargs):
    """Read a photo, stylize it, write a PNG atomically; everything is checked before anything is written.

    Without `run`: Gatys' optimisation towards `style` (a name or an image file), keyword arguments those
    of `style_transfer`; returns a StylizeResult. With `run` (a loaded style-transfer run): one forward
    pass (apps/fast_stylize.py), `style` only for AdaIN runs, `alpha` AdaIN's trade-off, keyword arguments
    those of `stylize_with_run`; returns a FastStylizeResult. `preserve_color` keeps the photo's colours."""
    out = check_output_file(out_path)
    if run is None:
        if style is None:
            raise ConfigError("stylize needs a style (starry-night, klimt or an image file), or a trained run")
        content = read_image(content_path, "RGB")
        result = style_transfer(content, style_image(style), preserve_color=preserve_color, **kwargs)
    else:
        from genlab.apps.fast_stylize import check_run_options, stylize_with_run

        check_run_options(run, style, alpha)
        content = read_image(content_path, "RGB")
        style_rgb = style_image(style) if style is not None else None
        result = stylize_with_run(run, content, style_rgb, alpha=alpha, **kwargs)
        if preserve_color:
            result.image = recombine_chroma(result.image, resize_longest(content, max(result.image.shape[1:])))
    save_image_uint8(result.image, out)
    return result


def _check_image(image: torch.Tensor, what: str) -> torch.Tensor:
    if not isinstance(image, torch.Tensor) or image.dtype != torch.uint8 or image.ndim != 3 or image.shape[0] != 3:
        shape = tuple(image.shape) if isinstance(image, torch.Tensor) else type(image).__name__
        raise DataError(f"the {what} image must be uint8 RGB (3, H, W), got {getattr(image, 'dtype', '')} {shape}")
    if min(image.shape[1:]) < 16:
        raise DataError(f"the {what} image is {image.shape[2]}x{image.shape[1]} pixels; expected at least 16x16")
    return image


def _check_layers(layers: Sequence[str], what: str) -> tuple[str, ...]:
    layers = (layers,) if isinstance(layers, str) else tuple(layers)
    if not layers:
        raise ConfigError(f"{what} layers: none given; expected VGG19 layer names such as relu4_2")
    for name in layers:
        if name not in LAYERS:
            raise ConfigError(f"{what} layer '{name}' is unknown; known: {', '.join(LAYERS)}")
    return layers


def _check_options(size, style_size, steps, optimizer, init, pooling, lr, weights: dict[str, float]) -> None:
    for name, value in (("size", size), ("style_size", style_size)):
        if value is not None and (not isinstance(value, int) or value < MIN_SIZE):
            raise ConfigError(f"{name} {value!r} is too small; expected a whole number of pixels >= {MIN_SIZE}")
    if not isinstance(steps, int) or steps < 1:
        raise ConfigError(f"steps {steps!r} must be a whole number >= 1")
    for name, value, known in (("optimizer", optimizer, OPTIMIZERS), ("init", init, INITS),
                               ("pooling", pooling, POOLINGS)):
        if value not in known:
            raise ConfigError(f"{name} '{value}' is unknown; known: {', '.join(known)}")
    for name, value in (*weights.items(), ("lr", lr)):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
            raise ConfigError(f"{name} {value!r} must be a finite number >= 0")
