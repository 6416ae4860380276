"""The audio GAN family: a generator and critic trained with WGAN-GP, as Donahue et al. 2019 do, over
  - waveforms (`net: wavegan`, models/nets/wavegan.py), or
  - spectrograms (`net: specgan`, models/nets/specgan.py): G makes a normalized log-magnitude spectrogram
    image, real clips become the same representation (models/spec_repr.py: STFT window n_fft = 2 sqrt(T),
    stride n_fft / 2, so a 16,384-sample clip is the paper's 256 / 128 and 128 bins x 128 frames; per-bin
    statistics measured on the training set by fit_data and saved in the checkpoint), and sampling turns
    spectrograms back into clips by Griffin-Lim (model.griffin_lim_iters, 16 as the paper).
Batches are {"audio": (B, 1, T) in [-1, 1], "labels"}; sample() returns clips (n, 1, T) in [-1, 1] at
16 kHz; the run's sample grid shows their spectrograms and the loop writes the clips themselves as a WAV
beside it (preview_audio).

One training step (Gulrajani et al. 2017, algorithm 1):
  1. n_critic critic updates, each on a fresh real batch: E[D(fake)] - E[D(real)] + 10 x gradient penalty;
  2. one generator update through the frozen critic: -E[D(G(z))].
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch
from torch import nn

from genlab.data.audio import SAMPLE_RATE
from genlab.data.spectral import spectrogram_images
from genlab.errors import ConfigError, unknown
from genlab.models.ema import ema_beta, update_ema
from genlab.models.family import Family, init_family
from genlab.models.gan import build_gan_nets
from genlab.models.losses import LOSSES, gradient_penalty
from genlab.models.nets import AUDIO_NETS
from genlab.models.spec_repr import LogSpectrum, source_clip_batches


@dataclass
class AudioGANConfig:
    net: str = "wavegan"             # wavegan (1-D transposed convolutions, phase shuffle in D) | specgan (2-D, spectrograms)
    net_args: dict = field(default_factory=dict)  # passed to both nets: width (the paper's d), phase_shuffle, label_dim
    latent_dim: int = 100            # size of z ~ N(0, I)
    loss: str = "wasserstein"        # a GAN loss of models/losses.py (the paper: wasserstein)
    lr_g: float = 1e-4               # Adam learning rate of G (the paper: 1e-4)
    lr_d: float = 1e-4               # Adam learning rate of D
    beta1: float = 0.5               # Adam beta1 (the paper: 0.5)
    beta2: float = 0.9               # Adam beta2 (the paper: 0.9)
    n_critic: int = 5                # critic updates per generator update (the paper: 5)
    gp_weight: float = 10.0          # gradient penalty weight (the paper: 10)
    conditional: bool = False        # condition both nets on class labels (digits)
    ema_half_life_kimg: float = 0.0  # EMA of G's weights, half-life in thousands of clips (0: none)
    ema_rampup: float | None = 0.05  # EMA half-life is at most this fraction of the clips seen so far
    griffin_lim_iters: int = 16      # specgan: Griffin-Lim iterations from spectrogram to clip (the paper: 16)

    def validate(self) -> None:
        if self.net not in AUDIO_NETS:
            raise ConfigError(unknown("audio GAN net", self.net, AUDIO_NETS))
        if self.loss not in LOSSES:
            raise ConfigError(unknown("GAN loss", self.loss, LOSSES))
        if self.latent_dim < 1 or self.n_critic < 1:
            raise ConfigError(f"model.latent_dim and model.n_critic must be >= 1, got {self.latent_dim} and "
                              f"{self.n_critic}")
        if self.gp_weight < 0 or self.ema_half_life_kimg < 0 or self.griffin_lim_iters < 0:
            raise ConfigError("model.gp_weight, ema_half_life_kimg and griffin_lim_iters must be >= 0")


def specgan_n_fft(length: int) -> int:
    """The STFT window that makes a clip of `length` samples a square spectrogram: n_fft / 2 bins by
    length / (n_fft / 2) frames, so n_fft = 2 sqrt(length) (256 for 16,384 samples, as the paper)."""
    n_fft = 2 * round(length ** 0.5)
    if n_fft * n_fft != 4 * length:
        raise ConfigError(f"specgan needs clips of a square number of samples (n_fft^2 / 4: 1024, 4096, 16384 = "
                          f"the paper's), not {length}; set data.audio_length")
    return n_fft


class AudioGAN(Family):
    """Generator + critic of clips (wavegan) or their spectrograms (specgan); `img_resolution` is the clip
    length in samples, `img_channels` 1."""

    Config = AudioGANConfig
    sample_rate = SAMPLE_RATE

    def __init__(self, cfg: AudioGANConfig, *, img_channels: int, img_resolution: int, num_classes: int = 0):
        super().__init__()
        init_family(self, cfg, img_channels=img_channels, img_resolution=img_resolution, num_classes=num_classes)
        self.audio_shape = (img_channels, img_resolution)
        self.spec: LogSpectrum | None = None  # specgan: clips <-> normalized spectrogram images
        side = img_resolution
        if cfg.net == "specgan":
            n_fft = specgan_n_fft(img_resolution)
            self.spec = LogSpectrum(length=img_resolution, n_fft=n_fft, hop=n_fft // 2, sample_rate=SAMPLE_RATE,
                                    griffin_lim_iters=cfg.griffin_lim_iters)
            side = n_fft // 2
        interface = dict(img_channels=img_channels, img_resolution=side, num_classes=self.num_classes)
        self.generator, self.discriminator, self.ema = build_gan_nets(
            cfg, interface, f"clips of {img_resolution} samples")
        self.d_loss, self.g_loss = LOSSES[cfg.loss]

    # -- training -----------------------------------------------------------------------------------
    def fit_data(self, source) -> None:
        """specgan: measure the spectrogram statistics on the training clips (saved with the weights)."""
        if self.spec is not None:
            self.spec.fit(source_clip_batches(source))

    def trainable(self) -> dict[str, nn.Module]:
        return {"generator": self.generator, "discriminator": self.discriminator}

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        c = self.cfg
        adam = dict(betas=(c.beta1, c.beta2), fused=True)
        return {"d": torch.optim.Adam(self.discriminator.parameters(), lr=c.lr_d, **adam),
                "g": torch.optim.Adam(self.generator.parameters(), lr=c.lr_g, **adam)}

    @property
    def batches_per_step(self) -> int:
        return self.cfg.n_critic

    def train_step(self, batch: dict, nets: dict[str, nn.Module],
                   update: Callable[[torch.Tensor, str], None]) -> dict[str, float]:
        G, D = nets["generator"], nets["discriminator"]
        c = self.cfg
        real_all = batch["audio"]  # (n_critic * B, 1, T) in [-1, 1]
        if self.spec is not None:  # specgan: the critic sees spectrogram images (n_critic * B, 1, R, R)
            real_all = self.spec(real_all)
        reals = real_all.chunk(c.n_critic)
        labels_all = batch["labels"].chunk(c.n_critic) if self.num_classes else [None] * len(reals)

        # 1. critic steps, a fresh real batch each; fakes get the real batch's labels
        for real, labels in zip(reals, labels_all):
            fake = G(torch.randn(real.shape[0], self.latent_dim, device=real.device), labels)
            real_scores, fake_scores = D(real, labels), D(fake.detach(), labels)
            loss_d = self.d_loss(real_scores, fake_scores)
            logs = {"loss_d": loss_d.item(), "d_real": real_scores.mean().item(), "d_fake": fake_scores.mean().item()}
            if c.gp_weight:
                gp = gradient_penalty(D, real, fake, labels)
                loss_d = loss_d + c.gp_weight * gp
                logs["gp"] = gp.item()
            update(loss_d, "d")

        # 2. generator step through the frozen critic (the last fake batch of step 1, one G forward)
        D.requires_grad_(False)
        try:
            loss_g = self.g_loss(D(fake, labels))
            update(loss_g, "g")
        finally:
            D.requires_grad_(True)
        return {**logs, "loss_g": loss_g.item()}

    def after_step(self, images_seen: int, step_images: int) -> None:
        if self.ema is not None:
            beta = ema_beta(step_images, images_seen, self.cfg.ema_half_life_kimg, self.cfg.ema_rampup)
            update_ema(self.ema, self.generator, beta)

    # -- sampling -----------------------------------------------------------------------------------
    def prior(self, n: int, generator: torch.Generator | None = None, device=None) -> torch.Tensor:
        """z ~ N(0, I), (n, latent_dim), drawn on the CPU from `generator`."""
        device = device or next(self.parameters()).device
        return torch.randn(n, self.latent_dim, generator=generator).to(device)

    @torch.no_grad()
    def generate(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Clips (n, 1, T) in [-1, 1] for latents z, in eval mode (the EMA generator when there is one)."""
        if self.num_classes and labels is None:
            raise ConfigError("this audio GAN is class-conditional: give labels (e.g. --labels 0-9)")
        out = self.generate_raw(z, labels)
        return out if self.spec is None else self.spec.invert(out)

    @torch.no_grad()
    def generate_raw(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """What G makes, in [-1, 1]: clips (n, 1, T) (wavegan) or spectrogram images (n, 1, R, R) (specgan)."""
        net = self.ema if self.ema is not None else self.generator
        was_training = net.training
        net.eval()
        try:
            return net(z, labels.to(z.device) if labels is not None else None).clamp(-1, 1)
        finally:
            net.train(was_training)

    def sample(self, n: int, labels: torch.Tensor | None = None,
               generator: torch.Generator | None = None) -> torch.Tensor:
        """n clips (n, 1, T) in [-1, 1] at `sample_rate`."""
        return self.generate(self.prior(n, generator), labels)

    def preview_audio(self, fixed: dict[str, torch.Tensor]) -> torch.Tensor:
        """The grid's clips (N, T) in [-1, 1]."""
        return self.generate(fixed["z"], fixed.get("labels"))[:, 0]

    def preview(self, fixed: dict[str, torch.Tensor]) -> torch.Tensor:
        """The sample grid: spectrogram images (N, 1, 128, frames) of the fixed latents' clips (specgan: G's
        own normalized spectrograms, low frequencies at the bottom)."""
        if self.spec is not None:
            return self.generate_raw(fixed["z"], fixed.get("labels")).flip(2)
        return spectrogram_images(self.preview_audio(fixed))
