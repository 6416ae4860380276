"""pix2pix (Isola et al. 2017): paired image-to-image translation with a conditional GAN and an L1 loss.

G, a U-Net, maps an input x to an output G(x); D, a PatchGAN, sees the input beside an image (real:
the target y; fake: G(x)) and says real or fake for each patch. Objective (eq. 4):
    G* = arg min_G max_D  L_cGAN(G, D) + lambda * E[||y - G(x)||_1],   lambda = 100.
Batches are {"inputs", "targets"} (data/pairs.py: edge maps, gray images; data/degrade.py: SR
degradations, whose smaller inputs are first upsampled bicubic to the targets' size), in [-1, 1].
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from genlab.errors import ConfigError, unknown
from genlab.models.family import EvalMode, Family
from genlab.models.losses import LOSSES
from genlab.models.nets import NETS

GAN_LOSSES = {"vanilla": "nonsaturating", "least-squares": "least-squares"}  # pix2pix name -> losses.LOSSES


def check_translator_nets(cfg) -> None:
    """ConfigError unless cfg.net is a translator of NETS and cfg.norm batch or instance (pix2pix, CycleGAN)."""
    if cfg.net not in NETS or "translator" not in NETS[cfg.net]:
        raise ConfigError(unknown("model.net", cfg.net, [k for k, v in NETS.items() if "translator" in v]))
    if cfg.norm not in ("batch", "instance"):
        raise ConfigError(f"model.norm must be batch or instance, got '{cfg.norm}'")


@dataclass
class Pix2PixConfig:
    net: str = "unet"                 # translator: unet (pix2pix) or resnet-translator
    width: int = 64                   # channels of the translator's first layer
    depth: int = 8                    # U-Net stride-2 levels (256 px: 8; 28 px, padded to 32: 5); resnet: blocks
    norm: str = "batch"               # norm of both nets: batch (pix2pix) or instance
    dropout: float = 0.5              # dropout of the U-Net's three innermost decoder layers (its noise z)
    d_width: int = 64                 # PatchGAN channels of its first layer
    d_layers: int = 3                 # PatchGAN stride-2 layers: 3 = 70x70 patches, 2 = 34x34, 1 = 16x16
    gan_loss: str = "vanilla"         # vanilla (cross-entropy, as the paper) or least-squares
    l1_weight: float = 100.0          # lambda of the L1 term (eq. 4)
    lr: float = 2e-4                  # Adam learning rate of both nets
    betas: tuple[float, float] = (0.5, 0.999)  # Adam betas

    def validate(self) -> None:
        check_translator_nets(self)
        if self.gan_loss not in GAN_LOSSES:
            raise ConfigError(unknown("model.gan_loss", self.gan_loss, GAN_LOSSES))
        if min(self.width, self.depth, self.d_width, self.d_layers) < 1:
            raise ConfigError("model.width, depth, d_width and d_layers must be >= 1")
        if not 0 <= self.dropout < 1 or self.l1_weight < 0:
            raise ConfigError("model.dropout must be in [0, 1) and model.l1_weight >= 0")


def build_translator(net: str, channels: int, width: int, depth: int, norm: str, dropout: float = 0.0) -> nn.Module:
    """A translator net of NETS: depth is the U-Net's levels or the ResNet's residual blocks."""
    cls = NETS[net]["translator"]
    if net == "unet":
        return cls(in_channels=channels, out_channels=channels, width=width, depth=depth, norm=norm, dropout=dropout)
    return cls(in_channels=channels, out_channels=channels, width=width, n_blocks=depth, norm=norm)


def match_size(inputs: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Inputs smaller than the targets (SR degradations) upsampled bicubic to `size`; others as they are."""
    if tuple(inputs.shape[-2:]) == tuple(size):
        return inputs
    return F.interpolate(inputs, size=size, mode="bicubic", align_corners=False).clamp(-1, 1)


class Pix2Pix(Family):
    """Paired translation: U-Net translator + conditional PatchGAN, cGAN + L1 objective."""

    Config = Pix2PixConfig
    batches_per_step = 1
    preview_columns = 3  # each row: input | output | target
    num_classes = 0
    directions = ("a2b",)  # inputs -> targets only

    def __init__(self, cfg: Pix2PixConfig, *, img_channels: int, img_resolution: int | None = None,
                 num_classes: int = 0):
        super().__init__()  # img_resolution unused: any size goes through the nets
        cfg.validate()
        if num_classes:
            raise ConfigError(f"pix2pix is not class-conditional; the data has {num_classes} classes")
        self.cfg, self.img_channels = cfg, img_channels
        self.translator = build_translator(cfg.net, img_channels, cfg.width, cfg.depth, cfg.norm, cfg.dropout)
        # the conditional D sees the input and an image side by side (Isola et al. sec. 2.1)
        self.discriminator = NETS[cfg.net]["discriminator"](in_channels=2 * img_channels, width=cfg.d_width,
                                                            n_layers=cfg.d_layers, norm=cfg.norm)
        self.d_loss, self.g_loss = LOSSES[GAN_LOSSES[cfg.gan_loss]]

    @property
    def min_input_size(self) -> int:
        return self.translator.min_input_size

    def trainable(self) -> dict[str, nn.Module]:
        return {"translator": self.translator, "discriminator": self.discriminator}

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        adam = dict(lr=self.cfg.lr, betas=tuple(self.cfg.betas))
        return {"g": torch.optim.Adam(self.translator.parameters(), **adam),
                "d": torch.optim.Adam(self.discriminator.parameters(), **adam)}

    def train_step(self, batch: dict[str, torch.Tensor], nets: dict[str, nn.Module],
                   update: Callable[[torch.Tensor, str], None]) -> dict[str, float]:
        """(1) D on (x, y) real against (x, G(x)) fake, (2) G through a frozen D plus lambda * L1."""
        G, D = nets["translator"], nets["discriminator"]
        targets = batch["targets"]                                   # y: (B, C, H, W) in [-1, 1]
        inputs = match_size(batch["inputs"], targets.shape[-2:])     # x: (B, C, H, W)
        fake = G(inputs)

        # 1. discriminator step; halved, as the paper does, to slow D relative to G
        real_logits = D(torch.cat([inputs, targets], 1))
        fake_logits = D(torch.cat([inputs, fake.detach()], 1))
        loss_d = 0.5 * self.d_loss(real_logits, fake_logits)
        update(loss_d, "d")

        # 2. generator step through a frozen D: fool it, and stay near the target in L1
        D.requires_grad_(False)
        try:
            adv = self.g_loss(D(torch.cat([inputs, fake], 1)))
        finally:
            D.requires_grad_(True)
        l1 = F.l1_loss(fake, targets)
        loss_g = adv + self.cfg.l1_weight * l1
        update(loss_g, "g")
        return {"loss_d": loss_d.item(), "loss_g": loss_g.item(), "loss_adv": adv.item(), "loss_l1": l1.item(),
                "d_real": real_logits.mean().item(), "d_fake": fake_logits.mean().item()}

    def preview_inputs(self, batch: dict[str, torch.Tensor], generator: torch.Generator) -> dict[str, torch.Tensor]:
        return {"inputs": batch["inputs"], "targets": batch["targets"]}

    @torch.no_grad()
    def preview(self, fixed: dict[str, torch.Tensor]) -> torch.Tensor:
        """(3N, C, H, W): rows of input | output | target."""
        targets = fixed["targets"]
        inputs = match_size(fixed["inputs"], targets.shape[-2:])
        return torch.stack([inputs, self.translate(inputs), targets], 1).flatten(0, 1)

    @torch.no_grad()
    def translate(self, x: torch.Tensor, direction: str = "a2b") -> torch.Tensor:
        """(B, C, H, W) inputs in [-1, 1] -> outputs in [-1, 1], nets in eval mode (no dropout)."""
        if direction != "a2b":
            raise ConfigError(f"pix2pix translates inputs to targets only (a2b), not '{direction}'")
        with EvalMode(self.translator):
            return self.translator(x).clamp(-1, 1)
