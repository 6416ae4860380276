"""Spectral tools of data/spectral.py on synthesized signals: Griffin-Lim recovers a chirp's STFT magnitude
(better with more iterations), the HTK mel filterbank's shape and partition of unity, and the pseudo-inverse
from mel back to linear magnitudes."""
from __future__ import annotations

import math

import pytest
import torch

from genlab.data.spectral import (griffin_lim, hz_to_mel, mel_centres, mel_filterbank, mel_to_linear,
                                  spectral_convergence, stft)

pytestmark = pytest.mark.usefixtures("one_thread")
RATE = 16_000


def chirp(n: int = 16384, f0: float = 200.0, f1: float = 3000.0) -> torch.Tensor:
    """A linear chirp f0 -> f1 Hz over n samples at 16 kHz, amplitude 0.5, (1, n)."""
    t = torch.arange(n, dtype=torch.float64) / RATE
    duration = n / RATE
    return (0.5 * torch.sin(2 * math.pi * (f0 * t + (f1 - f0) / (2 * duration) * t ** 2))).float()[None]


def test_griffin_lim_recovers_a_chirps_magnitude_better_with_more_iterations():
    """SpecGAN's STFT (window 256, stride 128). Measured on this chirp: spectral convergence 0.81 from zero phase
    (0 iterations), 0.35 after 1, 0.13 after 16 (the paper's count), 0.09 after 64."""
    x = chirp()
    mag = stft(x, 256, 128).abs()
    sc = {k: float(spectral_convergence(griffin_lim(mag, 256, 128, k, x.shape[-1]), mag, 256, 128)[0])
          for k in (0, 1, 16, 64)}
    assert sc[16] < 0.2
    assert sc[0] > sc[1] > sc[16] > sc[64]
    # the exact phase gives back the signal itself: the STFT pair is consistent
    from genlab.data.spectral import istft
    assert torch.allclose(istft(stft(x, 256, 128), 256, 128, x.shape[-1]), x, atol=1e-5)


def test_griffin_lim_output_has_the_requested_length_and_is_deterministic():
    mag = stft(chirp(4096), 128, 64).abs()
    a, b = griffin_lim(mag, 128, 64, 4, 4096), griffin_lim(mag, 128, 64, 4, 4096)
    assert a.shape == (1, 4096) and torch.equal(a, b)


def test_spectral_convergence_is_zero_for_the_same_signal_and_one_for_silence():
    x = chirp(2048)
    mag = stft(x, 256, 128).abs()
    assert float(spectral_convergence(x, mag, 256, 128)[0]) < 1e-5
    assert float(spectral_convergence(torch.zeros_like(x), mag, 256, 128)[0]) == pytest.approx(1.0)


@pytest.mark.parametrize("n_mels,n_fft", [(64, 512), (40, 1024), (128, 2048)])
def test_mel_filterbank_shape_centres_and_partition_of_unity(n_mels, n_fft):
    """HTK triangles of peak 1: between the first and the last centre, the filters at every STFT bin sum to 1
    (each bin lies on the falling edge of one filter and the rising edge of the next)."""
    fb = mel_filterbank(n_mels, n_fft, RATE)
    assert fb.shape == (n_mels, n_fft // 2 + 1) and fb.min() >= 0 and fb.max() <= 1 + 1e-6
    centres = mel_centres(n_mels, RATE)
    assert (centres.diff() > 0).all() and 0 < centres[0] and centres[-1] < RATE / 2
    mels = torch.tensor([hz_to_mel(float(f)) for f in centres])
    assert torch.allclose(mels.diff(), mels.diff()[0].expand(n_mels - 1), rtol=1e-4)  # equal steps in mel
    freqs = torch.linspace(0, RATE / 2, n_fft // 2 + 1, dtype=torch.float64)
    inside = (freqs >= centres[0]) & (freqs <= centres[-1])
    assert torch.allclose(fb[:, inside].double().sum(0), torch.ones(int(inside.sum()), dtype=torch.float64), atol=1e-5)
    peaks = fb.argmax(1)
    assert (peaks.diff() >= 0).all()  # the filters' peaks move up with the band
    assert (fb.sum(1) > 0).all()      # no empty filter


def test_mel_to_linear_inverts_the_filterbank_on_smooth_spectra():
    """A spectrum that is a mix of the filters themselves is in the filterbank's row space, so the pseudo-inverse
    recovers its mel projection exactly; the result is never negative."""
    fb = mel_filterbank(32, 512, RATE)
    weights = torch.rand(2, 32, 5, generator=torch.Generator().manual_seed(0))
    linear = fb.T @ weights  # (2, 257, 5) non-negative, smooth
    mel = fb @ linear
    back = mel_to_linear(mel, fb)
    assert back.shape == linear.shape and back.min() >= 0
    assert torch.allclose(fb @ back, mel, rtol=1e-3, atol=1e-4)
