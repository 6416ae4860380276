"""GAN inversion recovers an image the generator itself produced, and respects a mask."""
import pytest
import torch

from genlab.models import GAN, GANConfig


pytestmark = pytest.mark.usefixtures("one_thread")  # see conftest.py


def _gan():
    torch.manual_seed(0)
    return GAN(GANConfig(net="seed-dcgan", latent_dim=8, net_args={"width": 16}), img_channels=1, img_resolution=28)


def test_inversion_recovers_a_generated_image():
    gan = _gan()
    z_true = torch.randn(2, 8, generator=torch.Generator().manual_seed(1))
    target = gan.generate(z_true)
    z_init_error = ((gan.generate(torch.randn(2, 8)) - target) ** 2).mean()
    z = gan.encode(target, starts=2, steps=150)
    error = ((gan.decode(z) - target) ** 2).mean()
    assert error < 0.01 * z_init_error
    assert (z - z_true).abs().max() < 0.15  # the latent itself is found (the prior term shrinks it a little)


def test_masked_inversion_ignores_unknown_pixels():
    gan = _gan()
    target = gan.generate(torch.randn(2, 8, generator=torch.Generator().manual_seed(2)))
    known = torch.ones(2, 1, 28, 28)
    known[:, :, 7:21, 7:21] = 0
    corrupted = target.clone()
    corrupted[known.expand_as(target) == 0] = 1.0  # garbage in the hole
    z = gan.encode(corrupted, known=known, starts=2, steps=150)
    filled = gan.decode(z)
    hole = known.expand_as(target) == 0
    assert ((filled - target)[hole] ** 2).mean() < 0.25 * ((corrupted - target)[hole] ** 2).mean()
