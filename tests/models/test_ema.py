"""EMA arithmetic: half-life in images, ramp-up, and its use for sampling and checkpoints."""
import pytest
import torch

from genlab.models import GAN, GANConfig
from genlab.models.ema import ema_beta, update_ema
from genlab.models.gan import truncated_normal


def test_half_life_is_in_images():
    # after half_life images, the old weights keep exactly half their weight, whatever the batch size
    for batch in (16, 64, 250):
        beta = ema_beta(batch, images_seen=10**9, half_life_kimg=10, rampup=None)
        assert beta ** (10_000 / batch) == pytest.approx(0.5)


def test_rampup_shortens_early_half_life():
    assert ema_beta(64, images_seen=1000, half_life_kimg=10, rampup=0.05) == pytest.approx(0.5 ** (64 / 50))


def test_update_moves_towards_weights_and_copies_buffers():
    a, b = torch.nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3)
    with torch.no_grad():
        a.weight.fill_(0.0)
        b.weight.fill_(1.0)
        b.running_mean.fill_(5.0)
    update_ema(a, b, beta=0.75)
    assert torch.allclose(a.weight, torch.full((3,), 0.25)) and torch.equal(a.running_mean, b.running_mean)


def test_gan_samples_from_ema_and_saves_it():
    gan = GAN(GANConfig(ema_half_life_kimg=1.0, net_args={"width": 8}), img_channels=1, img_resolution=28)
    assert any(k.startswith("ema.") for k in gan.state_dict())
    with torch.no_grad():
        for p in gan.generator.parameters():
            p.add_(1.0)
    z = torch.randn(2, 100)
    assert not torch.equal(gan.generate(z), gan.generate(z, use_ema=False))
    gan.after_step(images_seen=10**6, batch_size=10**9)  # beta ~ 0: EMA jumps to the weights
    assert torch.allclose(gan.generate(z), gan.generate(z, use_ema=False), atol=1e-5)


def test_truncation_bounds_latents_and_is_seeded():
    z = truncated_normal((1000, 8), 0.7, torch.Generator().manual_seed(0))
    assert z.abs().max() <= 0.7
    assert torch.equal(z, truncated_normal((1000, 8), 0.7, torch.Generator().manual_seed(0)))


def test_ema_leaves_training_unchanged(tiny_overrides, tmp_path):
    """The EMA only reads the weights: G and D train bitwise as without it (what the demo relies on)."""
    from safetensors.torch import load_file

    from genlab.config import load_config
    from genlab.train.loop import train

    runs = {}
    for kimg in (0, 2):
        cfg = load_config("seed-dcgan-mnist", tiny_overrides + [
            "train.steps=4", f"model.ema_half_life_kimg={kimg}", f"train.out={tmp_path}/ema{kimg}"])
        runs[kimg] = load_file(str(train(cfg, progress=False).checkpoint / "model.safetensors"))
    plain, with_ema = runs[0], runs[2]
    assert set(with_ema) == set(plain) | {k for k in with_ema if k.startswith("ema.")}
    assert any(k.startswith("ema.") for k in with_ema)
    for key in plain:
        assert torch.equal(plain[key], with_ema[key]), key
    gen = [k for k in plain if k.startswith("generator.") and k.endswith("weight")]
    assert not all(torch.equal(with_ema["ema." + k[len("generator."):]], plain[k]) for k in gen)
