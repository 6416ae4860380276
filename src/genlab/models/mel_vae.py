"""A VAE on log-mel spectrograms of clips: the VAE family (models/vae.py: its nets, ELBO and train step)
applied to normalized log-mel images, and Griffin-Lim to hear what it decodes.

  clip (B, 1, T) -> |STFT| (window n_fft, hop) -> HTK mel filterbank (n_mels triangles, peak 1, 0 .. 8 kHz)
  -> log(. + 1e-6) -> per-bin (x - mean) / std on the training set, clipped to 3 std, / 3  -> (B, 1, n_mels, frames)

frames = T / hop must equal n_mels (the VAE's conv nets take square images): 16,384-sample clips with hop 256
give 64 x 64. The way back (models/spec_repr.py): undo the normalization, mel -> linear magnitudes by the
filterbank's pseudo-inverse (negatives clamped to 0), Griffin-Lim. Batches are {"audio", "labels"} as for the
audio GAN; sample() and generate() return clips (n, 1, T) in [-1, 1] at 16 kHz; encode() takes clips.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Callable

import torch
from torch import nn

from genlab.data.audio import SAMPLE_RATE
from genlab.errors import ConfigError
from genlab.models.family import Family, init_family
from genlab.models.spec_repr import LogSpectrum, source_clip_batches
from genlab.models.vae import VAE, VAEConfig


@dataclass
class MelVAEConfig(VAEConfig):
    net: str = "conv"                # the VAE's encoder/decoder net, on (1, n_mels, frames) images
    decoder: str = "gaussian"        # p(x|z) on the normalized log-mel values (continuous)
    learn_std: bool = True           # one learned decoder std (Rybkin et al. 2021)
    n_mels: int = 64                 # mel bands (HTK scale, 0 .. 8 kHz); also the number of frames
    n_fft: int = 512                 # STFT window in samples
    hop: int = 256                   # STFT stride in samples; data.audio_length / hop frames
    griffin_lim_iters: int = 32      # Griffin-Lim iterations from magnitudes to a clip

    def validate(self) -> None:
        super().validate()
        if self.n_mels < 1 or self.hop < 1 or self.n_fft < 4 or self.hop > self.n_fft:
            raise ConfigError(f"model.n_mels must be >= 1, model.n_fft >= 4 and model.hop in 1..n_fft; got "
                              f"{self.n_mels}, {self.n_fft} and {self.hop}")
        if self.griffin_lim_iters < 0:
            raise ConfigError(f"model.griffin_lim_iters must be >= 0, got {self.griffin_lim_iters}")


class MelVAE(Family):
    """A VAE (self.vae) over the normalized log-mel images (self.spec) of clips; `img_resolution` is the
    clip length in samples."""

    Config = MelVAEConfig
    sample_rate = SAMPLE_RATE

    def __init__(self, cfg: MelVAEConfig, *, img_channels: int, img_resolution: int, num_classes: int = 0):
        super().__init__()
        init_family(self, cfg, img_channels=img_channels, img_resolution=img_resolution, num_classes=num_classes)
        self.audio_shape = (img_channels, img_resolution)
        frames = img_resolution // cfg.hop
        if frames != cfg.n_mels:
            raise ConfigError(f"the mel VAE needs square spectrograms: data.audio_length / model.hop = "
                              f"{img_resolution} / {cfg.hop} = {frames} frames, but model.n_mels is {cfg.n_mels}; "
                              f"set data.audio_length={cfg.n_mels * cfg.hop} or another hop")
        self.spec = LogSpectrum(length=img_resolution, n_fft=cfg.n_fft, hop=cfg.hop, sample_rate=SAMPLE_RATE,
                                n_mels=cfg.n_mels, griffin_lim_iters=cfg.griffin_lim_iters)
        vae_cfg = VAEConfig(**{f.name: getattr(cfg, f.name) for f in fields(VAEConfig)})
        self.vae = VAE(vae_cfg, img_channels=1, img_resolution=cfg.n_mels, num_classes=num_classes)

    # -- training -----------------------------------------------------------------------------------
    def fit_data(self, source) -> None:
        """Measure the per-bin log-mel statistics on the training clips (saved with the weights)."""
        self.spec.fit(source_clip_batches(source))

    def trainable(self) -> dict[str, nn.Module]:
        return self.vae.trainable()

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return self.vae.configure_optimizers()

    def train_step(self, batch: dict, nets: dict[str, nn.Module],
                   update: Callable[[torch.Tensor, str], None]) -> dict[str, float]:
        # 1. clips -> normalized log-mel images; 2. the VAE's own step (ELBO, one backward pass)
        images = self.spec(batch["audio"])  # (B, 1, n_mels, frames) in [-1, 1]
        named = {"images": images, **({"labels": batch["labels"]} if "labels" in batch else {})}
        return self.vae.train_step(named, nets, update)

    # -- clips <-> latents --------------------------------------------------------------------------
    def prior(self, n: int, generator: torch.Generator | None = None, device=None) -> torch.Tensor:
        """z ~ N(0, I), (n, latent_dim), drawn on the CPU from `generator`."""
        return self.vae.prior(n, generator, device)

    def spectrograms(self, audio: torch.Tensor) -> torch.Tensor:
        """Clips (B, 1, T) in [-1, 1] -> the normalized log-mel images (B, 1, n_mels, frames) the VAE models."""
        return self.spec(audio)

    @torch.no_grad()
    def encode(self, audio: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """The posterior mean (B, latent_dim) of clips (B, 1, T) in [-1, 1]."""
        return self.vae.encode(self.spec(audio), labels)

    @torch.no_grad()
    def decode_spectrograms(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """The decoder's mean log-mel images (B, 1, n_mels, frames) in [-1, 1] for latents z."""
        return self.vae.decode(z, labels)

    @torch.no_grad()
    def generate(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Clips (B, 1, T) in [-1, 1] for latents z: decoded log-mel images, then Griffin-Lim."""
        return self.spec.invert(self.decode_spectrograms(z, labels))

    def sample(self, n: int, labels: torch.Tensor | None = None,
               generator: torch.Generator | None = None) -> torch.Tensor:
        """n clips (n, 1, T) in [-1, 1] at `sample_rate`, from latents drawn from the prior."""
        return self.generate(self.prior(n, generator), labels)

    @torch.no_grad()
    def elbo(self, audio: torch.Tensor, labels: torch.Tensor | None = None,
             generator: torch.Generator | None = None) -> torch.Tensor:
        """The ELBO per clip (B,) in nats, of its normalized log-mel image (values scaled to [0, 1])."""
        return self.vae.elbo(self.spec(audio), labels, generator)

    # -- the run's sample grid ------------------------------------------------------------------------
    def preview_audio(self, fixed: dict[str, torch.Tensor]) -> torch.Tensor:
        """The grid's clips (N, T) in [-1, 1]."""
        return self.generate(fixed["z"], fixed.get("labels"))[:, 0]

    def preview(self, fixed: dict[str, torch.Tensor]) -> torch.Tensor:
        """The sample grid: the decoded log-mel images of the fixed latents, low frequencies at the bottom."""
        return self.decode_spectrograms(fixed["z"], fixed.get("labels")).flip(2)
