"""The variational autoencoder family (Kingma & Welling 2014), its conditional form (Sohn et al. 2015,
`conditional: true`) and the importance-weighted objective (Burda et al. 2016, `objective: iwae`).

One training step is one joint objective, trained end to end:
  1. the encoder gives q(z|x) = N(mu, diag sigma^2);
  2. z = mu + sigma * eps, eps ~ N(0, I): a *sampled* latent, differentiable in (mu, sigma);
  3. the decoder gives p(x|z) (Bernoulli logits, or a Gaussian mean) for that z;
  4. loss = -(log p(x|z) - beta * KL(q(z|x) || N(0, I))), one backward pass through both nets.
(The source document instead trained the KL and the reconstruction separately and fed (mu, sigma) to
the decoder; see docs/families.md.) Likelihoods are in nats per image on pixels scaled to [0, 1].
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import torch
from torch import nn

from genlab.errors import ConfigError
from genlab.models.ae import LatentSampling, _EvalMode, autoencoder_nets
from genlab.models.family import Family, init_family
from genlab.models.likelihood import (bernoulli_log_likelihood, beta_schedule, gaussian_kl,
                                      gaussian_log_likelihood, iwae_bound, log_normal, log_standard_normal,
                                      reparameterize)


@dataclass
class VAEConfig:
    net: str = "mlp"                 # architecture: a key of NETS with an encoder and a decoder
    net_args: dict = field(default_factory=dict)  # hyperparameters of both nets (width, depth, ...)
    latent_dim: int = 50             # size of z
    decoder: str = "bernoulli"       # p(x|z): bernoulli (logits; binarized data) | gaussian (continuous)
    std: float = 0.1                 # gaussian decoder: std in [0, 1] pixel units (initial value if learned)
    learn_std: bool = False          # gaussian decoder: learn one shared std (Rybkin et al. 2021)
    objective: str = "elbo"          # elbo (Kingma & Welling 2014) | iwae (Burda et al. 2016)
    k: int = 1                       # importance samples per image (elbo: averaged; iwae: eq. 8)
    beta: float = 1.0                # KL weight (beta-VAE, Higgins et al. 2017); 1 is the true ELBO
    kl_warmup_steps: int = 0         # ramp the KL weight from 0 to beta over this many steps
    conditional: bool = False        # condition encoder and decoder on class labels (CVAE)
    lr: float = 1e-3                 # Adam learning rate
    beta1: float = 0.9               # Adam beta1
    beta2: float = 0.999             # Adam beta2
    adam_eps: float = 1e-4           # Adam epsilon (Burda et al. 2016 use 1e-4)

    def validate(self) -> None:
        if self.decoder not in ("bernoulli", "gaussian"):
            raise ConfigError(f"model.decoder '{self.decoder}' is unknown; known: bernoulli, gaussian")
        if self.objective not in ("elbo", "iwae"):
            raise ConfigError(f"model.objective '{self.objective}' is unknown; known: elbo, iwae")
        if self.latent_dim < 1 or self.k < 1:
            raise ConfigError(f"model.latent_dim and model.k must be >= 1, got {self.latent_dim} and {self.k}")
        if self.std <= 0 or self.beta < 0 or self.kl_warmup_steps < 0:
            raise ConfigError("model.std must be > 0, model.beta and model.kl_warmup_steps >= 0")


class VAE(LatentSampling, Family):
    """Gaussian encoder, Bernoulli or Gaussian decoder, standard normal prior."""

    Config = VAEConfig

    def __init__(self, cfg: VAEConfig, *, img_channels: int, img_resolution: int, num_classes: int = 0):
        super().__init__()
        init_family(self, cfg, img_channels=img_channels, img_resolution=img_resolution,
                    num_classes=num_classes)
        self.encoder, self.decoder = autoencoder_nets(
            cfg.net, cfg.net_args, img_channels=img_channels, img_resolution=img_resolution,
            num_classes=self.num_classes, code_dim=2 * cfg.latent_dim, latent_dim=cfg.latent_dim,
            out_channels=img_channels)
        log_std = torch.tensor(math.log(cfg.std))
        if cfg.learn_std:
            self.log_std = nn.Parameter(log_std)
        else:
            self.register_buffer("log_std", log_std)
        self.register_buffer("steps_done", torch.zeros((), dtype=torch.long))  # for the KL warm-up

    # -- the model's densities ------------------------------------------------------------------------
    def _labels(self, labels: torch.Tensor | None) -> torch.Tensor | None:
        if not self.num_classes:
            return None
        if labels is None:
            raise ValueError("this VAE is class-conditional: pass labels")
        return labels

    def posterior(self, x: torch.Tensor, labels=None, encoder: nn.Module | None = None):
        """(mu, logvar) of q(z|x), each (B, latent_dim)."""
        encoder = encoder if encoder is not None else self.encoder
        mu, logvar = encoder(x, self._labels(labels)).chunk(2, dim=1)
        return mu, logvar.clamp(-30, 20)

    def log_px_given_z(self, x: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        """log p(x|z) per image (B,), from raw decoder outputs; x in [-1, 1]."""
        target = (x + 1) / 2
        if self.cfg.decoder == "bernoulli":
            return bernoulli_log_likelihood(target, out)
        log_std = self.log_std.clamp(min=math.log(1 / 256))
        return gaussian_log_likelihood(target, out, 2 * log_std)

    def _log_weights(self, x, labels, mu, logvar, eps, decoder=None):
        """log p(x|z), log p(z) - log q(z|x) for z = mu + sigma * eps; eps (k, B, L) -> each (k, B)."""
        k = eps.shape[0]
        z = reparameterize(mu, logvar, eps)  # (k, B, L)
        labels = self._labels(labels)
        rep_labels = labels.repeat(k) if labels is not None else None
        decoder = decoder if decoder is not None else self.decoder
        out = decoder(z.flatten(0, 1), rep_labels)  # (k * B, C, H, W)
        log_px = self.log_px_given_z(x.repeat(k, 1, 1, 1), out).view(k, -1)
        log_ratio = log_standard_normal(z) - log_normal(z, mu, logvar)
        return log_px, log_ratio

    # -- training -----------------------------------------------------------------------------------
    def trainable(self) -> dict[str, nn.Module]:
        return {"encoder": self.encoder, "decoder": self.decoder}

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        c = self.cfg
        return {"vae": torch.optim.Adam(self.parameters(), lr=c.lr, betas=(c.beta1, c.beta2), eps=c.adam_eps)}

    def train_step(self, batch: dict, nets: dict[str, nn.Module],
                   update: Callable[[torch.Tensor, str], None]) -> dict[str, float]:
        x = batch["images"]  # (B, C, H, W) in [-1, 1]
        labels = batch.get("labels") if self.num_classes else None
        beta = beta_schedule(int(self.steps_done), self.cfg.beta, self.cfg.kl_warmup_steps)
        # 1. q(z|x)
        mu, logvar = self.posterior(x, labels, nets["encoder"])
        # 2. k reparameterised samples z = mu + sigma * eps, and 3. log p(x|z) for each
        eps = torch.randn(self.cfg.k, *mu.shape, device=mu.device, dtype=mu.dtype)
        log_px, log_ratio = self._log_weights(x, labels, mu, logvar, eps, nets["decoder"])
        kl = gaussian_kl(mu, logvar)  # (B,), analytic
        # 4. one joint objective, one backward pass through encoder and decoder
        if self.cfg.objective == "iwae":
            objective = iwae_bound(log_px + beta * log_ratio)
        else:
            objective = log_px.mean(0) - beta * kl
        loss = -objective.mean()
        update(loss, "vae")
        self.steps_done += 1
        rec = -log_px.detach().mean()
        return {"loss": loss.item(), "elbo": float(-rec - kl.detach().mean()), "kl": kl.detach().mean().item(),
                "rec": rec.item(), "beta": beta}

    # -- evaluation ---------------------------------------------------------------------------------
    @torch.no_grad()
    def elbo(self, x: torch.Tensor, labels: torch.Tensor | None = None,
             generator: torch.Generator | None = None) -> torch.Tensor:
        """The ELBO per image (B,) in nats: one sampled z for log p(x|z), analytic KL."""
        with _EvalMode(self):
            mu, logvar = self.posterior(x, labels)
            eps = _randn((1, *mu.shape), mu, generator)
            log_px, _ = self._log_weights(x, labels, mu, logvar, eps)
            return log_px[0] - gaussian_kl(mu, logvar)

    @torch.no_grad()
    def log_likelihood(self, x: torch.Tensor, k: int = 5000, labels: torch.Tensor | None = None,
                       chunk: int = 500, generator: torch.Generator | None = None) -> torch.Tensor:
        """IWAE estimate of log p(x) per image (B,) in nats with k importance samples (Burda et al. 2016),
        `chunk` samples at a time so memory stays bounded (running log-sum-exp)."""
        with _EvalMode(self):
            mu, logvar = self.posterior(x, labels)
            total = torch.full((x.shape[0],), -math.inf, device=x.device)
            for start in range(0, k, chunk):
                eps = _randn((min(chunk, k - start), *mu.shape), mu, generator)
                log_px, log_ratio = self._log_weights(x, labels, mu, logvar, eps)
                total = torch.logaddexp(total, torch.logsumexp(log_px + log_ratio, dim=0))
            return total - math.log(k)

    # -- encode / decode ------------------------------------------------------------------------------
    def _mean_image(self, out: torch.Tensor) -> torch.Tensor:
        mean01 = torch.sigmoid(out) if self.cfg.decoder == "bernoulli" else out
        return (mean01 * 2 - 1).clamp(-1, 1)

    @torch.no_grad()
    def encode(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """The posterior mean (B, latent_dim) of images in [-1, 1]."""
        with _EvalMode(self):
            return self.posterior(x, labels)[0]

    @torch.no_grad()
    def decode(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """The mean of p(x|z) as images in [-1, 1]."""
        with _EvalMode(self):
            return self._mean_image(self.decoder(z, self._labels(labels)))


def _randn(shape, like: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    if generator is None:
        return torch.randn(shape, device=like.device, dtype=like.dtype)
    return torch.randn(shape, generator=generator, device=generator.device).to(like.device, like.dtype)
