"""The autoencoder family: a deterministic encoder and decoder trained to reconstruct, and with a
`corruption` the denoising autoencoder (Vincent et al. 2008): the encoder sees a corrupted image and
the decoder is scored against the clean one.

A plain AE has no prior to sample from. genlab fits one after the fact, as Ghosh et al. 2020 do: a
diagonal Gaussian over the training codes, kept as running moments during training. The AE's latent
space is that Gaussian standardised, so `prior` is N(0, I) for every family and seeds, interpolation
and traversal work the same on an AE as on a VAE:

    encode(x) = (E(x) - code_mean) / code_std        decode(z) = D(code_mean + code_std * z)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from genlab.data.corrupt import parse_corruption
from genlab.errors import ConfigError, unknown
from genlab.models.family import EvalMode, Family, init_family
from genlab.models.nets import NETS


def autoencoder_nets(net: str, net_args: dict, *, img_channels: int, img_resolution: int, num_classes: int,
                     code_dim: int, latent_dim: int, out_channels: int) -> tuple[nn.Module, nn.Module]:
    """(encoder, decoder) of NETS[net]; a ConfigError names the net and shape when they do not fit."""
    if net not in NETS or "encoder" not in NETS[net]:
        raise ConfigError(unknown("autoencoder net", net, [k for k, v in NETS.items() if "encoder" in v]))
    interface = dict(img_channels=img_channels, img_resolution=img_resolution, num_classes=num_classes)
    try:
        encoder = NETS[net]["encoder"](out_dim=code_dim, **interface, **net_args)
        decoder = NETS[net]["decoder"](latent_dim=latent_dim, out_channels=out_channels, **interface, **net_args)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"net '{net}' cannot be built with {net_args or 'defaults'} for "
                          f"{img_channels}x{img_resolution}x{img_resolution} images: {exc}") from None
    return encoder, decoder


@dataclass
class AEConfig:
    net: str = "conv"                # architecture: a key of NETS with an encoder and a decoder
    net_args: dict = field(default_factory=dict)  # hyperparameters of both nets (width, hidden, ...)
    latent_dim: int = 32             # size of the code
    loss: str = "mse"                # reconstruction loss: mse (pixels in [0, 1]) | bce (sigmoid outputs)
    corruption: str = "none"         # denoising AE: gaussian:S | saltpepper:P | mask:P | block:SIZE | none
    lr: float = 1e-3                 # Adam learning rate
    beta1: float = 0.9               # Adam beta1
    beta2: float = 0.999             # Adam beta2
    code_momentum: float = 0.01      # running-moment rate of the code Gaussian that `sample` draws from

    def validate(self) -> None:
        if self.loss not in ("mse", "bce"):
            raise ConfigError(f"model.loss '{self.loss}' is unknown for an autoencoder; known: bce, mse")
        if self.latent_dim < 1:
            raise ConfigError(f"model.latent_dim must be >= 1, got {self.latent_dim}")
        try:
            parse_corruption(self.corruption)
        except Exception as exc:
            raise ConfigError(f"model.corruption: {exc}") from None


class LatentSampling:
    """Reconstruction and sampling for a model with `encode`, `decode` and a N(0, I) latent prior
    (the VAE's prior; the AE's code Gaussian, standardised). Shared by `AE` and `VAE`."""

    latent_dim: int

    def reconstruct(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.decode(self.encode(x, labels), labels)

    def prior(self, n: int, generator: torch.Generator | None = None, device=None) -> torch.Tensor:
        """z ~ N(0, I), (n, latent_dim), drawn on the CPU so that a seed gives the same z anywhere."""
        device = device or next(self.parameters()).device
        return torch.randn(n, self.latent_dim, generator=generator, device="cpu").to(device)

    def generate(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Decoded images in [-1, 1] for given latents."""
        return self.decode(z, labels)

    def sample(self, n: int, labels: torch.Tensor | None = None,
               generator: torch.Generator | None = None) -> torch.Tensor:
        """n images in [-1, 1], (n, C, H, W): decoded from latents drawn from the prior."""
        return self.generate(self.prior(n, generator), labels)

    def preview(self, fixed: dict[str, torch.Tensor]) -> torch.Tensor:
        """The sample grid: the fixed latents (and labels) decoded."""
        return self.generate(fixed["z"], fixed.get("labels"))


class AE(LatentSampling, Family):
    """Deterministic autoencoder (denoising when cfg.corruption is set)."""

    Config = AEConfig

    def __init__(self, cfg: AEConfig, *, img_channels: int, img_resolution: int, num_classes: int = 0):
        super().__init__()
        init_family(self, cfg, img_channels=img_channels, img_resolution=img_resolution)
        self.corruption = parse_corruption(cfg.corruption)
        self.encoder, self.decoder = autoencoder_nets(
            cfg.net, cfg.net_args, img_channels=img_channels, img_resolution=img_resolution, num_classes=0,
            code_dim=cfg.latent_dim, latent_dim=cfg.latent_dim, out_channels=img_channels)
        self.register_buffer("code_mean", torch.zeros(cfg.latent_dim))
        self.register_buffer("code_var", torch.ones(cfg.latent_dim))

    # -- training -----------------------------------------------------------------------------------
    def trainable(self) -> dict[str, nn.Module]:
        return {"encoder": self.encoder, "decoder": self.decoder}

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        c = self.cfg
        return {"ae": torch.optim.Adam(self.parameters(), lr=c.lr, betas=(c.beta1, c.beta2))}

    def _reconstruction_loss(self, out: torch.Tensor, clean: torch.Tensor) -> torch.Tensor:
        """Mean per pixel; out are raw decoder outputs, clean images in [-1, 1]."""
        target = (clean + 1) / 2  # [0, 1]
        if self.cfg.loss == "bce":
            return F.binary_cross_entropy_with_logits(out, target)
        return F.mse_loss(out, target)

    def train_step(self, batch: dict, nets: dict[str, nn.Module],
                   update: Callable[[torch.Tensor, str], None]) -> dict[str, float]:
        E, D = nets["encoder"], nets["decoder"]
        clean = batch["images"]  # (B, C, H, W) in [-1, 1]
        # 1. corrupt the input (denoising AE); the target stays clean
        noisy = self.corruption(clean)[0] if self.corruption else clean
        # 2. encode, decode, score the reconstruction against the clean image
        code = E(noisy)
        loss = self._reconstruction_loss(D(code), clean)
        update(loss, "ae")
        # 3. track the code distribution that `sample` draws from
        with torch.no_grad():
            m = self.cfg.code_momentum
            self.code_mean.lerp_(code.mean(0).float(), m)
            self.code_var.lerp_(code.var(0, unbiased=False).float() + 1e-6, m)
        return {"loss": loss.item(), "code_std": float(self.code_var.sqrt().mean())}

    # -- encode / decode ------------------------------------------------------------------------------
    def _mean_image(self, out: torch.Tensor) -> torch.Tensor:
        mean01 = torch.sigmoid(out) if self.cfg.loss == "bce" else out
        return (mean01 * 2 - 1).clamp(-1, 1)

    def _eval(self):
        return _EvalMode(self)

    @torch.no_grad()
    def encode(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Standardised codes (B, latent_dim) of images in [-1, 1]."""
        with self._eval():
            return (self.encoder(x) - self.code_mean) / self.code_var.sqrt()

    @torch.no_grad()
    def decode(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Images in [-1, 1] from standardised codes."""
        with self._eval():
            return self._mean_image(self.decoder(self.code_mean + self.code_var.sqrt() * z))


_EvalMode = EvalMode  # the name vae.py imports
