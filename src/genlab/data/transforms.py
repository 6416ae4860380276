"""Resize and channel conversion for whole datasets (uint8 (N, C, H, W) in, uint8 out), and the random
translation that augments float batches for a discriminator or a classifier."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from genlab.errors import DataError

CHUNK = 4096  # images per float32 chunk: bounds the temporary memory


def to_float(images: torch.Tensor) -> torch.Tensor:
    """uint8 [0, 255] -> float32 [-1, 1], the form images take across module boundaries."""
    return images.float().div_(127.5).sub_(1.0)


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """float [-1, 1] -> uint8 [0, 255], rounded and clamped."""
    return images.add(1.0).mul_(127.5).round_().clamp_(0, 255).to(torch.uint8)


def convert_channels(images: torch.Tensor, channels: int) -> torch.Tensor:
    """Gray <-> RGB. RGB -> gray uses PIL's ITU-R 601-2 luma, bit for bit."""
    have = images.shape[1]
    if channels not in (1, 3):
        raise DataError(f"channels must be 1 (gray) or 3 (RGB), got {channels}")
    if have == channels:
        return images
    if have == 1:
        return images.expand(-1, 3, -1, -1).contiguous()
    if have != 3:
        raise DataError(f"cannot convert {have}-channel images to {channels} channels; expected 1 or 3")
    out = torch.empty((images.shape[0], 1, *images.shape[2:]), dtype=torch.uint8)
    for i in range(0, len(images), CHUNK):
        rgb = images[i:i + CHUNK].to(torch.int32)
        # PIL's L = (R*19595 + G*38470 + B*7471 + 0x8000) >> 16
        luma = (rgb[:, 0] * 19595 + rgb[:, 1] * 38470 + rgb[:, 2] * 7471 + 0x8000) >> 16
        out[i:i + CHUNK, 0] = luma.to(torch.uint8)
    return out


def resize_images(images: torch.Tensor, resolution: int) -> torch.Tensor:
    """Centre square crop, then bilinear resize to `resolution` (antialiased when shrinking).

    The same as shorter side to `resolution` then a centre crop, except that no pixel from outside
    the square bleeds in through the filter; folder images get the same treatment from PIL.
    """
    if resolution < 1:
        raise DataError(f"resolution must be a positive number of pixels, got {resolution}")
    n, c, h, w = images.shape
    if h == w == resolution:
        return images
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    images = images[:, :, top:top + side, left:left + side]
    if side == resolution:
        return images.contiguous()
    out = torch.empty((n, c, resolution, resolution), dtype=torch.uint8)
    for i in range(0, n, CHUNK):
        chunk = F.interpolate(images[i:i + CHUNK].float(), size=(resolution, resolution), mode="bilinear",
                              align_corners=False, antialias=True)
        out[i:i + CHUNK] = chunk.round_().clamp_(0, 255).to(torch.uint8)
    return out


def fit_images(images: torch.Tensor, resolution: int | None = None, channels: int | None = None) -> torch.Tensor:
    """Apply `convert_channels` and `resize_images` where a target is given and differs."""
    gray_first = channels is not None and channels < images.shape[1]  # resize the fewest channels
    if gray_first:
        images = convert_channels(images, channels)
    if resolution is not None:
        images = resize_images(images, resolution)
    if channels is not None and not gray_first:
        images = convert_channels(images, channels)
    return images


def random_translate(images: torch.Tensor, max_shift: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Each image (B, C, H, W) moved by its own whole-pixel offset in [-max_shift, max_shift] on both axes, the
    edge pixels repeated into the gap (the background, for digits and clothes); offsets drawn on the CPU from
    `generator`, or from torch's global RNG."""
    if max_shift < 1:
        return images
    b, _, h, w = images.shape
    padded = F.pad(images, (max_shift,) * 4, mode="replicate")
    dy, dx = torch.randint(0, 2 * max_shift + 1, (2, b), generator=generator).to(images.device)
    rows = (dy[:, None] + torch.arange(h, device=images.device))[:, :, None]  # (B, H, 1)
    cols = (dx[:, None] + torch.arange(w, device=images.device))[:, None, :]  # (B, 1, W)
    batch = torch.arange(b, device=images.device)[:, None, None]
    return padded.permute(0, 2, 3, 1)[batch, rows, cols].permute(0, 3, 1, 2)  # (B, C, H, W)


def resize_longest(image: torch.Tensor, size: int) -> torch.Tensor:
    """uint8 (3, H, W) resized (antialiased bicubic) so its longest side is `size`; unchanged if it is."""
    h, w = image.shape[1:]
    if max(h, w) == size:
        return image
    scale = size / max(h, w)
    new = (max(1, round(h * scale)), max(1, round(w * scale)))
    out = F.interpolate(image[None].float(), size=new, mode="bicubic", antialias=True, align_corners=False)
    return out[0].round().clamp(0, 255).to(torch.uint8)
