"""Digits placed as MNIST places its own: a digit's box in a 28x28 frame, centred by centre of mass.

MNIST's digits are NIST digits size-normalised to fit a 20x20 box (anti-aliased, so grey edges), then put
in a 28x28 image with their centre of mass at the middle (LeCun et al. 1998). `center_in_frame` does the
second step for any box (OpenCV's 20x20 digits).
"""
from __future__ import annotations

import numpy as np

from genlab.errors import DataError

FRAME = 28  # MNIST's image side


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

