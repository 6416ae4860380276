"""Discriminator-guided sampling (models/guidance.py): ranking, Langevin dynamics, reproducibility."""
import pytest
import torch
from torch import nn

from genlab.config import load_config
from genlab.errors import ConfigError
from genlab.models.guidance import Guidance, guided_latents
from genlab.train.run import build_model


class Identity(nn.Module):
    def forward(self, z, labels=None):
        return z


class Linear(nn.Module):
    """d(x) = w . x: a critic whose Langevin target in latent space is N(w, I) when G is the identity."""

    def __init__(self, w):
        super().__init__()
        self.w = nn.Parameter(w.clone())

    def forward(self, x, labels=None):
        return x @ self.w


class Affine(nn.Linear):
    def forward(self, z, labels=None):
        return super().forward(z)


def test_best_of_keeps_the_candidate_d_rates_highest():
    w = torch.tensor([1.0, -2.0, 0.5])
    z = torch.randn(50, 4, 3, generator=torch.Generator().manual_seed(0))  # (n, r, dim)
    chosen = guided_latents(Identity(), Linear(w), z, None, Guidance(best_of=4), noise=torch.empty(0, 50, 4, 3))
    expected = z[torch.arange(50), (z @ w).argmax(dim=1)]
    assert torch.equal(chosen, expected)
    assert (chosen @ w > (z @ w).mean(dim=1)).all()


def test_langevin_reaches_the_energy_s_gaussian():
    """E(z) = |z|^2/2 - w.z is N(w, I); the unadjusted Langevin chain's stationary law is N(w, I / (1 - eps/4))."""
    w = torch.tensor([1.5, -1.0])
    eps, steps, n = 0.2, 200, 4000
    g = torch.Generator().manual_seed(1)
    z = torch.randn(n, 1, 2, generator=g)
    noise = torch.randn(steps, n, 1, 2, generator=g)
    out = guided_latents(Identity(), Linear(w), z, None, Guidance(langevin_steps=steps, step_size=eps), noise)
    assert torch.allclose(out.mean(0), w, atol=0.08)
    assert torch.allclose(out.var(0), torch.full((2,), 1 / (1 - eps / 4)), atol=0.1)


def test_guidance_restores_the_nets_and_leaves_weights_alone():
    G, D = Affine(3, 3), Linear(torch.ones(3))
    G.train(), D.train()
    before = [p.clone() for p in (*G.parameters(), *D.parameters())]
    z = torch.randn(8, 2, 3)
    guided_latents(G, D, z, None, Guidance(best_of=2, langevin_steps=3), torch.randn(3, 8, 2, 3))
    assert G.training and D.training
    assert all(p.requires_grad for p in (*G.parameters(), *D.parameters()))
    assert all(torch.equal(a, b) for a, b in zip(before, (*G.parameters(), *D.parameters())))


@pytest.mark.parametrize("kwargs, message", [
    ({"best_of": 0}, "best-of must be an integer >= 1, got 0"),
    ({"langevin_steps": -1}, "langevin-steps must be an integer >= 0, got -1"),
    ({"step_size": 0.0}, "step-size must be > 0, got 0.0"),
])
def test_bad_guidance_is_a_config_error(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        Guidance(**kwargs).validate()


def test_describe_names_the_sampler():
    assert Guidance().describe() == "plain" and not Guidance().active
    assert Guidance(best_of=2, langevin_steps=40).describe() == "best-of-2+ld40x0.05"


@pytest.fixture(scope="module")
def tiny_gan():
    cfg = load_config("cgan-mnist", ["model.net_args={width: 8}"])
    torch.manual_seed(0)
    return build_model(cfg, img_channels=1, img_resolution=28, num_classes=10).eval()


def test_guided_gan_samples_are_reproducible_and_rated_higher(tiny_gan):
    labels = torch.arange(32) % 10
    guidance = Guidance(best_of=4, langevin_steps=2)
    a = tiny_gan.sample(32, labels, torch.Generator().manual_seed(3), guidance=guidance)
    b = tiny_gan.sample(32, labels, torch.Generator().manual_seed(3), guidance=guidance)
    plain = tiny_gan.sample(32, labels, torch.Generator().manual_seed(3))
    assert a.shape == plain.shape == (32, 1, 28, 28) and torch.equal(a, b)
    D = tiny_gan.discriminator.eval()
    with torch.no_grad():
        assert D(a, labels).mean() > D(plain, labels).mean()


def test_guided_seeds_do_not_depend_on_the_batch_size(tiny_gan):
    from genlab.apps.sample import sample_seeds

    guidance = Guidance(best_of=2, langevin_steps=2)
    one = sample_seeds(tiny_gan, list(range(6)), [3], batch_size=1, guidance=guidance)
    all_at_once = sample_seeds(tiny_gan, list(range(6)), [3], batch_size=6, guidance=guidance)
    assert torch.allclose(one, all_at_once, atol=1e-5)
    assert not torch.allclose(one, sample_seeds(tiny_gan, list(range(6)), [3], batch_size=6))
