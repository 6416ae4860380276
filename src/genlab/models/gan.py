"""The GAN family: a generator, a discriminator, and an objective by name (see losses.py).

One training step, as the source document means it with its two bugs fixed:
  1. the discriminator learns real -> 1 and generated -> 0;
  2. the generator learns through a *frozen* discriminator (only G's weights move) to make D say 1.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from genlab.errors import ConfigError, unknown
from genlab.models.ema import ema_beta, update_ema
from genlab.models.family import EvalMode, Family, init_family
from genlab.models.guidance import Guidance, guided_latents
from genlab.models.inversion import invert
from genlab.data.transforms import random_translate
from genlab.models.losses import (LOSSES, bce_fake, bce_real, consistency_penalty, gradient_penalty,
                                  r1_penalty)
from genlab.models.nets import AUDIO_NETS, NETS


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
    gp_weight: float = 0.0           # WGAN-GP gradient penalty weight (Gulrajani et al. 2017: 10)
    r1_gamma: float = 0.0            # R1 penalty gamma on real data (Mescheder et al. 2018)
    cr_weight: float = 0.0           # bCR weight (Zhao et al. 2021: 10): D(x) ~ D(shifted x), real and fake
    cr_shift: int = 2                # bCR's augmentation: a random translation of up to this many pixels
    aux_classifier_weight: float = 0.0  # ACGAN class loss weight (Odena et al. 2017); needs net_args.aux_classifier
    ema_half_life_kimg: float = 0.0  # EMA of G's weights, half-life in thousands of images (0: no EMA)
    ema_rampup: float | None = 0.05  # EMA half-life is at most this fraction of the images seen so far
    topk_gamma: float = 1.0          # top-k G updates (Sinha et al. 2020): the kept fraction x this per epoch; 1: off
    topk_min: float = 0.5            # the kept fraction's floor (their nu)
    topk_from_epoch: float = 0.0     # the epoch at which the kept fraction starts to fall from 1

    def validate(self) -> None:
        if self.net not in NETS or "generator" not in NETS[self.net] or self.net in AUDIO_NETS:
            gans = [k for k, v in NETS.items() if "generator" in v and k not in AUDIO_NETS]
            raise ConfigError(unknown("GAN net", self.net, gans))
        if self.loss not in LOSSES:
            raise ConfigError(unknown("GAN loss", self.loss, LOSSES))
        if self.d_step not in ("joint", "separate"):
            raise ConfigError(f"model.d_step '{self.d_step}' is unknown; known: joint, separate")
        if self.d_step == "separate" and self.loss not in ("minimax", "nonsaturating"):
            raise ConfigError(f"model.d_step 'separate' is the Keras code's BCE updates; it needs loss minimax or "
                              f"nonsaturating, not '{self.loss}'")
        if self.d_step == "separate" and (self.gp_weight or self.r1_gamma or self.cr_weight
                                          or self.aux_classifier_weight):
            raise ConfigError("model.d_step 'separate' cannot add gp_weight, r1_gamma, cr_weight or "
                              "aux_classifier_weight; use d_step: joint")
        if min(self.gp_weight, self.r1_gamma, self.cr_weight, self.aux_classifier_weight,
               self.ema_half_life_kimg) < 0:
            raise ConfigError("model.gp_weight, r1_gamma, cr_weight, aux_classifier_weight and ema_half_life_kimg "
                              "must be >= 0")
        if isinstance(self.cr_shift, bool) or not isinstance(self.cr_shift, int) or self.cr_shift < 1:
            raise ConfigError(f"model.cr_shift must be a whole number of pixels >= 1, got {self.cr_shift!r}")
        if not (0 < self.topk_gamma <= 1 and 0 < self.topk_min <= 1 and self.topk_from_epoch >= 0):
            raise ConfigError(f"model.topk_gamma and topk_min must be in (0, 1] and topk_from_epoch >= 0, got "
                              f"{self.topk_gamma}, {self.topk_min} and {self.topk_from_epoch}")
        if self.latent_dim < 1 or self.n_critic < 1:
            raise ConfigError(f"model.latent_dim and model.n_critic must be >= 1, got "
                              f"{self.latent_dim} and {self.n_critic}")


def build_gan_nets(cfg, interface: dict, what: str) -> tuple[nn.Module, nn.Module, nn.Module | None]:
    """The generator, the discriminator and the generator's EMA copy (None when cfg has no EMA half-life) of
    NETS[cfg.net]; a ConfigError naming `what` (the data's shape) when the net cannot be built for it.
    The EMA is what sample() and evaluation use; it is saved beside the raw weights as ema.*"""
    nets = NETS[cfg.net]
    try:
        generator = nets["generator"](latent_dim=cfg.latent_dim, **interface, **cfg.net_args)
        discriminator = nets["discriminator"](**interface, **cfg.net_args)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"net '{cfg.net}' cannot be built with {cfg.net_args or 'defaults'} for "
                          f"{what}: {exc}") from None
    ema = copy.deepcopy(generator).requires_grad_(False) if cfg.ema_half_life_kimg > 0 else None
    return generator, discriminator, ema


class GAN(Family):
    """Generator + discriminator trained against each other."""

    Config = GANConfig

    def __init__(self, cfg: GANConfig, *, img_channels: int, img_resolution: int, num_classes: int = 0):
        super().__init__()
        init_family(self, cfg, img_channels=img_channels, img_resolution=img_resolution,
                    num_classes=num_classes)
        interface = dict(img_channels=img_channels, img_resolution=img_resolution,
                         num_classes=self.num_classes)
        self.generator, self.discriminator, self.ema = build_gan_nets(
            cfg, interface, f"{img_channels}x{img_resolution}x{img_resolution} images")
        self.d_loss, self.g_loss = LOSSES[cfg.loss]
        self.epoch = 0.0  # epochs done, set by the loop before each step (set_epoch); drives top-k

    def set_epoch(self, epochs_done: float) -> None:
        self.epoch = epochs_done

    def topk_fraction(self) -> float:
        """The fraction of each fake batch G learns from: max(gamma^e, nu), e = whole epochs since topk_from_epoch."""
        c = self.cfg
        epochs = max(0, math.floor(self.epoch - c.topk_from_epoch + 1e-9))
        return max(c.topk_gamma ** epochs, c.topk_min)  # gamma 1: always 1

    # -- training -----------------------------------------------------------------------------------
    def trainable(self) -> dict[str, nn.Module]:
        """The nets the loop may wrap (DDP, compile) and pass back to train_step as `nets`."""
        return {"generator": self.generator, "discriminator": self.discriminator}

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        c = self.cfg
        # fused=True: one kernel over all tensors, ~8x faster than the default per-tensor loop on a CPU
        # (the same Adam update; the last float bit can differ from the loop's rounding)
        adam = dict(betas=(c.beta1, c.beta2), eps=c.adam_eps, fused=True)
        return {
            "d": torch.optim.Adam(self.discriminator.parameters(), lr=c.lr_d, **adam),
            "g": torch.optim.Adam(self.generator.parameters(), lr=c.lr_g, **adam),
        }

    @property
    def batches_per_step(self) -> int:
        """Real batches the loop hands to one train_step: a fresh one for each of the n_critic D updates."""
        return self.cfg.n_critic

    def train_step(self, batch: dict, nets: dict[str, nn.Module],
                   update: Callable[[torch.Tensor, str], None]) -> dict[str, float]:
        G, D = nets["generator"], nets["discriminator"]
        reals = batch["images"].chunk(self.cfg.n_critic)  # n_critic x (B, C, H, W) in [-1, 1]
        all_labels = batch.get("labels") if self.num_classes else None
        label_chunks = all_labels.chunk(self.cfg.n_critic) if all_labels is not None else [None] * len(reals)

        # 1. discriminator step(s): real -> 1, generated -> 0, on a fresh real batch each time
        for real, labels in zip(reals, label_chunks):
            z = torch.randn(real.shape[0], self.latent_dim, device=real.device)
            fake = G(z, labels)
            logs = self._discriminator_update(D, real, fake.detach(), labels, update)

        # 2. generator step through a frozen discriminator: only G's weights move, and D's weight
        #    gradients are never computed. The last fake batch of step 1 is reused (one G forward).
        D.requires_grad_(False)
        try:
            fake_logits, class_logits = self._judge(D, fake, labels)
            k = max(1, round(self.topk_fraction() * fake_logits.shape[0]))
            if k < fake_logits.shape[0]:  # Sinha et al. 2020: learn only from the k fakes D finds most real
                keep = fake_logits.topk(k).indices
                fake_logits = fake_logits[keep]
                if class_logits is not None:
                    class_logits, labels = class_logits[keep], labels[keep]
            loss_g = self.g_loss(fake_logits)
            if class_logits is not None:  # ACGAN: G also wants its samples classified as asked
                loss_g = loss_g + self.cfg.aux_classifier_weight * F.cross_entropy(class_logits, labels)
            update(loss_g, "g")
        finally:
            D.requires_grad_(True)
        if self.cfg.topk_gamma < 1:
            logs["topk_fraction"] = k / fake.shape[0]
        return {**logs, "loss_g": loss_g.item()}

    def _judge(self, D: nn.Module, x: torch.Tensor, labels) -> tuple[torch.Tensor, torch.Tensor | None]:
        """D's logits (B,) and, for ACGAN, its class logits (B, num_classes)."""
        if self.cfg.aux_classifier_weight > 0:
            return D(x, labels, with_class_logits=True)
        return D(x, labels), None

    def _discriminator_update(self, D, real, fake, labels, update) -> dict[str, float]:
        c = self.cfg
        if c.d_step == "separate":  # the Keras code: two train_on_batch calls, real then fake
            real_logits = D(real, labels)
            loss_real = bce_real(real_logits)
            update(loss_real, "d")
            loss_fake = bce_fake(D(fake, labels))
            update(loss_fake, "d")
            return {"loss_d": loss_real.item() + loss_fake.item(),
                    "d_real": real_logits.detach().sigmoid().mean().item()}
        if c.r1_gamma:
            real = real.detach().requires_grad_(True)
        real_logits, real_classes = self._judge(D, real, labels)
        fake_logits, fake_classes = self._judge(D, fake, labels)
        loss_d = self.d_loss(real_logits, fake_logits)
        logs = {"loss_d": loss_d.item(), "d_real": real_logits.detach().sigmoid().mean().item()}
        if c.gp_weight:  # Gulrajani et al. 2017
            gp = gradient_penalty(D, real, fake, labels)
            loss_d = loss_d + c.gp_weight * gp
            logs["gp"] = gp.item()
        if c.r1_gamma:  # Mescheder et al. 2018: gamma / 2 * E||grad D(x)||^2
            r1 = r1_penalty(real_logits, real)
            loss_d = loss_d + c.r1_gamma / 2 * r1
            logs["r1"] = r1.item()
        if c.cr_weight:  # bCR (Zhao et al. 2021): D should not care where the digit sits, real or generated
            cr = sum(consistency_penalty(logits, D(random_translate(x, c.cr_shift), labels))
                     for x, logits in ((real.detach(), real_logits), (fake, fake_logits)))
            loss_d = loss_d + c.cr_weight * cr
            logs["cr"] = cr.item()
        if real_classes is not None:  # ACGAN (Odena et al. 2017): D classifies real and generated images
            aux = F.cross_entropy(real_classes, labels) + F.cross_entropy(fake_classes, labels)
            loss_d = loss_d + c.aux_classifier_weight * aux
            logs["loss_aux"] = aux.item()
        update(loss_d, "d")
        return logs

    def after_step(self, images_seen: int, batch_size: int) -> None:
        """Called by the loop after every optimizer step."""
        if self.ema is not None:
            beta = ema_beta(batch_size, images_seen, self.cfg.ema_half_life_kimg, self.cfg.ema_rampup)
            update_ema(self.ema, self.generator, beta)

    # -- sampling -----------------------------------------------------------------------------------
    def prior(self, n: int, generator: torch.Generator | None = None, device=None,
              truncation: float | None = None) -> torch.Tensor:
        """z ~ N(0, I), (n, latent_dim); with `truncation`, values beyond +-truncation are redrawn (BigGAN)."""
        device = device or next(self.parameters()).device
        return truncated_normal((n, self.latent_dim), truncation, generator).to(device)

    @torch.no_grad()
    def generate(self, z: torch.Tensor, labels: torch.Tensor | None = None, use_ema: bool = True) -> torch.Tensor:
        """Images for given latents, in eval mode (each image depends only on its own z).
        Uses the EMA generator when there is one, unless use_ema=False."""
        net = self.ema if use_ema and self.ema is not None else self.generator
        was_training = net.training
        net.eval()
        try:
            return net(z, labels).clamp(-1, 1)
        finally:
            net.train(was_training)

    def sample(self, n: int, labels: torch.Tensor | None = None, generator: torch.Generator | None = None,
               guidance: Guidance | None = None, truncation: float | None = None) -> torch.Tensor:
        """n images in [-1, 1], (n, C, H, W); with `guidance`, D picks and moves the latents (guidance.py);
        with `truncation`, latent values beyond +-truncation are redrawn."""
        if guidance is None or not guidance.active:
            return self.generate(self.prior(n, generator, truncation=truncation), labels)
        r, steps = guidance.best_of, guidance.langevin_steps
        z = self.prior(n * r, generator, truncation=truncation).reshape(n, r, self.latent_dim)
        noise = torch.randn((steps, n, r, self.latent_dim), generator=generator)
        return self.generate(self.guide(z, labels, guidance, noise), labels)

    def guide(self, z: torch.Tensor, labels: torch.Tensor | None, guidance: Guidance,
              noise: torch.Tensor) -> torch.Tensor:
        """Latents (n, dim) from candidates (n, best_of, dim) and Langevin noise (steps, n, best_of, dim)."""
        guidance.validate()
        net = self.ema if self.ema is not None else self.generator
        return guided_latents(net, self.discriminator, z, labels, guidance, noise.to(z.device))

    # -- inversion: what stands in for an encoder (reconstruct, interpolate from images, inpaint) ----
    def encode(self, images: torch.Tensor, labels: torch.Tensor | None = None, *, known: torch.Tensor | None = None,
               starts: int = 4, steps: int = 200, feature_weight: float = 0.0) -> torch.Tensor:
        """Latents (N, latent_dim) whose images match `images` (on the `known` pixels only, if given),
        found by optimisation (see models/inversion.py); the feature loss uses D's features."""
        net = self.ema if self.ema is not None else self.generator
        features = getattr(self.discriminator, "features", None) if feature_weight else None
        if feature_weight and features is None:
            raise ConfigError(f"net '{self.cfg.net}' exposes no discriminator features for a feature loss")
        # D's features in eval mode (dropout off) and frozen, both restored after: inversion moves z only
        frozen = [(p, p.requires_grad) for p in self.discriminator.parameters()]
        self.discriminator.requires_grad_(False)
        try:
            with EvalMode(self.discriminator):
                z, _ = invert(net, images, self.latent_dim, labels=labels, known=known, starts=starts,
                              steps=steps, features=features, feature_weight=feature_weight)
        finally:
            for p, requires in frozen:
                p.requires_grad_(requires)
        return z

    def decode(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.generate(z, labels)

    def preview(self, fixed: dict[str, torch.Tensor]) -> torch.Tensor:
        """The sample grid: images of the fixed latents (and labels), from the EMA generator when there is one."""
        return self.generate(fixed["z"], fixed.get("labels"))


def truncated_normal(shape: tuple, truncation: float | None, generator: torch.Generator | None = None) -> torch.Tensor:
    """N(0, 1) draws on the CPU; with a threshold, draws beyond it are redrawn from the same generator."""
    z = torch.randn(*shape, generator=generator)
    if truncation is not None:
        if truncation <= 0:
            raise ValueError(f"truncation must be > 0, got {truncation}")
        bad = z.abs() > truncation
        while bad.any():
            z[bad] = torch.randn(int(bad.sum()), generator=generator)
            bad = z.abs() > truncation
    return z
