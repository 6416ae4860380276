"""The text VAE (Bowman et al. 2016): the closed-form KL, the annealing schedule and its resume state, the
importance-sampled bound against the ELBO, character dropout, and interpolation's end points."""
import math

import pytest
import torch

from genlab.errors import ConfigError, GenlabError
from genlab.models.text_vae import TextVAE, TextVAEConfig, free_bits_kl, gaussian_kl

pytestmark = pytest.mark.usefixtures("one_thread")
VOCAB = "\n !',.:;?ABCDEFGHIJKLMNOPRSTUVWYabcdefghiklmnoprstuvwy"


def vae(**cfg):
    torch.manual_seed(0)
    args = {"latent_dim": 4, "hidden": 16, "n_embd": 8, **cfg}
    return TextVAE(TextVAEConfig(**args), vocab=VOCAB, seq_len=16)


def test_gaussian_kl_matches_the_closed_form():
    mu, logvar = torch.tensor([[0.5, -1.0]]), torch.tensor([[math.log(2.0), 0.0]])
    # per dimension 0.5 (mu^2 + s^2 - 1 - log s^2): 0.5 (0.25 + 2 - 1 - ln 2) + 0.5 (1 + 1 - 1 - 0)
    assert gaussian_kl(mu, logvar).item() == pytest.approx(0.5 * (1.25 - math.log(2)) + 0.5)
    assert gaussian_kl(torch.zeros(3, 5), torch.zeros(3, 5)).tolist() == [0.0, 0.0, 0.0]


def test_free_bits_charge_each_dimension_at_least_lambda_and_pass_no_gradient_below_it():
    mu = torch.tensor([[0.1, 2.0], [-0.1, 2.0]], requires_grad=True)
    logvar = torch.zeros(2, 2)
    # batch-mean KL per dimension: 0.5 * 0.01 = 0.005 (below lambda) and 0.5 * 4 = 2.0 (above)
    assert free_bits_kl(mu, logvar, 0.0).item() == pytest.approx(2.005)
    assert free_bits_kl(mu, logvar, 0.0).item() == pytest.approx(gaussian_kl(mu, logvar).mean().item())
    charged = free_bits_kl(mu, logvar, 0.25)
    assert charged.item() == pytest.approx(2.25)
    charged.backward()
    assert mu.grad[:, 0].tolist() == [0.0, 0.0] and mu.grad[:, 1].tolist() == pytest.approx([1.0, 1.0])


def test_with_free_bits_the_reported_kl_stays_the_true_kl():
    model = vae(free_bits=5.0, kl_anneal_steps=0)
    opt = model.configure_optimizers()["net"]
    tokens = model.encode(("Shall I compare thee " * 3)[:34]).view(2, 17)

    def update(loss, name):
        update.loss = loss.item()
        loss.backward()
        opt.step()
        opt.zero_grad()

    out = model.train_step({"tokens": tokens}, model.trainable(), update)
    assert out["kl"] < 5.0 * 4  # a fresh encoder is near the prior: far below the 20 free nats
    assert update.loss == pytest.approx(out["rec_per_char"] + 4 * 5.0 / 16, rel=1e-5)


def test_kl_annealing_follows_the_step_count_and_is_saved():
    model = vae(kl_anneal_steps=4)
    opt = model.configure_optimizers()["net"]
    tokens = model.encode(("Shall I compare thee " * 3)[:34]).view(2, 17)

    def update(loss, name):
        loss.backward()
        opt.step()
        opt.zero_grad()

    betas = [model.train_step({"tokens": tokens}, model.trainable(), update)["beta"] for _ in range(6)]
    assert betas == [0.0, 0.25, 0.5, 0.75, 1.0, 1.0]
    assert int(model.state_dict()["steps_done"]) == 6  # in model.safetensors: a resume continues the schedule


def test_the_importance_sampled_bound_is_above_the_elbo_and_tightens():
    model = vae()
    x = model.encode(("Shall I compare thee to a summer's day? " * 2)[:64]).view(4, 16)
    g = lambda: torch.Generator().manual_seed(0)  # noqa: E731
    elbo = torch.stack([model.elbo(x, generator=g()) for _ in range(50)]).mean(0)
    bound_1, bound_50 = model.log_likelihood(x, k=1, generator=g()), model.log_likelihood(x, k=50, generator=g())
    assert (bound_50 >= elbo - 1e-3).all()  # log E[w] >= E[log w] (Jensen), with a 50-sample ELBO average
    assert bound_50.mean() >= bound_1.mean()
    assert (bound_50 < 0).all() and (bound_50 > -16 * math.log(len(VOCAB)) * 2).all()


def test_interpolation_starts_and_ends_at_the_texts_decodes_and_refuses_unknown_characters():
    model = vae()
    lines = model.interpolate("Shall I", "Thou art more", 5)
    assert len(lines) == 5 and all(len(line) == len("Thou art more") for line in lines)
    z = model.posterior_means(model.encode("Shall I")[None])
    assert lines[0] == model.decode(torch.cat(list(model.decode_text(z, 13))).tolist())
    with pytest.raises(GenlabError, match="outside the model's vocabulary: 'X'"):
        model.interpolate("Xerxes", "Thou", 3)


def test_prior_samples_depend_only_on_the_seed():
    model = vae()
    a = "".join(model.stream("Sh", 30, temperature=1.0, seed=4))
    assert a == "".join(model.stream("Sh", 30, temperature=1.0, seed=4)) and len(a) == 30
    assert a != "".join(model.stream("Sh", 30, temperature=1.0, seed=5))


def test_bad_configs_are_refused():
    with pytest.raises(ConfigError, match="model.free_bits must be >= 0 nats per latent dimension, got -0.1"):
        vae(free_bits=-0.1)
    with pytest.raises(ConfigError, match="char_dropout must be in"):
        TextVAEConfig(char_dropout=1.0).validate()
    with pytest.raises(ConfigError, match="trains on a text corpus"):
        TextVAE(TextVAEConfig(), img_channels=1, img_resolution=28)
