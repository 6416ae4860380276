"""SI-SDR, the classical enhancement baselines and the mask U-Net, on signals the tests synthesize."""
from __future__ import annotations

import pytest
import torch

from genlab.data.noise import mix_at_snr, white_noise
from genlab.metrics.enhancement import pesq_stoi, si_sdr
from genlab.models.nets import NETS
from genlab.models.nets.classical_enhance import noise_power

pytestmark = pytest.mark.usefixtures("one_thread")


def speechlike(n=4, length=16000, seed=0):
    """Bursts of harmonic tones with pauses between them (so the noise can be estimated in the pauses)."""
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(length) / 16000
    f0 = 120 + 100 * torch.rand(n, 1, generator=g)
    x = sum(torch.sin(2 * torch.pi * k * f0 * t) / k for k in range(1, 6))
    envelope = ((t * 3) % 1 < 0.5).float()  # 1/6 s on, 1/6 s off
    return (0.3 * x * envelope)[:, None]


def test_si_sdr_known_values_and_scale_invariance():
    s = speechlike(2)
    n = torch.randn_like(s)
    n = n - (n * s).sum(-1, keepdim=True) / s.pow(2).sum(-1, keepdim=True) * s  # orthogonal to s
    n = n - n.mean(-1, keepdim=True)
    for snr in (0.0, 10.0):
        est = mix_at_snr(s, n, torch.full((2,), snr))
        torch.testing.assert_close(si_sdr(est, s), torch.full((2,), snr, dtype=torch.float64), atol=0.05, rtol=0)
        torch.testing.assert_close(si_sdr(3 * est, s), si_sdr(est, s))  # scale-invariant
    assert (si_sdr(s, s) > 60).all()


def test_noise_power_reads_the_pauses():
    s = speechlike(1)
    n = 0.01 * white_noise(1, 16000, torch.Generator().manual_seed(1))
    spec = torch.stft((s + n)[:, 0], 512, 128, window=torch.hann_window(512), return_complex=True)
    est = noise_power(spec.abs() ** 2)
    true = (torch.stft(n[:, 0], 512, 128, window=torch.hann_window(512), return_complex=True).abs() ** 2).mean(-1)
    ratio = float(est.mean() / true.mean())
    assert 0.5 < ratio < 2  # within 3 dB of the noise's own power


@pytest.mark.parametrize("name", ["spectral-subtraction", "wiener"])
def test_classical_baselines_improve_si_sdr_on_white_noise(name):
    s = speechlike(4)
    noisy = mix_at_snr(s, white_noise(4, 16000, torch.Generator().manual_seed(2)), torch.zeros(4))
    net = NETS[name]["enhancer"]()
    out = net(noisy)
    assert out.shape == noisy.shape
    gain = float((si_sdr(out, s) - si_sdr(noisy, s)).mean())
    assert gain > 3.0, gain  # well-separated harmonics in white noise at 0 dB


def test_mask_unet_any_length_and_a_step_improves():
    torch.manual_seed(0)
    net = NETS["mask-unet"]["enhancer"](width=4)
    for length in (1000, 4321, 16000):
        assert net(torch.randn(2, 1, length) * 0.1).shape == (2, 1, length)
    s = speechlike(8)
    noisy = mix_at_snr(s, white_noise(8, 16000, torch.Generator().manual_seed(3)), torch.zeros(8))
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    with torch.no_grad():
        before = float(si_sdr(net(noisy), s).mean())
    for _ in range(15):
        loss = -si_sdr(net(noisy), s).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        assert float(si_sdr(net(noisy), s).mean()) > before + 1.0


def test_pesq_and_stoi_when_installed():
    pytest.importorskip("pesq")
    pytest.importorskip("pystoi")
    s = speechlike(2, 32000)
    noisy = mix_at_snr(s, white_noise(2, 32000, torch.Generator().manual_seed(4)), torch.zeros(2))
    clean_scores, noisy_scores = pesq_stoi(s, s), pesq_stoi(noisy, s)
    assert clean_scores["pesq"] > 4.0 and clean_scores["stoi"] > 0.99
    assert noisy_scores["pesq"] < clean_scores["pesq"] and noisy_scores["stoi"] < clean_scores["stoi"]
