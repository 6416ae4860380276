"""The document's Keras DCGAN: parameter counts equal to Keras's, Keras semantics, the frozen-D fix."""
import math

import torch

from genlab.models import GAN, GANConfig
from genlab.models.nets.seed_dcgan import SeedDiscriminator, SeedGenerator


def keras_count(module):
    """Keras counts trainable weights plus BatchNorm's moving mean/variance (non-trainable)."""
    params = sum(p.numel() for p in module.parameters())
    return params + sum(b.numel() for n, b in module.named_buffers() if n.endswith(("running_mean", "running_var")))


def test_parameter_counts_equal_keras():
    g, d = SeedGenerator(), SeedDiscriminator()
    assert keras_count(g) == 930_817
    assert keras_count(g) - sum(p.numel() for p in g.parameters()) == 512  # BN moving statistics
    assert keras_count(d) == 193_025


def test_keras_batchnorm_and_init():
    g = SeedGenerator()
    bns = [m for m in g.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert len(bns) == 2 and all(m.momentum == 0.2 and m.eps == 1e-3 for m in bns)
    for m in list(g.modules()) + list(SeedDiscriminator().modules()):
        if isinstance(m, (torch.nn.Linear, torch.nn.Conv2d)):
            fan_in = m.weight[0].numel()
            fan_out = m.weight.shape[0] * (m.weight[0, 0].numel() if m.weight.dim() == 4 else 1)
            limit = math.sqrt(6 / (fan_in + fan_out))  # Glorot uniform
            assert m.weight.abs().max() <= limit and m.weight.abs().max() > 0.9 * limit
            assert torch.all(m.bias == 0)


def test_shapes_and_range():
    g, d = SeedGenerator(), SeedDiscriminator()
    x = g(torch.randn(5, 100))
    assert x.shape == (5, 1, 28, 28) and x.min() >= -1 and x.max() <= 1
    assert d(x).shape == (5,)


def _step(cfg):
    torch.manual_seed(0)
    gan = GAN(cfg, img_channels=1, img_resolution=28)
    opts = gan.configure_optimizers()
    moved = {}

    def update(loss, name):
        before = {n: p.detach().clone() for n, p in gan.named_parameters()}
        loss.backward()
        opts[name].step()
        opts[name].zero_grad(set_to_none=True)
        moved[name] = {n for n, p in gan.named_parameters() if not torch.equal(before[n], p)}
        # the generator update must leave no gradient on the discriminator
        if name == "g":
            assert all(p.grad is None for p in gan.discriminator.parameters())

    real = torch.rand(8, 1, 28, 28) * 2 - 1
    out = gan.train_step({"images": real, "labels": None}, gan.trainable(), update)
    return out, moved


def test_generator_step_updates_generator_only():
    out, moved = _step(GANConfig(d_step="joint"))
    assert moved["g"] and all(n.startswith("generator.") for n in moved["g"])
    assert moved["d"] and all(n.startswith("discriminator.") for n in moved["d"])
    assert set(out) >= {"loss_d", "loss_g"} and all(math.isfinite(v) for v in out.values())


def test_separate_d_step_like_keras():
    out, moved = _step(GANConfig(d_step="separate"))
    assert all(n.startswith("discriminator.") for n in moved["d"])
    assert math.isfinite(out["loss_d"])
