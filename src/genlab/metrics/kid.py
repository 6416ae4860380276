"""Kernel Inception Distance (Bińkowski et al. 2018) with torch-fidelity's defaults."""
from __future__ import annotations

import numpy as np
import torch

from ..errors import GenlabError


def polynomial_kernel(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """k(x, y) = (x . y / d + 1)^3; dot products in float32, the cube in float64."""
    return (x @ y.T / x.shape[1] + 1).double() ** 3


def mmd2_unbiased(x: torch.Tensor, y: torch.Tensor) -> float:
    """Unbiased MMD^2 of two equal-sized samples (Gretton et al. 2012, eq. 3), the diagonals left out."""
    m = x.shape[0]
    k_xx, k_yy, k_xy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
    within = (k_xx.sum() - k_xx.diagonal().sum() + k_yy.sum() - k_yy.diagonal().sum()) / (m * (m - 1))
    return float(within - 2 * k_xy.sum() / (m * m))


def kernel_inception_distance(real: torch.Tensor | np.ndarray, fake: torch.Tensor | np.ndarray, *,
                              subsets: int = 100, subset_size: int = 1000,
                              seed: int = 0) -> tuple[float, float]:
    """(mean, std) of the unbiased MMD^2 over `subsets` random subsets of `subset_size` (clipped to
    the smaller set), drawn without replacement with a seeded generator: torch-fidelity's KID."""
    real, fake = torch.as_tensor(real, dtype=torch.float32), torch.as_tensor(fake, dtype=torch.float32)
    m = min(subset_size, real.shape[0], fake.shape[0])
    if m < 2:
        raise GenlabError(f"kid needs at least 2 images per set, got {real.shape[0]} and {fake.shape[0]}")
    generator = torch.Generator().manual_seed(seed)
    values = []
    for _ in range(subsets):
        x = real[torch.randperm(real.shape[0], generator=generator)[:m]]
        y = fake[torch.randperm(fake.shape[0], generator=generator)[:m]]
        values.append(mmd2_unbiased(x, y))
    values = np.asarray(values)
    return float(values.mean()), float(values.std())
