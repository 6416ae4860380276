"""Digits placed as MNIST places its own: a digit's box in a 28x28 frame, centred by centre of mass.

MNIST's digits are NIST digits size-normalised to fit a 20x20 box (anti-aliased, so grey edges), then put
in a 28x28 image with their centre of mass at the middle (LeCun et al. 1998). `center_in_frame` does the
second step for any box; `frame_digits` does both for small digits (scikit-learn's 8x8 ones), so that a
digit set drawn at another size looks to a model trained on MNIST like MNIST's layout.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from genlab.errors import DataError

FRAME, BOX = 28, 20  # MNIST's image side and the side of the box its digits are normalised into


def center_in_frame(cell: np.ndarray, frame: int = FRAME) -> np.ndarray:
    """A digit's box (h, w) uint8 pasted into a frame x frame black image with its centre of mass at
    (frame / 2, frame / 2) in pixel indices, as MNIST centres its 20x20 boxes (LeCun et al. 1998; MNIST's
    centres of mass average (14.0, 14.0)). The shift is rounded to whole pixels, so no pixel value
    changes, and the box is kept inside the frame. A blank box goes in the middle."""
    h, w = cell.shape
    if h > frame or w > frame:
        raise DataError(f"a {w}x{h} digit does not fit a {frame}x{frame} frame")
    mass = cell.astype(np.float64)
    total = mass.sum()
    if total > 0:
        center_y = (mass.sum(1) @ np.arange(h)) / total
        center_x = (mass.sum(0) @ np.arange(w)) / total
        top = int(np.clip(np.floor(frame / 2 - center_y + 0.5), 0, frame - h))
        left = int(np.clip(np.floor(frame / 2 - center_x + 0.5), 0, frame - w))
    else:
        top, left = (frame - h) // 2, (frame - w) // 2
    out = np.zeros((frame, frame), dtype=np.uint8)
    out[top:top + h, left:left + w] = cell
    return out


def frame_digits(images: np.ndarray, box: int = BOX, frame: int = FRAME) -> np.ndarray:
    """(N, 1, h, w) uint8 digits, each resized to box x box and centred by mass in a frame x frame image:
    (N, 1, frame, frame) uint8.

    Bicubic with PIL's kernel (a = -0.5, torch's antialias=True; PIL itself also clamps between its two
    passes, so it differs by a few levels at stroke edges), the filter OpenCV's digits were made with. Blown
    up 2.5 times, bilinear draws an 8x8 digit's strokes as soft ramps with kinks at every source pixel,
    bicubic as smooth strokes with steeper edges, nearer MNIST's anti-aliased 20 px digits; its overshoot is
    clamped to 0..255. The whole box is resized, not the digit's ink: scikit-learn's digits already fill
    their 8 rows, so they come out 20 px tall with their own width, as MNIST keeps a digit's aspect ratio."""
    if images.ndim != 4 or images.shape[1] != 1 or images.dtype != np.uint8:
        raise DataError(f"digits to frame must be uint8 (N, 1, H, W), got {images.dtype} {tuple(images.shape)}")
    if box > frame:
        raise DataError(f"a {box} px box does not fit a {frame}x{frame} frame")
    resized = F.interpolate(torch.from_numpy(images).float(), size=(box, box), mode="bicubic",
                            align_corners=False, antialias=True)
    boxes = resized.round_().clamp_(0, 255).to(torch.uint8).numpy()[:, 0]
    return np.stack([center_in_frame(b, frame) for b in boxes])[:, None] if len(boxes) else \
        np.zeros((0, 1, frame, frame), np.uint8)
