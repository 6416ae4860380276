"""Likelihood metrics: units follow the decoder, the IWAE estimate is tighter than the ELBO."""
import math

import pytest
import torch

from genlab.errors import GenlabError
from genlab.metrics.likelihood import elbo_test, likelihood_units, nll_iwae, prepare_images, reconstruction
from genlab.models import AE, VAE, AEConfig, VAEConfig


def _images(n=8):
    g = torch.Generator().manual_seed(0)
    return (torch.rand(n, 1, 8, 8, generator=g) * 255).to(torch.uint8)


def test_bernoulli_vae_in_nats_and_iwae_below_elbo():
    torch.manual_seed(0)
    vae = VAE(VAEConfig(net="mlp", net_args={"width": 16}, latent_dim=4), img_channels=1, img_resolution=8)
    images = _images()
    assert likelihood_units(vae) == "nats"
    assert set(prepare_images(vae, images).unique().tolist()) <= {-1.0, 1.0}  # binarized
    elbo = elbo_test(vae, images, batch_size=3)
    nll = nll_iwae(vae, images, k=200, batch_size=3, chunk=64)
    assert elbo["elbo_units"] == "nats" and nll["nll200_units"] == "nats"
    # an untrained net: about log 2 per pixel; the IWAE estimate is the tighter (lower) bound on -log p
    assert 20 < nll["nll200"] <= elbo["elbo"] + 0.5


def test_gaussian_vae_in_bits_per_dim():
    torch.manual_seed(0)
    vae = VAE(VAEConfig(net="mlp", net_args={"width": 16}, latent_dim=4, decoder="gaussian", std=0.2),
              img_channels=1, img_resolution=8)
    x = prepare_images(vae, _images())
    assert not torch.all((x == 1) | (x == -1))  # dequantized, not binarized
    out = nll_iwae(vae, _images(), k=20)
    assert out["nll20_units"] == "bits/dim" and 0 < out["nll20"] < 16
    # bits/dim = (nats + D ln 256) / (D ln 2), D = 64
    nats = -vae.log_likelihood(prepare_images(vae, _images()), k=20, generator=torch.Generator().manual_seed(2)).mean()
    assert math.isclose(out["nll20"], (nats.item() + 64 * math.log(256)) / (64 * math.log(2)), rel_tol=1e-4)


def test_reconstruction_metrics_and_ae_has_no_likelihood():
    ae = AE(AEConfig(net="mlp", net_args={"width": 16}, latent_dim=4), img_channels=1, img_resolution=16)
    images = (torch.rand(4, 1, 16, 16) * 255).to(torch.uint8)
    out = reconstruction(ae, images, batch_size=3)
    assert set(out) == {"mse", "psnr", "ssim"} and out["psnr"] > 0
    with pytest.raises(GenlabError, match="no likelihood"):
        nll_iwae(ae, images)
