"""The speech enhancement family: an enhancer net (noisy clip -> clean clip, (B, 1, T) in [-1, 1]) trained on
{"inputs": noisy, "targets": clean} batches (data/noise.py) by maximising SI-SDR (Le Roux et al. 2019), the
usual objective of mask-based enhancers. One step:
  1. enhanced = enhancer(noisy); loss = -mean SI-SDR(enhanced, clean); one Adam update.
The sample grid shows spectrograms noisy | enhanced | clean, one row per clip, and the loop writes the
three clips of each row, in that order, as a WAV beside it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch
from torch import nn

from genlab.data.audio import SAMPLE_RATE
from genlab.data.spectral import spectrogram_images
from genlab.errors import ConfigError, unknown
from genlab.models.family import EvalMode, Family
from genlab.models.losses import si_sdr
from genlab.models.nets import NETS

ENHANCERS = ("mask-unet",)  # trainable; spectral-subtraction and wiener are parameter-free baselines


@dataclass
class EnhanceConfig:
    net: str = "mask-unet"           # the enhancer: mask-unet (a spectral-mask U-Net)
    net_args: dict = field(default_factory=dict)  # passed to the net: width, n_fft, hop
    lr: float = 1e-3                 # Adam learning rate
    beta1: float = 0.9               # Adam beta1
    beta2: float = 0.999             # Adam beta2
    loss: str = "si-sdr"             # si-sdr (negative SI-SDR) | l1 (waveform L1)

    def validate(self) -> None:
        if self.net not in ENHANCERS:
            raise ConfigError(unknown("enhancer net", self.net, ENHANCERS))
        if self.loss not in ("si-sdr", "l1"):
            raise ConfigError(unknown("enhance loss", self.loss, ("si-sdr", "l1")))


class Enhance(Family):
    """Noisy clip in, clean clip out; `img_resolution` is the training clip length (any length enhances)."""

    Config = EnhanceConfig
    sample_rate = SAMPLE_RATE
    preview_columns = 3  # noisy | enhanced | clean

    def __init__(self, cfg: EnhanceConfig, *, img_channels: int, img_resolution: int, num_classes: int = 0):
        super().__init__()
        cfg.validate()
        self.cfg, self.num_classes = cfg, 0
        try:
            self.enhancer = NETS[cfg.net]["enhancer"](img_channels=img_channels, img_resolution=img_resolution,
                                                      **cfg.net_args)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"net '{cfg.net}' cannot be built with {cfg.net_args or 'defaults'}: {exc}") from None

    def trainable(self) -> dict[str, nn.Module]:
        return {"enhancer": self.enhancer}

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        c = self.cfg
        return {"enhancer": torch.optim.Adam(self.enhancer.parameters(), lr=c.lr, betas=(c.beta1, c.beta2))}

    def train_step(self, batch: dict, nets: dict[str, nn.Module],
                   update: Callable[[torch.Tensor, str], None]) -> dict[str, float]:
        noisy, clean = batch["inputs"], batch["targets"]  # (B, 1, T) in [-1, 1]
        enhanced = nets["enhancer"](noisy)
        sdr = si_sdr(enhanced, clean)
        loss = -sdr.mean() if self.cfg.loss == "si-sdr" else (enhanced - clean).abs().mean()
        update(loss.float(), "enhancer")
        with torch.no_grad():
            gain = (sdr - si_sdr(noisy, clean)).mean()
        return {"loss": loss.item(), "si_sdr": sdr.mean().item(), "si_sdr_gain": gain.item()}

    @torch.no_grad()
    def enhance(self, noisy: torch.Tensor) -> torch.Tensor:
        """Clips (B, 1, T) of any length T -> enhanced (B, 1, T) in [-1, 1], in eval mode."""
        with EvalMode(self.enhancer):
            return self.enhancer(noisy).clamp(-1, 1)

    def preview_audio(self, fixed: dict[str, torch.Tensor]) -> torch.Tensor:
        """(3N, T): noisy, enhanced, clean of each preview clip in turn."""
        noisy, clean = fixed["inputs"], fixed["targets"]
        return torch.stack([noisy, self.enhance(noisy), clean], dim=1).reshape(-1, noisy.shape[-1])

    def preview(self, fixed: dict[str, torch.Tensor]) -> torch.Tensor:
        return spectrogram_images(self.preview_audio(fixed))
