"""Translation metrics on cases with known answers (metrics/translation.py)."""
import math

import pytest
import torch
from torch import nn

from genlab.metrics.translation import cycle_error, label_kept, paired_scores, translate_all


def _images(n=6, seed=0):
    return torch.randint(0, 256, (n, 1, 16, 16), dtype=torch.uint8, generator=torch.Generator().manual_seed(seed))


def test_identity_translation_scores_perfectly():
    x = _images()
    scores = paired_scores(lambda t: t, x, x, fid=False)
    assert scores["pairs"] == 6 and math.isinf(scores["psnr_y"]) and scores["ssim_y"] == pytest.approx(1.0)


def test_psnr_of_a_constant_offset_is_the_closed_form():
    targets = torch.full((3, 1, 16, 16), 100, dtype=torch.uint8)
    inputs = targets
    shift = 10 / 127.5  # 10 grey levels in [-1, 1] units
    scores = paired_scores(lambda t: t + shift, inputs, targets, fid=False)
    assert scores["psnr_y"] == pytest.approx(10 * math.log10(255 ** 2 / 10 ** 2), abs=1e-6)


def test_translate_all_batches_and_rounds_to_uint8():
    x = _images(250)
    assert torch.equal(translate_all(lambda t: t, x, batch_size=100), x)


def test_cycle_error_in_intensity_units():
    x = torch.full((4, 1, 8, 8), 255, dtype=torch.uint8)
    assert cycle_error(lambda t: t, lambda t: t, x) == 0
    assert cycle_error(lambda t: t, lambda t: t - 0.5, x) == pytest.approx(0.25)  # 0.5 of a [-1, 1] range of 2


class _Brightness(nn.Module):
    """Labels an image 1 when its mean is above mid-grey, else 0."""
    def forward(self, x):
        m = x.flatten(1).mean(1)
        return torch.stack([-m, m], 1)


def test_label_kept_counts_agreements_with_the_source_labels():
    dark, bright = torch.zeros(3, 1, 8, 8, dtype=torch.uint8), torch.full((1, 1, 8, 8), 255, dtype=torch.uint8)
    images = torch.cat([dark, bright])
    assert label_kept(images, torch.tensor([0, 0, 1, 1]), _Brightness()) == pytest.approx(0.75)
