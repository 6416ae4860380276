"""The VAE objective against numbers with a known source: the closed-form KL, and a linear-Gaussian
model (probabilistic PCA, Tipping & Bishop 1999) whose log p(x) = log N(x; b, W W^T + s^2 I) is exact."""
import math

import pytest
import torch

from genlab.models import VAE, VAEConfig
from genlab.models.likelihood import (beta_schedule, gaussian_kl, iwae_bound, log_normal, log_standard_normal,
                                      reparameterize)


def test_analytic_kl_matches_monte_carlo():
    g = torch.Generator().manual_seed(0)
    mu = torch.randn(4, 3, generator=g)
    logvar = torch.randn(4, 3, generator=g) * 0.5
    eps = torch.randn(200_000, 4, 3, generator=g, dtype=torch.float64)
    z = reparameterize(mu.double(), logvar.double(), eps)
    mc = (log_normal(z, mu.double(), logvar.double()) - log_standard_normal(z)).mean(0)
    analytic = gaussian_kl(mu.double(), logvar.double())
    assert torch.allclose(analytic, mc, atol=0.03), (analytic, mc)
    assert torch.all(gaussian_kl(torch.zeros(2, 5), torch.zeros(2, 5)) == 0)


def test_iwae_bound_of_equal_weights_is_the_weight():
    lw = torch.full((7, 3), -2.5)
    assert torch.allclose(iwae_bound(lw), torch.full((3,), -2.5))


def test_beta_schedule_warms_up_linearly():
    assert beta_schedule(0, 1.0, 100) == 0.0 and beta_schedule(50, 2.0, 100) == 1.0
    assert beta_schedule(500, 2.0, 100) == 2.0 and beta_schedule(0, 0.5, 0) == 0.5


def _linear_gaussian_vae(exact_posterior: bool, seed: int = 0):
    """A VAE whose nets are single linear layers (mlp, depth 0) set to a pPCA model on 4x4 images."""
    torch.manual_seed(seed)
    D, L, s = 16, 3, 0.2
    cfg = VAEConfig(net="mlp", net_args={"depth": 0}, latent_dim=L, decoder="gaussian", std=s)
    vae = VAE(cfg, img_channels=1, img_resolution=4).double()
    q, _ = torch.linalg.qr(torch.randn(D, L, dtype=torch.float64))
    W = q * torch.tensor([0.6, 0.4, 0.3], dtype=torch.float64)  # orthogonal columns: a diagonal posterior
    b = torch.full((D,), 0.5, dtype=torch.float64)
    dec = vae.decoder.net[0]
    enc = vae.encoder.net[0]
    with torch.no_grad():
        dec.weight.copy_(W)
        dec.bias.copy_(b)
        # exact posterior of t = (x + 1) / 2: cov M^-1, mean M^-1 W^T (t - b) / s^2, M = I + W^T W / s^2
        M_inv = torch.linalg.inv(torch.eye(L, dtype=torch.float64) + W.T @ W / s ** 2)
        A = M_inv @ W.T / s ** 2
        enc.weight.zero_()
        enc.weight[:L] = 0.5 * A  # x in [-1, 1]: t = 0.5 x + 0.5
        enc.bias[:L] = A @ (0.5 - b)
        enc.bias[L:] = torch.log(torch.diagonal(M_inv))
        if not exact_posterior:  # a worse q: shifted mean, wider variance
            enc.bias[:L] += 0.3
            enc.bias[L:] += 0.7
    cov = W @ W.T + s ** 2 * torch.eye(D, dtype=torch.float64)
    t = torch.distributions.MultivariateNormal(b, cov).sample((6,))
    x = (t * 2 - 1).view(6, 1, 4, 4)
    log_px = torch.distributions.MultivariateNormal(b, cov).log_prob(t)
    return vae, x, log_px


def test_exact_posterior_makes_elbo_and_iwae_equal_log_px():
    """With q(z|x) = p(z|x) every importance weight is p(x): IWAE is exact for any k, the ELBO in expectation."""
    vae, x, log_px = _linear_gaussian_vae(exact_posterior=True)
    g = torch.Generator().manual_seed(1)
    assert torch.allclose(vae.log_likelihood(x, k=10, generator=g), log_px, atol=1e-8)
    elbo = torch.stack([vae.elbo(x, generator=g) for _ in range(4000)]).mean(0)  # analytic KL, sampled log p(x|z)
    assert torch.allclose(elbo, log_px, atol=0.05)


def test_elbo_below_log_px_and_iwae_approaches_it():
    vae, x, log_px = _linear_gaussian_vae(exact_posterior=False)
    g = torch.Generator().manual_seed(2)
    elbo = torch.stack([vae.elbo(x, generator=g) for _ in range(2000)]).mean(0)
    assert torch.all(elbo < log_px - 0.1)
    # the expected gap E[log p(x) - IWAE_k] shrinks with k (Burda et al. 2016, theorem 1): average repeats
    gaps = [torch.stack([log_px - vae.log_likelihood(x, k=k, chunk=1000, generator=g) for _ in range(reps)]).mean().item()
            for k, reps in ((1, 400), (10, 200), (100, 50), (5000, 4))]
    assert gaps[0] > gaps[1] > gaps[2] > gaps[3] > -0.01, gaps
    assert gaps[3] < 0.02 and gaps[0] > 0.5, gaps


def test_gradients_flow_through_the_reparameterised_sample():
    """With beta = 0 the loss is the reconstruction alone: the encoder gets its gradient through z."""
    torch.manual_seed(0)
    vae = VAE(VAEConfig(net="mlp", net_args={"width": 16}, latent_dim=4, beta=0.0), img_channels=1, img_resolution=8)
    x = torch.rand(5, 1, 8, 8).round() * 2 - 1
    grads = {}

    def update(loss, name):
        loss.backward()
        grads.update({n: p.grad.clone() for n, p in vae.named_parameters() if p.grad is not None})

    vae.train_step({"images": x, "labels": None}, vae.trainable(), update)
    enc = [g for n, g in grads.items() if n.startswith("encoder.")]
    assert enc and all(g.abs().sum() > 0 for g in enc)
    # both halves of the encoder output (mu and log sigma) receive gradient
    last = vae.encoder.net[-1]
    assert grads["encoder.net.4.weight"][:4].abs().sum() > 0 and grads["encoder.net.4.weight"][4:].abs().sum() > 0
    assert last.out_features == 8


@pytest.mark.parametrize("objective", ["elbo", "iwae"])
def test_train_step_logs_elbo_terms_and_counts_steps(objective):
    torch.manual_seed(0)
    vae = VAE(VAEConfig(net="mlp", net_args={"width": 16}, latent_dim=4, objective=objective, k=3,
                        kl_warmup_steps=4), img_channels=1, img_resolution=8)
    opt = vae.configure_optimizers()["vae"]

    def update(loss, name):
        loss.backward()
        opt.step()
        opt.zero_grad()

    x = torch.rand(5, 1, 8, 8).round() * 2 - 1
    logs = [vae.train_step({"images": x, "labels": None}, vae.trainable(), update) for _ in range(3)]
    assert [r["beta"] for r in logs] == [0.0, 0.25, 0.5] and int(vae.steps_done) == 3
    for r in logs:
        assert math.isclose(r["elbo"], -r["rec"] - r["kl"], rel_tol=1e-5)
