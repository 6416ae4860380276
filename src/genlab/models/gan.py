"""The GAN family: a generator, a discriminator, and an objective by name (see losses.py).

One training step, as the source document means it with its two bugs fixed:
  1. the discriminator learns real -> 1 and generated -> 0;
  2. the generator learns through a *frozen* discriminator (only G's weights move) to make D say 1.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch
from torch import nn

from genlab.errors import ConfigError, unknown
from genlab.models.losses import LOSSES, bce_fake, bce_real
from genlab.models.nets import NETS


@dataclass
class GANConfig:
    net: str = "seed-dcgan"          # architecture: a key of genlab.models.nets.NETS
    net_args: dict = field(default_factory=dict)  # hyperparameters passed to both nets (width, ...)
    latent_dim: int = 100            # size of the noise vector z ~ N(0, I)
    loss: str = "nonsaturating"      # minimax | nonsaturating | hinge | wasserstein | least-squares
    d_step: str = "joint"            # joint: one D update on real+fake; separate: one each (Keras code)
    lr_g: float = 2e-4               # Adam learning rate of the generator
    lr_d: float = 2e-4               # Adam learning rate of the discriminator (TTUR when different)
    beta1: float = 0.5               # Adam beta1
    beta2: float = 0.999             # Adam beta2
    adam_eps: float = 1e-7           # Adam epsilon (Keras default 1e-7; PyTorch's is 1e-8)
    n_critic: int = 1                # discriminator updates per generator update
    conditional: bool = False        # condition both nets on class labels

    def validate(self) -> None:
        if self.net not in NETS or "generator" not in NETS[self.net]:
            gans = [k for k, v in NETS.items() if "generator" in v]
            raise ConfigError(unknown("GAN net", self.net, gans))
        if self.loss not in LOSSES:
            raise ConfigError(unknown("GAN loss", self.loss, LOSSES))
        if self.d_step not in ("joint", "separate"):
            raise ConfigError(f"model.d_step '{self.d_step}' is unknown; known: joint, separate")
        if self.latent_dim < 1 or self.n_critic < 1:
            raise ConfigError(f"model.latent_dim and model.n_critic must be >= 1, got "
                              f"{self.latent_dim} and {self.n_critic}")


class GAN(nn.Module):
    """Generator + discriminator trained against each other."""

    Config = GANConfig

    def __init__(self, cfg: GANConfig, *, img_channels: int, img_resolution: int, num_classes: int = 0):
        super().__init__()
        cfg.validate()
        self.cfg = cfg
        self.latent_dim = cfg.latent_dim
        self.num_classes = num_classes if cfg.conditional else 0
        self.img_shape = (img_channels, img_resolution, img_resolution)
        nets = NETS[cfg.net]
        interface = dict(img_channels=img_channels, img_resolution=img_resolution,
                         num_classes=self.num_classes)
        try:
            self.generator = nets["generator"](latent_dim=cfg.latent_dim, **interface, **cfg.net_args)
            self.discriminator = nets["discriminator"](**interface, **cfg.net_args)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"net '{cfg.net}' cannot be built with {cfg.net_args or 'defaults'} for "
                              f"{img_channels}x{img_resolution}x{img_resolution} images: {exc}") from None
        self.d_loss, self.g_loss = LOSSES[cfg.loss]

    # -- training -----------------------------------------------------------------------------------
    def trainable(self) -> dict[str, nn.Module]:
        """The nets the loop may wrap (DDP, compile) and pass back to train_step as `nets`."""
        return {"generator": self.generator, "discriminator": self.discriminator}

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        c = self.cfg
        return {
            "d": torch.optim.Adam(self.discriminator.parameters(), lr=c.lr_d, betas=(c.beta1, c.beta2), eps=c.adam_eps),
            "g": torch.optim.Adam(self.generator.parameters(), lr=c.lr_g, betas=(c.beta1, c.beta2), eps=c.adam_eps),
        }

    def train_step(self, batch: dict, nets: dict[str, nn.Module],
                   update: Callable[[torch.Tensor, str], None]) -> dict[str, float]:
        G, D = nets["generator"], nets["discriminator"]
        real = batch["images"]  # (B, C, H, W) in [-1, 1]
        labels = batch.get("labels") if self.num_classes else None
        z = torch.randn(real.shape[0], self.latent_dim, device=real.device)

        # 1. discriminator step: real -> 1, generated -> 0 (n_critic times on the same real batch)
        for _ in range(self.cfg.n_critic):
            fake = G(z, labels)
            real_logits = D(real, labels)
            if self.cfg.d_step == "separate":  # the Keras code: two train_on_batch calls
                loss_d_real = bce_real(real_logits)
                update(loss_d_real, "d")
                loss_d_fake = bce_fake(D(fake.detach(), labels))
                update(loss_d_fake, "d")
                loss_d = loss_d_real.detach() + loss_d_fake.detach()
            else:
                fake_logits = D(fake.detach(), labels)
                loss_d = self.d_loss(real_logits, fake_logits)
                update(loss_d, "d")
            if self.cfg.n_critic > 1:
                z = torch.randn_like(z)

        # 2. generator step through a frozen discriminator: only G's weights move, and D's weight
        #    gradients are never computed. The fake batch from step 1 is reused (one G forward).
        D.requires_grad_(False)
        try:
            loss_g = self.g_loss(D(fake, labels))
            update(loss_g, "g")
        finally:
            D.requires_grad_(True)
        return {"loss_d": loss_d.item(), "loss_g": loss_g.item(),
                "d_real": float(real_logits.detach().sigmoid().mean())}

    # -- sampling -----------------------------------------------------------------------------------
    def prior(self, n: int, generator: torch.Generator | None = None, device=None) -> torch.Tensor:
        """z ~ N(0, I), (n, latent_dim)."""
        device = device or next(self.parameters()).device
        return torch.randn(n, self.latent_dim, generator=generator, device="cpu").to(device)

    @torch.no_grad()
    def generate(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Images for given latents, in eval mode (each image depends only on its own z)."""
        was_training = self.generator.training
        self.generator.eval()
        try:
            return self.generator(z, labels).clamp(-1, 1)
        finally:
            self.generator.train(was_training)

    def sample(self, n: int, labels: torch.Tensor | None = None,
               generator: torch.Generator | None = None) -> torch.Tensor:
        """n images in [-1, 1], (n, C, H, W)."""
        return self.generate(self.prior(n, generator), labels)
