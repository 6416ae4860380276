"""Noise for speech enhancement: exact SNRs, a 1/f pink spectrum, babble from other clips, seeded pairs."""
from __future__ import annotations

import pytest
import torch

from genlab.config import load_config
from genlab.data import noise
from genlab.data.sources import build_source
from genlab.errors import ConfigError


def test_parse_noise():
    assert noise.parse_noise("noise:-5:15") == (-5.0, 15.0)
    assert noise.parse_noise("noise:0:0") == (0.0, 0.0)
    for bad in ("noise", "noise:5", "noise:10:0", "hum:0:5", "bicubic-x2"):
        with pytest.raises(ConfigError, match="noise:LOW:HIGH"):
            noise.parse_noise(bad)
    with pytest.raises(ConfigError, match="noise:LOW:HIGH"):
        load_config("enhance-digits", ["data.degradation=noise:9:1"])


def test_mix_at_snr_is_exact():
    g = torch.Generator().manual_seed(0)
    clean, n = torch.randn(3, 1, 4000, generator=g), torch.randn(3, 1, 4000, generator=g) * 7
    snr = torch.tensor([0.0, 5.0, -3.0])
    noisy = noise.mix_at_snr(clean, n, snr)
    measured = 10 * torch.log10(clean.pow(2).mean(-1) / (noisy - clean).pow(2).mean(-1)).flatten()
    torch.testing.assert_close(measured, snr, atol=1e-4, rtol=0)


def test_pink_noise_power_falls_as_one_over_f():
    x = noise.pink_noise(16, 1 << 14, torch.Generator().manual_seed(0))
    power = torch.fft.rfft(x).abs().pow(2).mean((0, 1))
    band = lambda lo, hi: float(power[lo:hi].mean())  # noqa: E731
    # an octave up, 1/f power halves: -3 dB per octave (white noise: 0 dB)
    ratio_db = 10 * torch.log10(torch.tensor(band(1000, 2000) / band(2000, 4000)))
    assert abs(float(ratio_db) - 3.0) < 0.5


def test_babble_is_made_of_the_pool():
    pool = torch.zeros(5, 1, 100)
    pool[:, 0, 0] = torch.arange(1.0, 6.0)
    out = noise.babble_noise(pool, 3, torch.Generator().manual_seed(0))
    assert out.shape == (3, 1, 100)
    for row in out[:, 0]:  # four talkers, each a shifted pool clip: four spikes of pool values (or sums)
        assert 0 < int((row != 0).sum()) <= noise.BABBLE_TALKERS and float(row.sum()) >= noise.BABBLE_TALKERS


def test_add_noise_is_seeded_and_clipped():
    clean = torch.sin(torch.arange(2000.0) / 10).repeat(4, 1, 1) * 0.9
    a = noise.add_noise(clean, torch.Generator().manual_seed(1), (-5, 5))
    b = noise.add_noise(clean, torch.Generator().manual_seed(1), (-5, 5))
    assert torch.equal(a, b) and a.abs().max() <= 1 and not torch.equal(a, clean)


def test_noisy_source_pairs_and_resumes(tiny_wavs):
    cfg = load_config("enhance-digits", ["data.name=audio-folder", f"data.path={tiny_wavs}", "data.audio_length=1024"])
    source = build_source(cfg.data, batch_size=4, seed=0)
    first = source.next()
    assert set(first) == {"inputs", "targets"} and first["inputs"].shape == first["targets"].shape == (4, 1, 1024)
    snr = 10 * torch.log10(first["targets"].pow(2).mean(-1) / (first["inputs"] - first["targets"]).pow(2).mean(-1))
    assert (snr > -5.5).all() and (snr < 15.5).all()  # within the preset's -5..15 dB (clipping aside)
    state = source.state()
    second = source.next()
    again = build_source(cfg.data, batch_size=4, seed=0)
    again.load_state(state)
    assert torch.equal(again.next()["inputs"], second["inputs"])
    assert source.interface["num_classes"] == 0
