import numpy as np
import pytest
import torch
from PIL import Image

from genlab.data.transforms import (convert_channels, fit_images, random_translate, resize_images, to_float,
                                   to_uint8)
from genlab.errors import DataError


def random_images(shape, seed=0):
    return torch.from_numpy(np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8))


def test_float_round_trip_is_exact():
    x = torch.arange(256, dtype=torch.uint8).reshape(1, 1, 16, 16)
    f = to_float(x)
    assert f.dtype == torch.float32 and f.min() == -1 and f.max() == 1
    assert torch.equal(to_uint8(f), x)


def test_rgb_to_gray_matches_pil_bit_for_bit():
    rgb = random_images((2, 3, 9, 7))
    gray = convert_channels(rgb, 1)
    for i in range(2):
        pil = np.asarray(Image.fromarray(rgb[i].permute(1, 2, 0).numpy()).convert("L"))
        np.testing.assert_array_equal(gray[i, 0].numpy(), pil)


def test_gray_to_rgb_repeats():
    gray = random_images((2, 1, 5, 5))
    rgb = convert_channels(gray, 3)
    assert rgb.shape == (2, 3, 5, 5) and all(torch.equal(rgb[:, c], gray[:, 0]) for c in range(3))
    with pytest.raises(DataError, match="channels must be 1 .* got 4"):
        convert_channels(gray, 4)


@pytest.mark.parametrize("size", [14, 32])
def test_resize_matches_pil_bilinear(size):
    # torch's antialiased bilinear follows PIL's BILINEAR filter; allow one grey level of rounding
    x = random_images((3, 1, 28, 28))
    out = resize_images(x, size)
    assert out.shape == (3, 1, size, size) and out.dtype == torch.uint8
    for i in range(3):
        pil = np.asarray(Image.fromarray(x[i, 0].numpy()).resize((size, size), Image.Resampling.BILINEAR))
        assert np.abs(out[i, 0].numpy().astype(int) - pil).max() <= 1


def test_non_square_is_centre_cropped():
    x = torch.zeros((1, 1, 20, 40), dtype=torch.uint8)
    x[..., 10:30] = 255
    out = resize_images(x, 10)  # shorter side 20 -> 10, width 40 -> 20, keep the middle 10 columns
    assert out.shape == (1, 1, 10, 10) and (out == 255).all()


def test_fit_images_noop_returns_same_tensor():
    x = random_images((2, 1, 28, 28))
    assert fit_images(x, 28, 1) is x
    assert fit_images(random_images((2, 3, 8, 8)), 4, 1).shape == (2, 1, 4, 4)


def test_random_translate_moves_each_image_by_its_own_offset_within_bounds():
    torch.manual_seed(0)
    x = torch.randn(64, 2, 6, 7)
    y = random_translate(x, 2)
    assert y.shape == x.shape
    padded = torch.nn.functional.pad(x, (2, 2, 2, 2), mode="replicate")
    offsets = []
    for i in range(len(x)):  # each output is one 6x7 window of its own padded input, both channels alike
        hits = [(dy, dx) for dy in range(5) for dx in range(5)
                if torch.equal(padded[i, :, dy:dy + 6, dx:dx + 7], y[i])]
        assert hits, f"image {i} is not a translation of its input"
        offsets.append(hits[0])
    assert len(set(offsets)) > 10  # per-image offsets, not one for the batch
    assert torch.equal(random_translate(x, 0), x)
