"""Latent walks: endpoints are reproduced, slerp keeps the norm, GANs interpolate on seeds."""
import math

import pytest
import torch

from genlab.apps.interpolate import endpoint, interpolate, lerp, slerp, traverse
from genlab.apps.sample import sample_seeds
from genlab.errors import GenlabError
from genlab.train.run import load_run


def test_slerp_endpoints_and_norm():
    a, b = torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 2.0]])
    path = slerp(a, b, torch.linspace(0, 1, 5))
    assert torch.allclose(path[0], a[0]) and torch.allclose(path[-1], b[0], atol=1e-6)
    mid = slerp(torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 1.0]]), torch.tensor([0.5]))
    assert torch.allclose(mid, torch.tensor([[math.sqrt(0.5), math.sqrt(0.5)]]))  # on the circle, not inside
    assert torch.allclose(lerp(a, b, torch.tensor([0.5])), torch.tensor([[0.5, 1.0]]))


def test_gan_interpolates_between_seeds(gan_run):
    model = load_run(gan_run).model
    images = interpolate(model, 3, 5, steps=4, spherical=True)
    assert images.shape == (4, 1, 28, 28)
    ends = sample_seeds(model, [3, 5])
    assert torch.allclose(images[0], ends[0], atol=1e-5) and torch.allclose(images[-1], ends[1], atol=1e-5)



def test_gan_interpolates_from_an_image_by_inversion(gan_run, monkeypatch, tmp_path):
    import numpy as np
    np.savez(tmp_path / "one.npz", x=np.zeros((1, 28, 28), np.uint8))
    model = load_run(gan_run).model
    encode = model.encode
    monkeypatch.setattr(model, "encode", lambda x, labels=None: encode(x, labels, starts=1, steps=3))
    assert interpolate(model, str(tmp_path / "one.npz"), 2, steps=3).shape == (3, 1, 28, 28)


def test_a_model_without_encoder_needs_seeds():
    class SamplerOnly(torch.nn.Module):
        pass

    with pytest.raises(GenlabError, match="has no encoder .* use seeds"):
        endpoint(SamplerOnly(), "mnist:test")


def test_cvae_interpolates_from_an_image(cvae_run, tmp_path):
    import numpy as np
    np.savez(tmp_path / "one.npz", x=np.zeros((1, 28, 28), np.uint8), y=np.array([2]))
    model = load_run(cvae_run).model
    z = endpoint(model, str(tmp_path / "one.npz"))
    assert z.shape == (1, model.latent_dim)
    images = interpolate(model, str(tmp_path / "one.npz"), 0, steps=3, label=2)
    assert torch.allclose(images[0], model.decode(z, torch.tensor([2]))[0], atol=1e-6)


def test_traverse_grid(cvae_run):
    model = load_run(cvae_run).model
    images = traverse(model, [0, 3], -2, 2, steps=5, base=1, label=1)
    assert images.shape == (10, 1, 28, 28)
    with pytest.raises(GenlabError, match="latent dimension 99 is out of range"):
        traverse(model, [99])
