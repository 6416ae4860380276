"""fast_ops.leaky_relu_dropout equals nn.Dropout(nn.LeakyReLU(x)) given the same mask, keeps units
with probability 1 - p, and draws its mask from torch's seeded global generator."""
import math

import pytest
import torch
import torch.nn.functional as F

from genlab.models.fast_ops import keep_mask, leaky_relu_dropout
from genlab.models.nets.seed_dcgan import SeedDiscriminator


def _reference_with_mask_of(y: torch.Tensor, x: torch.Tensor, slope: float, p: float) -> torch.Tensor:
    """The stock composition, with the Bernoulli mask that the fused op drew (read off its output)."""
    noise = ((y != 0) | (x == 0)).float().div_(1 - p)  # as ATen's dropout scales its bernoulli_ mask
    return F.leaky_relu(x, slope) * noise


@pytest.mark.parametrize("channels_last", [False, True])
def test_forward_and_backward_equal_the_composition(channels_last):
    torch.manual_seed(0)
    x = torch.randn(4, 8, 5, 5)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    x1, x2 = x.clone().requires_grad_(True), x.clone().requires_grad_(True)
    y = leaky_relu_dropout(x1, 0.2, 0.3)
    ref = _reference_with_mask_of(y.detach(), x, 0.2, 0.3)
    ref_from_x2 = F.leaky_relu(x2, 0.2) * (ref != 0).float().div_(0.7)
    torch.testing.assert_close(y, ref, rtol=0, atol=0)
    g = torch.randn_like(y)
    (gx1,) = torch.autograd.grad(y, x1, g)
    (gx2,) = torch.autograd.grad(ref_from_x2, x2, g)
    torch.testing.assert_close(gx1, gx2, rtol=0, atol=0)
    assert y.stride() == x.stride()  # the mask is laid out like x: no layout copy


def test_gradcheck_in_float64_with_a_fixed_seed():
    x = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)

    def f(x):
        torch.manual_seed(1)  # the same mask on every call gradcheck makes
        return leaky_relu_dropout(x, 0.2, 0.3)

    assert torch.autograd.gradcheck(f, (x,))


@pytest.mark.parametrize("p", [0.3, 0.5, 0.9])
def test_keep_probability_and_independence(p):
    torch.manual_seed(0)
    n = 2_000_000
    m = keep_mask(n, 1 - p)
    rate = m.mean().item()
    assert abs(rate - (1 - p)) < 5 * math.sqrt(p * (1 - p) / n)  # 5 sigma
    # neighbours (the two halves of one 64-bit draw, and across draws) are uncorrelated
    pairs = (m[:-1] * m[1:]).mean().item()
    assert abs(pairs - (1 - p) ** 2) < 5 * math.sqrt((1 - p) ** 2 / n)


def test_scale_and_eval_mode():
    torch.manual_seed(0)
    x = torch.randn(100_000).abs() + 0.1
    y = leaky_relu_dropout(x, 0.2, 0.3)
    kept = y != 0
    torch.testing.assert_close(y[kept], x[kept] / 0.7)
    torch.testing.assert_close(leaky_relu_dropout(-x, 0.2, 0.3, training=False), -0.2 * x)


def test_seeded_and_fresh_per_call():
    x = torch.randn(1000)
    torch.manual_seed(3)
    a = leaky_relu_dropout(x)
    b = leaky_relu_dropout(x)
    torch.manual_seed(3)
    assert torch.equal(a, leaky_relu_dropout(x)) and not torch.equal(a, b)


def test_discriminator_matches_stock_layers_in_eval_and_distribution_in_train():
    torch.manual_seed(0)
    d = SeedDiscriminator(width=16)
    x = torch.randn(6, 1, 28, 28)
    d.eval()
    torch.testing.assert_close(d(x), d.fc(d.features(x).flatten(1)).squeeze(1))
    d_cl = SeedDiscriminator(width=16)
    d_cl.load_state_dict(d.state_dict())
    d_cl = d_cl.to(memory_format=torch.channels_last).eval()
    torch.testing.assert_close(d_cl(x.contiguous(memory_format=torch.channels_last)), d(x), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("channels_last", [False, True])
@pytest.mark.parametrize("size", [(7, 7), (5, 9)])
def test_upsample_conv3x3_equals_upsample_then_conv(channels_last, size):
    """The transposed-conv form gives the stock Upsample + Conv2d output and gradients (fp32 rounding)."""
    from genlab.models.fast_ops import upsample_conv3x3

    torch.manual_seed(0)
    conv = torch.nn.Conv2d(6, 5, 3, padding=1)
    x = torch.randn(3, 6, *size)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    x1, x2 = x.clone().requires_grad_(True), x.clone().requires_grad_(True)
    ref = conv(F.interpolate(x1, scale_factor=2, mode="nearest"))
    y = upsample_conv3x3(x2, conv)
    assert y.shape == (3, 5, 2 * size[0], 2 * size[1])
    torch.testing.assert_close(y, ref, rtol=1e-5, atol=1e-5)
    g = torch.randn_like(ref)
    grads_ref = torch.autograd.grad(ref, (x1, conv.weight, conv.bias), g)
    grads = torch.autograd.grad(y, (x2, conv.weight, conv.bias), g)
    for a, b in zip(grads, grads_ref):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-4)


def test_upsample_conv3x3_falls_back_for_other_convs():
    from genlab.models.fast_ops import upsample_conv3x3

    conv = torch.nn.Conv2d(2, 3, 5, padding=2)
    x = torch.randn(1, 2, 4, 4)
    torch.testing.assert_close(upsample_conv3x3(x, conv), conv(F.interpolate(x, scale_factor=2)))


def test_seed_generator_output_equals_its_layers_run_one_by_one():
    from genlab.models.nets.seed_dcgan import SeedGenerator

    torch.manual_seed(0)
    G = SeedGenerator()
    z = torch.randn(4, 100)
    stock = G.body(torch.relu(G.fc(z)).view(-1, 128, 7, 7))  # the Sequential as written: Upsample, Conv, ...
    torch.testing.assert_close(G(z), stock, rtol=1e-5, atol=1e-5)
