import pytest
import torch

from genlab.data.degrade import (DEGRADATIONS, bicubic_downscale, bicubic_upscale, make_degradation, mod_crop,
                                 realistic_degrade)
from genlab.errors import DataError


def _batch(seed=0):
    return torch.rand((2, 3, 48, 48), generator=torch.Generator().manual_seed(seed)) * 2 - 1


def test_mod_crop_and_uint8_bicubic_shapes():
    img = torch.randint(0, 256, (3, 50, 47), dtype=torch.uint8)
    assert mod_crop(img, 4).shape == (3, 48, 44)
    lr = bicubic_downscale(img, 4)
    assert lr.shape == (3, 12, 11) and lr.dtype == torch.uint8
    assert bicubic_upscale(lr, 4).shape == (3, 48, 44)


@pytest.mark.parametrize("name", list(DEGRADATIONS))
def test_shapes_range_and_determinism(name):
    degrade = make_degradation(name)
    x = _batch()
    a = degrade(x, torch.Generator().manual_seed(1))
    b = degrade(x, torch.Generator().manual_seed(1))
    s = degrade.scale
    assert a.shape == (2, 3, 48 // s, 48 // s)
    assert a.min() >= -1 and a.max() <= 1
    assert torch.equal(a, b)


def test_realistic_differs_from_bicubic_and_by_seed():
    x = _batch()
    r1 = realistic_degrade(x, 4, torch.Generator().manual_seed(1))
    r2 = realistic_degrade(x, 4, torch.Generator().manual_seed(2))
    bic = make_degradation("bicubic-x4")(x, None)
    assert (r1 - bic).abs().mean() > 0.01
    assert not torch.equal(r1, r2)


def test_errors():
    with pytest.raises(DataError, match="unknown degradation 'nope'"):
        make_degradation("nope")
    with pytest.raises(DataError):
        make_degradation("bicubic-x4")(torch.zeros(1, 3, 10, 10), None)
