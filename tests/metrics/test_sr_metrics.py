import pytest
import torch

from genlab.data.degrade import bicubic_downscale, bicubic_upscale, mod_crop
from genlab.errors import DataError
from genlab.metrics.sr import psnr_y, rgb_to_y, ssim_y

skm = pytest.importorskip("skimage.metrics")


def _ref(out, tgt, crop):
    a, b = rgb_to_y(out)[crop:-crop, crop:-crop].numpy(), rgb_to_y(tgt)[crop:-crop, crop:-crop].numpy()
    return (skm.peak_signal_noise_ratio(b, a, data_range=255),
            skm.structural_similarity(b, a, data_range=255, gaussian_weights=True, sigma=1.5,
                                      use_sample_covariance=False))


def test_matches_skimage_on_random_images():
    g = torch.Generator().manual_seed(0)
    tgt = torch.randint(0, 256, (3, 40, 50), generator=g, dtype=torch.uint8)
    out = (tgt.int() + torch.randint(-20, 21, tgt.shape, generator=g)).clamp(0, 255).to(torch.uint8)
    p, s = _ref(out, tgt, 2)
    assert psnr_y(out, tgt, crop=2) == pytest.approx(p, abs=1e-6)
    assert ssim_y(out, tgt, crop=2) == pytest.approx(s, abs=1e-6)


def test_rgb_to_y_is_matlab_bt601():
    img = torch.tensor([[[0]], [[0]], [[0]]], dtype=torch.uint8)
    assert float(rgb_to_y(img)) == pytest.approx(16.0)
    assert float(rgb_to_y(img + 255)) == pytest.approx(235.0)


def test_float_output_is_rounded_first_and_shapes_checked():
    tgt = torch.full((3, 20, 20), 100, dtype=torch.uint8)
    assert psnr_y(tgt.float() + 0.4, tgt, crop=2) == float("inf")
    with pytest.raises(DataError):
        psnr_y(tgt[:, :10], tgt)


@pytest.fixture(scope="module")
def published():
    from genlab.data.srmini import load_sr_mini
    try:
        return load_sr_mini(["set5_butterfly", "set14_monarch"])
    except DataError as e:
        pytest.skip(f"registry unreachable and not cached: {e}")


@pytest.mark.parametrize("name,expected", [("set5_butterfly", 24.04), ("set14_monarch", 29.43)])
def test_published_bicubic_psnr_x3(published, name, expected):
    hr = mod_crop(published[name], 3)
    sr = bicubic_upscale(bicubic_downscale(hr, 3), 3)
    assert round(psnr_y(sr, hr, crop=3), 2) == expected
    p, s = _ref(sr, hr, 3)
    assert psnr_y(sr, hr, crop=3) == pytest.approx(p, abs=1e-6)
    assert ssim_y(sr, hr, crop=3) == pytest.approx(s, abs=1e-6)
