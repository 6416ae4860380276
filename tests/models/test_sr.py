"""The super-resolution family and its nets: shapes, learning, the GAN stage, EMA, save/load, preview."""
from __future__ import annotations

import pytest
import torch
from safetensors.torch import load_file, save_file
from torch import nn

from genlab.errors import ConfigError
from genlab.models import FAMILIES, SR, SRConfig
from genlab.models.nets import NETS

pytestmark = pytest.mark.usefixtures("one_thread")  # see conftest.py

UPSCALERS = [name for name, pair in NETS.items() if "upscaler" in pair]
TINY = {"srcnn": dict(width=8, depth=3), "edsr": dict(width=8, depth=2), "rrdb": dict(width=8, depth=1)}


class StandIn(nn.Module):
    """A tiny fixed conv net with genlab's VGG19 interface: forward(x, layers) -> {name: activation}."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(123)
        self.conv = nn.Conv2d(3, 4, 3, padding=1).requires_grad_(False)

    def forward(self, x, layers=("conv5_4",)):
        return {name: self.conv(x) for name in layers}


def make(net="edsr", scale=2, seed=0, **kw):
    torch.manual_seed(seed)
    return SR(SRConfig(net=net, scale=scale, **{**TINY.get(net, {}), **kw}), img_channels=3,
              feature_net=StandIn() if kw.get("perceptual_weight") else None)


def pair(scale, n=4, h=8, w=6, seed=1):
    """Targets are nearest-upsampled inputs: a mapping every net can learn exactly (bicubic cannot)."""
    g = torch.Generator().manual_seed(seed)
    inputs = torch.rand(n, 3, h, w, generator=g) * 2 - 1
    return {"inputs": inputs, "targets": nn.functional.interpolate(inputs, scale_factor=scale, mode="nearest")}


def updater(model):
    opts = model.configure_optimizers()

    def update(loss, name):
        loss.backward()
        opts[name].step()
        opts[name].zero_grad(set_to_none=True)
    return update


def test_sr_is_a_family():
    assert FAMILIES["sr"] is SR


@pytest.mark.parametrize("net", UPSCALERS)
@pytest.mark.parametrize("scale", [2, 3, 4])
def test_upscalers_give_scaled_shapes_in_range(net, scale):
    model = make(net, scale)
    x = pair(scale, n=2, h=9, w=11)["inputs"]
    for mode in (True, False):
        model.upscaler.train(mode)
        with torch.no_grad():
            assert model.upscaler(x).shape == (2, 3, 9 * scale, 11 * scale)
    out = model.upscale(x)
    assert out.shape == (2, 3, 9 * scale, 11 * scale) and out.min() >= -1 and out.max() <= 1


def test_bicubic_baseline_equals_torch_bicubic_and_has_no_weights():
    model = make("bicubic", 2)
    x = pair(2)["inputs"]
    expected = nn.functional.interpolate(x, scale_factor=2, mode="bicubic", align_corners=False).clamp(-1, 1)
    assert torch.equal(model.upscale(x), expected)
    assert not list(model.parameters()) and model.configure_optimizers() == {}


def test_unsharp_sharpens_an_edge_beyond_bicubic():
    """A step edge: the unsharp mask overshoots on both sides, so its range is wider than bicubic's."""
    x = torch.full((1, 3, 16, 16), -0.5)
    x[..., 8:] = 0.5
    bicubic, unsharp = make("bicubic", 2).upscale(x), make("unsharp", 2).upscale(x)
    assert unsharp.max() > bicubic.max() + 0.05 and unsharp.min() < bicubic.min() - 0.05


def test_edsr_baseline_parameter_count():
    """EDSR-baseline x2 (16 blocks, 64 channels, RGB): 1,369,859 weights (Lim et al. 2017 report ~1.4M)."""
    net = NETS["edsr"]["upscaler"](img_channels=3, scale=2, width=64, depth=16)
    convs = 1 + 32 + 1 + 1 + 1  # head, 16 blocks x 2, body tail, upsampler, output
    expected = (3 * 64 * 9 + 64) + (33 * (64 * 64 * 9 + 64)) + (64 * 256 * 9 + 256) + (64 * 3 * 9 + 3)
    assert sum(1 for m in net.modules() if isinstance(m, nn.Conv2d)) == convs
    assert sum(p.numel() for p in net.parameters()) == expected == 1_369_859


@pytest.mark.parametrize("scale", [2, 4])
def test_edsr_bicubic_skip_adds_the_bicubic_image_to_the_net_output(scale):
    """With the skip, output = the same net's output without it + bicubic(input); the weights are shared,
    so a run's checkpoint loads either way and the skip adds no parameters."""
    x = torch.rand(2, 3, 10, 7) * 2 - 1
    plain, skip = make("edsr", scale), make("edsr", scale, bicubic_skip=True)
    assert skip.upscaler.state_dict().keys() == plain.upscaler.state_dict().keys()
    skip.upscaler.load_state_dict(plain.upscaler.state_dict())
    with torch.no_grad():
        expected = plain.upscaler(x) + nn.functional.interpolate(x, scale_factor=scale, mode="bicubic").clamp(-1, 1)
        torch.testing.assert_close(skip.upscaler(x), expected)
        # zeroing the last conv leaves exactly the bicubic baseline
        last = skip.upscaler.tail[-1]
        last.weight.zero_(), last.bias.zero_()
        torch.testing.assert_close(skip.upscaler(x), make("bicubic", scale).upscaler(x))


def test_bicubic_skip_is_refused_for_nets_without_it():
    with pytest.raises(ConfigError, match="bicubic_skip is an edsr option; net 'rrdb'"):
        make("rrdb", 2, bicubic_skip=True)


@pytest.mark.parametrize("net,loss", [("srcnn", "l1"), ("edsr", "l1"), ("edsr", "l2"), ("rrdb", "l1")])
def test_a_few_steps_lower_the_pixel_loss_on_a_fixed_batch(net, loss):
    model = make(net, 2, loss=loss, lr=2e-3)
    batch, update = pair(2), updater(model)
    first = model.train_step(batch, model.trainable(), update)["loss_pixel"]
    for _ in range(60):
        last = model.train_step(batch, model.trainable(), update)["loss_pixel"]
    assert last < 0.8 * first, (first, last)


@pytest.mark.parametrize("gan_loss", ["relativistic", "hinge"])
def test_gan_stage_step_moves_both_nets(gan_loss):
    model = make("rrdb", 2, gan_weight=0.01, gan_loss=gan_loss, perceptual_weight=1.0, d_width=8, d_depth=2)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    logs = model.train_step(pair(2), model.trainable(), updater(model))
    assert {"loss_d", "loss_adv", "loss_perceptual", "loss_pixel", "loss_g"} <= logs.keys()
    for prefix in ("upscaler.", "discriminator."):
        moved = [k for k, v in model.state_dict().items() if k.startswith(prefix) and not torch.equal(v, before[k])]
        assert moved, f"no weight of {prefix} moved"
    assert all(p.requires_grad for p in model.discriminator.parameters())


def test_psnr_stage_has_no_discriminator():
    assert make("edsr", 2).discriminator is None and set(make().configure_optimizers()) == {"g"}
    assert "loss_d" not in make().train_step(pair(2), make().trainable(), updater(make()))


def test_perceptual_loss_compares_the_feature_nets_activations():
    model = make("edsr", 2, perceptual_weight=1.0)
    a, b = pair(2, seed=1)["targets"], pair(2, seed=2)["targets"]
    net = model._features[0]
    expected = (net(a)["conv5_4"] - net(b)["conv5_4"]).abs().mean()
    assert torch.allclose(model.perceptual_loss(a, b), expected) and model.perceptual_loss(a, a) == 0


def test_upscale_uses_ema_weights():
    model = make("edsr", 2, ema=0.001, lr=1e-2)
    batch, update = pair(2), updater(model)
    x = batch["inputs"]
    model.train_step(batch, model.trainable(), update)
    with torch.no_grad():
        raw = model.upscaler.eval()(x).clamp(-1, 1)
        ema = model.ema(x).clamp(-1, 1)
    assert not torch.equal(raw, ema)  # the EMA still holds the initial weights
    assert torch.equal(model.upscale(x), ema)
    model.after_step(images_seen=1000, step_images=4)
    assert not torch.equal(model.upscale(x), ema)  # after_step moved the EMA


def test_upscale_leaves_train_mode_as_found():
    model = make("edsr", 2)
    model.train()
    model.upscale(pair(2)["inputs"])
    assert model.upscaler.training


@pytest.mark.parametrize("kw", [{}, {"ema": 1.0, "gan_weight": 0.1, "d_width": 8, "d_depth": 2}])
def test_save_load_round_trip_gives_equal_outputs(kw, tmp_path):
    model = make("edsr", 3, **kw)
    batch = pair(3)
    model.train_step(batch, model.trainable(), updater(model))
    model.after_step(100, 4)
    save_file(model.state_dict(), tmp_path / "model.safetensors")
    again = make("edsr", 3, seed=5, **kw)
    again.load_state_dict(load_file(tmp_path / "model.safetensors"))
    assert torch.equal(model.upscale(batch["inputs"]), again.upscale(batch["inputs"]))


def test_init_from_starts_the_gan_stage_from_the_psnr_stage(tmp_path):
    psnr = make("rrdb", 4, ema=1.0)
    psnr.after_step(100, 4)
    save_file(psnr.state_dict(), tmp_path / "model.safetensors")
    gan = make("rrdb", 4, seed=3, gan_weight=0.1, init_from=str(tmp_path))  # a checkpoint folder
    x = pair(4)["inputs"]
    assert not torch.equal(gan.upscale(x), psnr.upscale(x))  # building alone does not read init_from
    gan.configure_optimizers()  # the start of training
    assert torch.equal(gan.upscale(x), psnr.upscale(x))  # the EMA weights were taken
    with pytest.raises(ConfigError, match="does not hold"):
        make("rrdb", 2, init_from=str(tmp_path / "model.safetensors")).configure_optimizers()
    with pytest.raises(ConfigError, match="is not a run folder, checkpoint folder or model.safetensors"):
        make("rrdb", 4, init_from=str(tmp_path / "missing")).configure_optimizers()
    # a run folder: its newest checkpoint
    for step, model in ((2, make("rrdb", 4, seed=5)), (10, psnr)):
        (tmp_path / "run" / "checkpoints" / f"step_{step:06d}").mkdir(parents=True)
        save_file(model.state_dict(), tmp_path / "run" / "checkpoints" / f"step_{step:06d}" / "model.safetensors")
    from_run = make("rrdb", 4, seed=4, gan_weight=0.1, init_from=str(tmp_path / "run"))
    from_run.configure_optimizers()
    assert torch.equal(from_run.upscale(x), psnr.upscale(x))


def test_preview_rows_are_input_output_target():
    model = make("edsr", 2)
    batch = pair(2, n=3)
    fixed = model.preview_inputs(batch, torch.Generator().manual_seed(0))
    grid = model.preview(fixed)
    assert grid.shape == (9, 3, 16, 12)
    assert torch.equal(grid[2::3], batch["targets"])
    assert torch.equal(grid[1::3], model.upscale(batch["inputs"]))


@pytest.mark.parametrize("kw,match", [({"net": "dcgan"}, "not an upscaler"), ({"scale": 5}, "scale"),
                                      ({"loss": "l3"}, "l1 or l2"), ({"net": "srcnn", "depth": 4}, "9-1-5")])
def test_bad_configs_are_config_errors(kw, match):
    with pytest.raises(ConfigError, match=match):
        SR(SRConfig(**{"width": 8, **kw}), img_channels=3)
