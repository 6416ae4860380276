"""Fréchet Inception Distance (Heusel et al. 2017): a pure float64 core, then streaming statistics."""
from __future__ import annotations

import logging
import warnings

import numpy as np
import scipy.linalg
import torch

from ..errors import GenlabError

log = logging.getLogger(__name__)


def _sqrtm(matrix: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():  # a singular product is handled by the caller, not worth a warning
        warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
        return scipy.linalg.sqrtm(matrix)


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray,
                     eps: float = 1e-6) -> float:
    """||mu1 - mu2||^2 + Tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2)), in float64.

    As pytorch-fid: when the product is near singular, sqrtm's result is not finite and eps * I is
    added to both covariances; an imaginary residue above 1e-3 is an error, a smaller one is dropped.
    """
    mu1, mu2 = np.atleast_1d(np.asarray(mu1, np.float64)), np.atleast_1d(np.asarray(mu2, np.float64))
    sigma1 = np.atleast_2d(np.asarray(sigma1, np.float64))
    sigma2 = np.atleast_2d(np.asarray(sigma2, np.float64))
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape or sigma1.shape != mu1.shape * 2:
        raise GenlabError(f"mean/covariance shapes differ: {mu1.shape} {sigma1.shape} vs "
                          f"{mu2.shape} {sigma2.shape}")
    diff = mu1 - mu2
    covmean = _sqrtm(sigma1.dot(sigma2))
    if not np.isfinite(covmean).all():
        log.warning("fid: sigma1 @ sigma2 is singular; adding %g to the diagonal of the covariances", eps)
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = _sqrtm((sigma1 + offset).dot(sigma2 + offset))
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            raise GenlabError(f"fid: sqrtm left an imaginary component of "
                              f"{np.max(np.abs(covmean.imag)):.3g}; the statistics are degenerate")
        covmean = covmean.real
    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


class FeatureStats:
    """Running mean and covariance of feature vectors, accumulated in float64 (as StyleGAN3's tool)."""

    def __init__(self, dim: int = 2048, max_items: int | None = None):
        self.dim = dim
        self.max_items = max_items  # later updates past this count are ignored
        self.n = 0
        self.total = np.zeros(dim, np.float64)
        self.total_outer = np.zeros((dim, dim), np.float64)

    @property
    def full(self) -> bool:
        return self.max_items is not None and self.n >= self.max_items

    def update(self, features: torch.Tensor | np.ndarray) -> None:
        x = np.asarray(features.cpu() if isinstance(features, torch.Tensor) else features, np.float64)
        if self.max_items is not None:
            x = x[: max(self.max_items - self.n, 0)]
        if x.shape[0] == 0:
            return
        self.n += x.shape[0]
        self.total += x.sum(axis=0)
        self.total_outer += x.T @ x

    def mean_cov(self) -> tuple[np.ndarray, np.ndarray]:
        """(mu, sigma), sigma the unbiased (n - 1) covariance like np.cov."""
        if self.n < 2:
            raise GenlabError(f"fid needs at least 2 images, got {self.n}")
        mu = self.total / self.n
        sigma = (self.total_outer - self.n * np.outer(mu, mu)) / (self.n - 1)
        return mu, sigma


def feature_stats(features: torch.Tensor | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mu, sigma) of a (N, D) feature matrix, in float64."""
    stats = FeatureStats(features.shape[1])
    stats.update(features)
    return stats.mean_cov()


def fid_from_features(real: torch.Tensor | np.ndarray, fake: torch.Tensor | np.ndarray) -> float:
    """FID between two (N, D) feature matrices."""
    return frechet_distance(*feature_stats(real), *feature_stats(fake))
