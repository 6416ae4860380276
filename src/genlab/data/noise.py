"""Noise for speech enhancement: white, pink (1/f power) and babble (other clips of the set, summed), mixed
into clean clips at a chosen SNR, and the paired batch source {"inputs": noisy, "targets": clean}.

`data.degradation: noise:-5:15` on an audio set trains on clean clips mixed with one of the three noises
(drawn per clip) at an SNR drawn uniformly from [-5, 15] dB. Every draw comes from a generator seeded by
the batch's position, so a resumed run sees the same mixtures.
"""
from __future__ import annotations

import re

import torch

from genlab.data.sources import Batch, Source, position_generator
from genlab.errors import ConfigError

NOISE_TYPES = ("white", "pink", "babble")
BABBLE_TALKERS = 4


def parse_noise(spec: str) -> tuple[float, float]:
    """'noise:-5:15' -> (-5.0, 15.0), the SNR range in dB; ConfigError otherwise."""
    m = re.fullmatch(r"noise:(-?\d+(?:\.\d+)?):(-?\d+(?:\.\d+)?)", str(spec).strip())
    if not m or float(m.group(1)) > float(m.group(2)):
        raise ConfigError(f"audio data.degradation '{spec}' is not of the form noise:LOW:HIGH "
                          "(the SNR range in dB, e.g. noise:-5:15)")
    return float(m.group(1)), float(m.group(2))


def white_noise(n: int, length: int, generator: torch.Generator) -> torch.Tensor:
    return torch.randn(n, 1, length, generator=generator)


def pink_noise(n: int, length: int, generator: torch.Generator) -> torch.Tensor:
    """Gaussian noise whose power falls as 1/f (amplitude 1/sqrt(f)), shaped in the frequency domain."""
    spectrum = torch.fft.rfft(torch.randn(n, 1, length, generator=generator))
    f = torch.arange(spectrum.shape[-1], dtype=torch.float32)
    spectrum = spectrum / f.clamp_min(1).sqrt()
    spectrum[..., 0] = 0
    return torch.fft.irfft(spectrum, n=length)


def babble_noise(pool: torch.Tensor, n: int, generator: torch.Generator, length: int | None = None) -> torch.Tensor:
    """n mixtures of BABBLE_TALKERS talkers from `pool` (P, 1, T), (n, 1, length). At the pool's own length
    each talker is one clip circularly shifted at random; at another length (a window of joined clips) each
    is a run of random pool clips joined end to end, read from a random offset."""
    clip = pool.shape[-1]
    if length is None or length == clip:
        idx = torch.randint(0, len(pool), (n, BABBLE_TALKERS), generator=generator)
        shifts = torch.randint(0, clip, (n, BABBLE_TALKERS), generator=generator)
        out = torch.zeros(n, 1, clip)
        for i in range(n):
            for k in range(BABBLE_TALKERS):
                out[i] += torch.roll(pool[idx[i, k]], int(shifts[i, k]), dims=-1)
        return out
    runs = -(-length // clip) + 1  # clips per talker: enough for `length` samples from any offset < clip
    idx = torch.randint(0, len(pool), (n, BABBLE_TALKERS, runs), generator=generator)
    offsets = torch.randint(0, clip, (n, BABBLE_TALKERS), generator=generator)
    out = torch.zeros(n, 1, length)
    for i in range(n):
        for k in range(BABBLE_TALKERS):
            talker = pool[idx[i, k]].reshape(1, -1)  # (runs, 1, T) -> (1, runs * T)
            start = int(offsets[i, k])
            out[i] += talker[:, start:start + length]
    return out


def mix_at_snr(clean: torch.Tensor, noise: torch.Tensor, snr_db: torch.Tensor) -> torch.Tensor:
    """clean + noise scaled so that 10 log10(P_clean / P_noise) = snr_db per clip; (B, 1, T) each."""
    p_clean = clean.pow(2).mean(-1, keepdim=True)
    p_noise = noise.pow(2).mean(-1, keepdim=True).clamp_min(1e-12)
    scale = (p_clean / (p_noise * 10 ** (snr_db.view(-1, 1, 1) / 10))).sqrt()
    return clean + scale * noise


def add_noise(clean: torch.Tensor, generator: torch.Generator, snr_range: tuple[float, float],
              pool: torch.Tensor | None = None, kinds: tuple[str, ...] = NOISE_TYPES) -> torch.Tensor:
    """Noisy versions of clean clips (B, 1, T): per clip one of `kinds` at an SNR uniform in snr_range,
    clipped to [-1, 1]. Babble needs `pool`, clips to talk over (others of the set; any clip length)."""
    n, _, length = clean.shape
    kind = torch.randint(0, len(kinds), (n,), generator=generator)
    snr = snr_range[0] + (snr_range[1] - snr_range[0]) * torch.rand(n, generator=generator)
    noises = {"white": lambda: white_noise(n, length, generator), "pink": lambda: pink_noise(n, length, generator),
              "babble": lambda: babble_noise(pool if pool is not None else clean, n, generator, length)}
    drawn = {k: noises[k]() for k in kinds}  # every kind drawn for all, so the draws do not depend on `kind`
    noise = torch.stack([drawn[kinds[int(k)]][i] for i, k in enumerate(kind)])
    return mix_at_snr(clean, noise, snr).clamp(-1, 1)


class NoisyAudioSource(Source):
    """{"inputs": noisy, "targets": clean} (B, 1, T) from an audio source's clips (labels dropped)."""

    kind = "noisy-audio"

    def __init__(self, source: Source, *, snr_range: tuple[float, float], seed: int):
        self.source, self.snr_range, self.seed = source, snr_range, seed
        self.order, self.rank, self.world = source.order, source.rank, source.world
        self.channels, self.resolution, self.num_classes = source.channels, source.resolution, 0
        g = torch.Generator().manual_seed(seed)  # babble talkers: a fixed pool of up to 256 clips of the set
        self.pool = source.data.audio(torch.randperm(len(source.data), generator=g)[:256])

    def _noisy(self, clean: torch.Tensor, generator: torch.Generator) -> Batch:
        return {"inputs": add_noise(clean, generator, self.snr_range, self.pool), "targets": clean}

    def next(self) -> Batch:
        epoch, index = self.source.position
        clean = self.source.next()["audio"]
        return self._noisy(clean, position_generator(self.seed, "noise", epoch, index, self.rank))

    def preview_batch(self, n: int) -> Batch:
        return self._noisy(self.source.preview_batch(n)["audio"], position_generator(self.seed, "preview-noise"))

    def state(self) -> dict:
        return {**self.source.state(), "noisy": True}

    def load_state(self, state: dict) -> None:
        self.source.load_state({k: v for k, v in state.items() if k != "noisy"})

    @property
    def shape(self) -> dict:
        return self.source.shape
