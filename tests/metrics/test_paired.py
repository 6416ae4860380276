"""Paired protocols (psnr_y, ssim_y, kid_patches): one output per input, the SR border crop, patches."""
import pytest
import torch

from genlab.errors import GenlabError
from genlab.metrics import evaluate_paired, protocols_of_kind
from genlab.metrics.paired import patch_kid, patches
from genlab.metrics.sr import psnr_y, ssim_y


def image(h, w, seed):
    return torch.randint(0, 256, (3, h, w), dtype=torch.uint8, generator=torch.Generator().manual_seed(seed))


def nearest(x):
    return x.repeat_interleave(2, -1).repeat_interleave(2, -2)


def pairs(n=3):
    """Targets = nearest x2 of the inputs, but for one changed pixel row, so PSNR is finite."""
    out = []
    for i in range(n):
        inputs = image(10 + i, 12, seed=i)
        targets = nearest(inputs).clone()
        targets[:, 5] = 255 - targets[:, 5]
        out.append({"inputs": inputs, "targets": targets})
    return out


def test_the_paired_protocols_are_registered_beside_the_others():
    assert list(protocols_of_kind("paired")) == ["psnr_y", "ssim_y", "kid_patches"]


def test_psnr_and_ssim_are_the_per_image_means_with_the_scale_as_border_crop():
    calls = []

    def model(x):
        calls.append(x.shape)
        return nearest(x)

    ps = pairs()
    result = evaluate_paired(model, ps, "psnr_y,ssim_y")
    assert len(calls) == 3  # one output per input, shared by both protocols
    expected_psnr = sum(psnr_y(nearest(p["inputs"]), p["targets"], crop=2) for p in ps) / 3
    expected_ssim = sum(ssim_y(nearest(p["inputs"]), p["targets"], crop=2) for p in ps) / 3
    assert result == pytest.approx({"psnr_y": expected_psnr, "ssim_y": expected_ssim}, abs=1e-12)
    # row 5 lies inside the crop-2 border's complement: a perfect model scores infinity without it
    assert result["psnr_y"] < 60


def test_bad_pairs_are_refused():
    with pytest.raises(GenlabError, match=r"made a \(3, 10, 12\) output for a \(3, 20, 24\) target"):
        evaluate_paired(lambda x: x, pairs(1), "psnr_y")
    mixed = pairs(1) + [{"inputs": image(8, 8, 0), "targets": image(24, 24, 1)}]
    with pytest.raises(GenlabError, match=r"mix scales \[2, 3\]"):
        evaluate_paired(lambda x: x.repeat_interleave(2 if x.shape[-1] == 12 else 3, -1).repeat_interleave(
            2 if x.shape[-1] == 12 else 3, -2), mixed, "psnr_y")
    with pytest.raises(GenlabError, match="'fid10k' is a 'samples' protocol"):
        evaluate_paired(nearest, pairs(1), "psnr_y,fid10k")
    with pytest.raises(GenlabError, match="no image pairs"):
        evaluate_paired(nearest, [], "psnr_y")


def test_patches_tile_the_image_without_overlap_after_the_crop():
    img = image(70, 140, 0)
    got = patches(img, size=32, crop=2)  # 66 x 136 -> 2 x 4 patches
    assert got.shape == (8, 3, 32, 32)
    assert torch.equal(got[0], img[:, 2:34, 2:34]) and torch.equal(got[5], img[:, 34:66, 34:66])


class MeanColour:
    """A stand-in feature extractor: each patch's mean colour and its spread (blur lowers the spread)."""

    def iter_features(self, batches, total=None, desc=""):
        for x in batches:
            x = x.float()
            yield torch.cat([x.mean((2, 3)), x.std((2, 3))], 1) / 64


def test_patch_kid_is_near_zero_for_the_targets_and_larger_for_blurred_outputs():
    targets = [image(128, 128, s) for s in range(4)]
    blurred = [torch.nn.functional.avg_pool2d(t[None].float(), 5, 1, 2)[0].round().to(torch.uint8) for t in targets]
    same = patch_kid(targets, targets, crop=0, extractor=MeanColour())
    blur = patch_kid(blurred, targets, crop=0, extractor=MeanColour())
    assert same["kid_patches_count"] == blur["kid_patches_count"] == 16
    assert abs(same["kid_patches_mean"]) < 1e-2  # unbiased MMD^2: about 0, either sign
    assert blur["kid_patches_mean"] > 1000 * abs(same["kid_patches_mean"])
