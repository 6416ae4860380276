"""Super-resolution: an upscaler trained with L1/L2 (PSNR stage), then optionally against a patch
discriminator with a perceptual loss (GAN stage, SRGAN/ESRGAN: Ledig et al. 2017, Wang et al. 2018).

Batches are {"inputs": (B, C, h, w), "targets": (B, C, h*s, w*s)} in [-1, 1]. The perceptual loss compares
activations of a fixed feature net: `feature_net` (a callable (x, layers=...) -> {layer: activation}),
genlab's VGG19 unless one is passed.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F
from safetensors.torch import load_file
from torch import nn

from genlab.errors import ConfigError
from genlab.models.family import Family
from genlab.models.ema import ema_beta, update_ema
from genlab.models.nets import NETS
from genlab.models.nets.srcnn import bicubic_up


@dataclass
class SRConfig:
    net: str = "edsr"                 # upscaler: bicubic, unsharp, srcnn, edsr, rrdb
    scale: int = 2                    # upscaling factor: 2, 3 or 4
    width: int = 64                   # channels of the upscaler
    depth: int = 16                   # residual blocks (edsr) / RRDBs (rrdb); srcnn: 3
    bicubic_skip: bool = False        # edsr: add the bicubic upsampling to the output (a global residual)
    lr: float = 1e-4                  # Adam learning rate of both nets
    betas: tuple[float, float] = (0.9, 0.999)  # Adam betas
    loss: str = "l1"                  # pixel loss: l1 or l2
    pixel_weight: float = 1.0         # weight of the pixel loss (ESRGAN's GAN stage: 0.01)
    gan_weight: float = 0.0           # adversarial weight; 0: PSNR-oriented stage, no discriminator
    gan_loss: str = "relativistic"    # relativistic (average, ESRGAN) or hinge
    perceptual_weight: float = 0.0    # weight of the feature loss (needs a feature net)
    perceptual_layers: list[str] = field(default_factory=lambda: ["conv5_4"])  # feature-net layers compared
    d_net: str = "patch"              # discriminator of the GAN stage
    d_width: int = 32                 # discriminator channels
    d_depth: int = 3                  # discriminator stride-2 convs
    spectral_norm: bool = True        # spectral norm in the discriminator
    ema: float = 0.0                  # EMA of the upscaler, half-life in thousands of images (0: none)
    init_from: str | None = None      # PSNR-stage checkpoint folder (or its model.safetensors) to start from

    def validate(self) -> None:
        if self.net not in NETS or "upscaler" not in NETS[self.net]:
            known = ", ".join(k for k, v in NETS.items() if "upscaler" in v)
            raise ConfigError(f"model.net '{self.net}' is not an upscaler; expected one of {known}")
        if self.bicubic_skip and self.net != "edsr":
            raise ConfigError(f"model.bicubic_skip is an edsr option; net '{self.net}' has no such skip "
                              "(srcnn always adds the bicubic image)")
        if self.gan_weight > 0 and self.d_net != "patch":
            raise ConfigError(f"model.d_net '{self.d_net}' is unknown; known: patch")
        if self.scale not in (2, 3, 4):
            raise ConfigError(f"model.scale must be 2, 3 or 4, got {self.scale}")
        if self.loss not in ("l1", "l2"):
            raise ConfigError(f"model.loss must be l1 or l2, got '{self.loss}'")
        if self.gan_loss not in ("relativistic", "hinge"):
            raise ConfigError(f"model.gan_loss must be relativistic or hinge, got '{self.gan_loss}'")
        if min(self.gan_weight, self.perceptual_weight, self.pixel_weight, self.ema) < 0:
            raise ConfigError("model.gan_weight, perceptual_weight, pixel_weight and ema must be >= 0")


def relativistic_losses(real: torch.Tensor, fake: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """RaGAN (Jolicoeur-Martineau 2018) as in ESRGAN eq. 1-2: (D loss, G loss) from real/fake logits."""
    bce = F.binary_cross_entropy_with_logits
    d_real, d_fake = real - fake.mean(), fake - real.mean()
    d = (bce(d_real, torch.ones_like(d_real)) + bce(d_fake, torch.zeros_like(d_fake))) / 2
    g = (bce(d_real, torch.zeros_like(d_real)) + bce(d_fake, torch.ones_like(d_fake))) / 2
    return d, g


class SR(Family):
    """Super-resolution family: upscaler (+ patch discriminator in the GAN stage)."""

    Config = SRConfig
    batches_per_step = 1
    preview_columns = 3  # each row: input | output | target
    num_classes = 0

    min_input_size = 8  # low-res pixels; below this the nets' zero padding dominates the output

    def __init__(self, cfg: SRConfig, *, img_channels: int, img_resolution: int | None = None,
                 num_classes: int = 0, feature_net: Callable | None = None):
        super().__init__()  # img_resolution: the patch size, unused (any size goes through the nets)
        cfg.validate()
        if num_classes:
            raise ConfigError(f"super-resolution is unconditional; the data has {num_classes} classes")
        self.cfg, self.scale, self.img_channels = cfg, cfg.scale, img_channels
        extra = {"bicubic_skip": True} if cfg.bicubic_skip else {}
        try:
            self.upscaler = NETS[cfg.net]["upscaler"](img_channels=img_channels, scale=cfg.scale,
                                                     width=cfg.width, depth=cfg.depth, **extra)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"net '{cfg.net}' cannot be built with width {cfg.width}, depth {cfg.depth}: "
                              f"{exc}") from None
        self.discriminator = None
        if cfg.gan_weight > 0:
            self.discriminator = NETS[cfg.d_net]["discriminator"](
                img_channels=img_channels, width=cfg.d_width, depth=cfg.d_depth, spectral_norm=cfg.spectral_norm)
        # kept out of the state dict (a list hides it from nn.Module): the feature net is fixed and loads
        # from its own weights, on first use, so building a model to sample never fetches VGG19
        self._features = [feature_net] if feature_net is not None else []
        self.ema = copy.deepcopy(self.upscaler).requires_grad_(False) if cfg.ema > 0 else None
        self.epoch = 0.0

    def _init_from(self, path: str) -> None:
        """Start from a PSNR-stage upscaler (a run folder's newest checkpoint, a checkpoint folder or its
        model.safetensors): its raw weights (upscaler.*; ema.* preferred when present)."""
        folder = Path(path)
        checkpoints = sorted((folder / "checkpoints").glob("step_*")) if folder.is_dir() else []
        folder = checkpoints[-1] if checkpoints else folder
        file = folder / "model.safetensors" if folder.is_dir() else folder
        if not file.is_file():
            raise ConfigError(f"model.init_from '{path}' is not a run folder, checkpoint folder or "
                              "model.safetensors file")
        state = load_file(file)
        prefix = "ema." if any(k.startswith("ema.") for k in state) else "upscaler."
        weights = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
        try:
            self.upscaler.load_state_dict(weights)
        except RuntimeError:
            raise ConfigError(f"model.init_from '{path}' does not hold a {self.cfg.net} x{self.scale} "
                              f"upscaler of width {self.cfg.width}, depth {self.cfg.depth}") from None

    # -- the Family surface ---------------------------------------------------------------------------
    def trainable(self) -> dict[str, nn.Module]:
        """The nets the loop may wrap and pass back to train_step."""
        nets = {"upscaler": self.upscaler}
        if self.discriminator is not None:
            nets["discriminator"] = self.discriminator
        return nets

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        """Adam for the upscaler ("g") and, in the GAN stage, the discriminator ("d").

        Training starts here, so cfg.init_from is loaded here rather than in __init__: a run loaded later
        for sampling (its own weights) must not need the PSNR-stage checkpoint it once started from."""
        if self.cfg.init_from:
            self._init_from(self.cfg.init_from)
        adam = dict(lr=self.cfg.lr, betas=tuple(self.cfg.betas))
        opts = {"g": torch.optim.Adam(self.upscaler.parameters(), **adam)} if any(
            True for _ in self.upscaler.parameters()) else {}
        if self.discriminator is not None:
            opts["d"] = torch.optim.Adam(self.discriminator.parameters(), **adam)
        return opts

    def set_epoch(self, epoch: float) -> None:
        """Epochs done (no schedule of its own; the loop's lr decay applies)."""
        self.epoch = epoch

    def pixel_loss(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """L1 or L2 between output and target (cfg.loss)."""
        return F.l1_loss(output, target) if self.cfg.loss == "l1" else F.mse_loss(output, target)

    def perceptual_loss(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """L1 between feature-net activations of output and target at cfg.perceptual_layers."""
        if not self._features:
            try:
                from genlab.models.pretrained import load_vgg19
            except ImportError:
                raise ConfigError("model.perceptual_weight > 0 needs genlab's VGG19 "
                                  "(genlab.models.pretrained), which this install lacks") from None
            self._features.append(load_vgg19().requires_grad_(False).eval())
        net = self._features[0].to(output.device)
        layers = tuple(self.cfg.perceptual_layers)
        out_f = net(output, layers=layers)
        with torch.no_grad():
            tgt_f = net(target, layers=layers)
        return sum(F.l1_loss(out_f[k], tgt_f[k]) for k in layers) / len(layers)

    def _adversarial(self, real_logits: torch.Tensor, fake_logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.cfg.gan_loss == "relativistic":
            return relativistic_losses(real_logits, fake_logits)
        return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean(), -fake_logits.mean()

    def train_step(self, batch: dict[str, torch.Tensor], nets: dict[str, nn.Module],
                   update: Callable[[torch.Tensor, str], None]) -> dict[str, float]:
        """One step: (1) D on real vs upscaled (GAN stage), (2) upscaler on pixel + perceptual + adversarial."""
        G = nets["upscaler"]
        lr_inputs, targets = batch["inputs"], batch["targets"]  # (B,C,h,w), (B,C,h*s,w*s) in [-1, 1]
        output = G(lr_inputs)
        logs: dict[str, float] = {}
        D = nets.get("discriminator")

        # 1. discriminator step: real patches against upscaled ones (detached)
        if D is not None:
            loss_d, _ = self._adversarial(D(targets), D(output.detach()))
            update(loss_d, "d")
            logs["loss_d"] = loss_d.item()

        # 2. upscaler step: pixel loss + perceptual loss + adversarial loss through a frozen D
        pixel = self.pixel_loss(output, targets)
        loss_g = self.cfg.pixel_weight * pixel
        logs["loss_pixel"] = pixel.item()
        if self.cfg.perceptual_weight > 0:
            perceptual = self.perceptual_loss(output, targets)
            loss_g = loss_g + self.cfg.perceptual_weight * perceptual
            logs["loss_perceptual"] = perceptual.item()
        if D is not None:
            D.requires_grad_(False)
            try:
                _, adv = self._adversarial(D(targets).detach(), D(output))
            finally:
                D.requires_grad_(True)
            loss_g = loss_g + self.cfg.gan_weight * adv
            logs["loss_adv"] = adv.item()
        if loss_g.requires_grad:  # the baselines have no weights
            update(loss_g, "g")
        logs["loss_g"] = loss_g.item()
        return logs

    def after_step(self, images_seen: int, step_images: int) -> None:
        """EMA update of the upscaler."""
        if self.ema is not None:
            update_ema(self.ema, self.upscaler, ema_beta(step_images, images_seen, self.cfg.ema, 0.05))

    def preview_inputs(self, batch: dict[str, torch.Tensor], generator: torch.Generator) -> dict[str, torch.Tensor]:
        """The fixed preview pairs: the data source's preview batch as it is."""
        return {"inputs": batch["inputs"], "targets": batch["targets"]}

    @torch.no_grad()
    def preview(self, fixed: dict[str, torch.Tensor]) -> torch.Tensor:
        """(3N, C, H, W): rows of input (bicubic-upsampled for display) | output | target."""
        inputs, targets = fixed["inputs"], fixed["targets"]
        shown = bicubic_up(inputs, self.scale)
        output = self.upscale(inputs)
        return torch.stack([shown, output, targets], 1).flatten(0, 1)  # per pair: input, output, target

    @torch.no_grad()
    def upscale(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, h, w) in [-1, 1] -> (B, C, h*s, w*s) in [-1, 1], with the EMA weights when present."""
        net = self.ema if self.ema is not None else self.upscaler
        was = net.training
        net.eval()
        try:
            return net(x).clamp(-1, 1)
        finally:
            net.train(was)

    @property
    def receptive_field(self) -> int:
        """Low-res pixels the upscaler sees around each pixel (the smallest image it accepts)."""
        return int(getattr(self.upscaler, "receptive_field", 8))
