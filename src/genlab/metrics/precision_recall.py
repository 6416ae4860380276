"""Manifold metrics on Inception features, distances computed in chunks to bound memory.

- Precision and recall, Kynkäänniemi et al. 2019, k = 3 (the paper's choice): a sample is "inside" a
  set when it lies within the k-NN radius of one of that set's points.
- Density and coverage, Naeem et al. 2020, k = 5 (the paper's recommendation for 10k samples; its
  authors' `prdc` package's default): density counts how many real k-NN balls hold each fake sample,
  divided by k (≈ 1 when the two sets match); coverage is the fraction of real balls holding a fake one.
The original papers used VGG-16 features; like torch-fidelity and most later work we reuse the Inception
features of FID, so these numbers compare across genlab runs, not with the papers' tables.
"""
from __future__ import annotations

import torch

from ..errors import GenlabError

K_PRECISION_RECALL = 3
K_DENSITY_COVERAGE = 5
CHUNK = 1024  # rows per distance block: a (CHUNK, N) float32 matrix


def _sq_distances(a: torch.Tensor, b: torch.Tensor, b_sq: torch.Tensor) -> torch.Tensor:
    d = (a * a).sum(1, keepdim=True) + b_sq[None, :] - 2 * (a @ b.T)
    return d.clamp_min_(0)


def knn_radii(features: torch.Tensor, k: int) -> torch.Tensor:
    """Squared distance of each point to its k-th nearest neighbour in the same set (itself excluded)."""
    if features.shape[0] <= k:
        raise GenlabError(f"k-NN radii need more than k={k} points, got {features.shape[0]}")
    sq = (features * features).sum(1)
    radii = []
    for i in range(0, features.shape[0], CHUNK):
        d = _sq_distances(features[i:i + CHUNK], features, sq)
        radii.append(d.topk(k + 1, dim=1, largest=False).values[:, k])  # index 0 is the point itself
    return torch.cat(radii)


def _inside(queries: torch.Tensor, points: torch.Tensor, radii: torch.Tensor) -> torch.Tensor:
    """(Q,) bool: does any ball (points[j], radii[j]) hold queries[i]."""
    sq = (points * points).sum(1)
    out = [(_sq_distances(queries[i:i + CHUNK], points, sq) <= radii[None, :]).any(1)
           for i in range(0, queries.shape[0], CHUNK)]
    return torch.cat(out)


def precision_recall(real, fake, k: int = K_PRECISION_RECALL) -> tuple[float, float]:
    """(precision, recall) of fake vs real (N, D) features, Kynkäänniemi et al. 2019."""
    real, fake = torch.as_tensor(real, dtype=torch.float32), torch.as_tensor(fake, dtype=torch.float32)
    precision = _inside(fake, real, knn_radii(real, k)).double().mean()
    recall = _inside(real, fake, knn_radii(fake, k)).double().mean()
    return float(precision), float(recall)


def density_coverage(real, fake, k: int = K_DENSITY_COVERAGE) -> tuple[float, float]:
    """(density, coverage) of fake vs real (N, D) features, Naeem et al. 2020, eqs. 3 and 4."""
    real, fake = torch.as_tensor(real, dtype=torch.float32), torch.as_tensor(fake, dtype=torch.float32)
    radii = knn_radii(real, k)
    real_sq = (real * real).sum(1)
    balls_per_fake = torch.zeros(fake.shape[0], dtype=torch.float64)
    nearest_fake = torch.full((real.shape[0],), float("inf"))
    for i in range(0, fake.shape[0], CHUNK):
        d = _sq_distances(fake[i:i + CHUNK], real, real_sq)  # (chunk, N_real)
        balls_per_fake[i:i + CHUNK] = (d <= radii[None, :]).sum(1).double()
        nearest_fake = torch.minimum(nearest_fake, d.min(0).values)
    density = balls_per_fake.sum() / (k * fake.shape[0])
    coverage = (nearest_fake <= radii).double().mean()
    return float(density), float(coverage)


def prdc(real, fake) -> dict[str, float]:
    """precision, recall (k=3), density, coverage (k=5) in one dict."""
    precision, recall = precision_recall(real, fake)
    density, coverage = density_coverage(real, fake)
    return {"precision": precision, "recall": recall, "density": density, "coverage": coverage}

