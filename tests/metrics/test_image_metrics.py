"""PSNR and SSIM against values computed by hand."""
import math

import numpy as np
import pytest
import torch

from genlab.metrics.image import gaussian_window, mse, psnr, ssim


def _from01(a):
    return torch.as_tensor(a, dtype=torch.float64) * 2 - 1


def test_psnr_of_a_constant_offset():
    x = torch.full((2, 1, 16, 16), 0.5)
    y = x + 0.1  # 0.05 in [0, 1] units: MSE 0.0025 -> 10 log10(400) = 26.0206 dB
    assert torch.allclose(mse(x, y), torch.full((2,), 0.0025, dtype=torch.float64))
    assert torch.allclose(psnr(x, y), torch.full((2,), 10 * math.log10(400), dtype=torch.float64))
    assert torch.all(psnr(x, x) == 100)  # identical images: capped


def test_psnr_on_a_mask_counts_only_those_pixels():
    x = torch.zeros(1, 1, 4, 4)
    y = x.clone()
    y[..., :2, :] = 1.0  # error 0.5 in [0, 1] units on the top half
    top = torch.zeros(1, 1, 4, 4, dtype=torch.bool)
    top[..., :2, :] = True
    assert math.isclose(psnr(x, y, top).item(), 10 * math.log10(1 / 0.25))
    assert psnr(x, y, ~top).item() == 100


def test_gaussian_window_is_normalised_and_symmetric():
    w = gaussian_window(11, 1.5)
    assert math.isclose(w.sum().item(), 1.0) and torch.allclose(w, w.T) and w.argmax() == 60


def test_ssim_of_constant_images_is_the_luminance_term():
    """Zero variance: SSIM = (2ab + C1) / (a^2 + b^2 + C1) with C1 = (0.01)^2."""
    a, b = 0.3, 0.6
    value = ssim(_from01(np.full((1, 1, 11, 11), a)), _from01(np.full((1, 1, 11, 11), b))).item()
    c1 = 0.01 ** 2
    assert math.isclose(value, (2 * a * b + c1) / (a * a + b * b + c1), rel_tol=1e-9)


def test_ssim_of_one_window_by_hand():
    """An 11x11 image is one window: Gaussian-weighted means, variances and covariance, Wang et al. eq. 13."""
    rng = np.random.default_rng(0)
    a = rng.random((11, 11))
    b = np.clip(a + rng.normal(0, 0.1, (11, 11)), 0, 1)
    coords = np.arange(11) - 5
    g = np.exp(-coords ** 2 / (2 * 1.5 ** 2))
    w = np.outer(g, g) / np.outer(g, g).sum()
    mu_a, mu_b = (w * a).sum(), (w * b).sum()
    var_a, var_b = (w * a * a).sum() - mu_a ** 2, (w * b * b).sum() - mu_b ** 2
    cov = (w * a * b).sum() - mu_a * mu_b
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    expected = (2 * mu_a * mu_b + c1) * (2 * cov + c2) / ((mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2))
    assert math.isclose(ssim(_from01(a[None, None]), _from01(b[None, None])).item(), expected, rel_tol=1e-9)
    assert math.isclose(ssim(_from01(a[None, None]), _from01(a[None, None])).item(), 1.0)


def test_ssim_agrees_with_scikit_image_when_installed():
    metrics = pytest.importorskip("skimage.metrics")
    rng = np.random.default_rng(1)
    a = rng.random((40, 40))
    b = np.clip(a + rng.normal(0, 0.2, a.shape), 0, 1)
    ref = metrics.structural_similarity(a, b, data_range=1.0, gaussian_weights=True, sigma=1.5,
                                       use_sample_covariance=False)
    ours = ssim(_from01(a[None, None]), _from01(b[None, None])).item()
    # skimage averages over a border-cropped 'same' filtering; Wang's 'valid' windows differ only slightly
    assert abs(ours - ref) < 0.02
