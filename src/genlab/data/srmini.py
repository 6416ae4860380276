"""The `sr-mini` SR test set: 1 of Set5's images, 2 of Set14's, 6 Kodak (never trained on; see photos.py)."""
from __future__ import annotations

import torch

from genlab.data.photos import load_collection

SCALES = (2, 3, 4)


def load_sr_mini(names: list[str] | None = None) -> dict[str, torch.Tensor]:
    """{name: uint8 (3, H, W)} of sr-mini (or the named images), fetched on first use."""
    return load_collection("sr-mini", names)
