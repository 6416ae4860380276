"""GAN objectives on hand-made logits: values from their formulas and the sign of their gradients."""
import math

import pytest
import torch

from genlab.models import losses as L


def test_bce_values():
    zero = torch.zeros(4)
    assert L.d_bce(zero, zero).item() == pytest.approx(2 * math.log(2))
    assert L.g_nonsaturating(zero).item() == pytest.approx(math.log(2))
    assert L.g_minimax(zero).item() == pytest.approx(-math.log(2))
    # a confident discriminator (real logit 10, fake -10) has nearly zero loss
    assert L.d_bce(torch.full((3,), 10.0), torch.full((3,), -10.0)).item() < 1e-3


@pytest.mark.parametrize("name", list(L.LOSSES))
def test_generator_gradient_raises_fake_logits(name):
    """Every generator loss decreases when D scores fakes as more real."""
    logits = torch.tensor([-2.0, 0.0, 2.0], requires_grad=True)
    L.LOSSES[name][1](logits).backward()
    assert torch.all(logits.grad < 0) or name == "least-squares" and logits.grad[:2].lt(0).all()


@pytest.mark.parametrize("name", list(L.LOSSES))
def test_discriminator_gradients(name):
    real = torch.tensor([0.0, 0.5], requires_grad=True)
    fake = torch.tensor([0.3, 0.8], requires_grad=True)
    L.LOSSES[name][0](real, fake).backward()
    assert torch.all(real.grad < 0) and torch.all(fake.grad > 0)


def test_minimax_saturates_where_nonsaturating_does_not():
    """The document's formula gives almost no gradient when D confidently rejects fakes."""
    logits = torch.tensor([-8.0], requires_grad=True)
    L.g_minimax(logits).backward()
    g_mm = logits.grad.abs().item()
    logits.grad = None
    L.g_nonsaturating(logits).backward()
    assert g_mm < 1e-3 < logits.grad.abs().item()


def test_hinge_and_least_squares_values():
    r, f = torch.tensor([2.0, 0.0]), torch.tensor([-2.0, 0.0])
    assert L.d_hinge(r, f).item() == pytest.approx(0.5 + 0.5)
    assert L.d_least_squares(torch.ones(2), torch.zeros(2)).item() == 0


def test_gradient_penalty_zero_for_unit_gradient_linear_critic():
    w = torch.zeros(1, 2, 2)
    w[0, 0, 0] = 1.0  # |grad| = 1 everywhere

    def critic(x, labels=None):
        return (x * w).flatten(1).sum(1)

    gp = L.gradient_penalty(critic, torch.randn(4, 1, 2, 2), torch.randn(4, 1, 2, 2))
    assert gp.item() == pytest.approx(0.0, abs=1e-10)


def test_r1_penalty_of_linear_critic():
    x = torch.randn(3, 4, requires_grad=True)
    logits = (x * 2).sum(1)
    assert L.r1_penalty(logits, x).item() == pytest.approx(16.0)


def test_consistency_penalty_and_its_gradient():
    logits = torch.tensor([1.0, -1.0, 0.5], requires_grad=True)
    augmented = torch.tensor([0.0, -1.0, 1.5], requires_grad=True)
    cr = L.consistency_penalty(logits, augmented)
    assert cr.item() == pytest.approx((1 + 0 + 1) / 3)
    cr.backward()  # the gradient pulls the two logits towards each other, through both
    assert logits.grad.tolist() == pytest.approx([2 / 3, 0.0, -2 / 3])
    assert augmented.grad.tolist() == pytest.approx([-2 / 3, 0.0, 2 / 3])
