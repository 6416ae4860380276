"""Corruptions keep their statistics: the fraction of pixels they touch and the noise they add."""
import pytest
import torch

from genlab.data.corrupt import parse_corruption
from genlab.errors import GenlabError


def _images(n=64, c=1, r=28):
    return torch.zeros(n, c, r, r)  # mid-grey: noise is rarely clipped, every change is visible


def test_mask_drops_the_asked_fraction():
    x = _images(c=3)
    out, known = parse_corruption("mask:0.3")(x, torch.Generator().manual_seed(0))
    dropped = (~known).float().mean().item()
    assert abs(dropped - 0.3) < 0.01  # 50k pixels: sd of the fraction ~0.002
    assert torch.all(out[(~known).expand_as(out)] == -1) and torch.equal(out[known.expand_as(out)], x[known.expand_as(x)])


def test_saltpepper_hits_the_asked_fraction_half_white():
    out, known = parse_corruption("saltpepper:0.2")(_images(), torch.Generator().manual_seed(0))
    hit = ~known
    assert abs(hit.float().mean().item() - 0.2) < 0.01
    assert abs((out[hit] == 1).float().mean().item() - 0.5) < 0.03
    assert torch.all(out[known] == 0)


def test_gaussian_adds_noise_of_the_asked_std_in_unit_pixels():
    out, known = parse_corruption("gaussian:0.1")(_images(), torch.Generator().manual_seed(0))
    noise01 = out / 2  # [-1, 1] -> [0, 1] differences
    assert abs(noise01.std().item() - 0.1) < 0.002 and abs(noise01.mean().item()) < 0.002
    assert not known.any()
    clipped, _ = parse_corruption("gaussian:0.5")(torch.ones(2, 1, 8, 8), torch.Generator().manual_seed(0))
    assert clipped.max() <= 1 and clipped.min() >= -1


def test_block_cuts_one_square_per_image():
    out, known = parse_corruption("block:10")(_images(n=16) + 0.5, torch.Generator().manual_seed(0))
    assert torch.all((~known).flatten(1).sum(1) == 100)
    for img, k in zip(out, known):
        rows, cols = torch.nonzero(~k[0], as_tuple=True)
        assert rows.max() - rows.min() == 9 and cols.max() - cols.min() == 9
        assert torch.all(img[0][~k[0]] == -1)


def test_same_generator_same_corruption():
    c = parse_corruption("mask:0.5")
    x = _images(n=4)
    assert torch.equal(c(x, torch.Generator().manual_seed(3))[0], c(x, torch.Generator().manual_seed(3))[0])


@pytest.mark.parametrize("spec, message", [
    ("gauss:0.5", "corruption 'gauss' is unknown"), ("mask:1.5", "probability must be in"),
    ("block:x", "needs a number"), ("block:2.5", "whole number"),
])
def test_bad_specs_say_what_is_expected(spec, message):
    with pytest.raises(GenlabError, match=message):
        parse_corruption(spec)


def test_none_means_no_corruption():
    assert parse_corruption("none") is None and parse_corruption("") is None
