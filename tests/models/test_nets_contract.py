"""The contract every GAN net in NETS keeps, at tiny widths, for each resolution and conditioning it supports.

A net declares `resolutions` and `conditional` as class attributes of its generator (defaults: 28 px,
unconditional), so a new net gets these tests by its line in NETS.
"""
from __future__ import annotations

import pytest
import torch
from safetensors.torch import load_file, save_file
from torch.nn.functional import softplus

from genlab.errors import ConfigError
from genlab.models import GAN, GANConfig
from genlab.models.nets import AUDIO_NETS, NETS

LATENT, BATCH, CLASSES = 8, 4, 3
TINY = {"seed-dcgan": {"width": 8}}  # other nets: width 8
EXTRA = [  # options worth the contract too: (net, resolution, num_classes, net_args)
    ("dcgan", 32, 0, {"spectral_norm": True}),
    ("dcgan", 28, 0, {"d_batchnorm": False}),
    ("dcgan", 28, 0, {"g_width": 12, "d_width": 4}),
    ("dcgan", 28, CLASSES, {"aux_classifier": True}),
    ("resnet", 32, CLASSES, {"aux_classifier": True, "spectral_norm": False}),
]


def _cases():
    for name, pair in NETS.items():
        if "generator" not in pair or name in AUDIO_NETS:  # waveform nets: tests/models/test_wavegan.py
            continue
        G = pair["generator"]
        for res in getattr(G, "resolutions", (28,)):
            for nc in ((0, CLASSES) if getattr(G, "conditional", False) else (0,)):
                yield pytest.param(name, res, nc, {}, id=f"{name}-{res}px-{'cond' if nc else 'uncond'}")
    for name, res, nc, args in EXTRA:
        yield pytest.param(name, res, nc, args, id=f"{name}-{res}px-" + "-".join(args))


CASES = list(_cases())


pytestmark = pytest.mark.usefixtures("one_thread")  # see conftest.py


def build(name, res, nc, args, seed=0):
    torch.manual_seed(seed)
    net_args = {**TINY.get(name, {"width": 8}), **args}
    channels = 1 if res == 28 else 3
    interface = dict(img_channels=channels, img_resolution=res, num_classes=nc)
    G = NETS[name]["generator"](latent_dim=LATENT, **interface, **net_args)
    D = NETS[name]["discriminator"](**interface, **net_args)
    return G, D, channels


def inputs(res, channels, nc, n=BATCH):
    g = torch.Generator().manual_seed(1)
    z = torch.randn(n, LATENT, generator=g)
    real = torch.rand(n, channels, res, res, generator=g) * 2 - 1
    labels = torch.arange(n) % nc if nc else None
    return z, real, labels


def snapshot(*modules):
    return [{k: v.detach().clone() for k, v in m.state_dict().items()} for m in modules]


@pytest.mark.parametrize("name,res,nc,args", CASES)
def test_shapes_and_range(name, res, nc, args):
    G, D, channels = build(name, res, nc, args)
    z, real, labels = inputs(res, channels, nc)
    for mode in (True, False):
        G.train(mode), D.train(mode)
        with torch.no_grad():
            fake = G(z, labels)
            assert fake.shape == (BATCH, channels, res, res)
            assert fake.min() >= -1 and fake.max() <= 1
            for x in (fake, real):
                logits = D(x, labels)
                assert logits.shape == (BATCH,) and torch.isfinite(logits).all()
            if args.get("aux_classifier"):
                logits, class_logits = D.features_and_logits(real, labels)
                assert logits.shape == (BATCH,) and class_logits.shape == (BATCH, nc)


@pytest.mark.parametrize("name,res,nc,args", CASES)
def test_train_step_moves_every_weight_and_eval_moves_none(name, res, nc, args):
    G, D, channels = build(name, res, nc, args)
    z, real, labels = inputs(res, channels, nc)
    params = list(G.parameters()) + list(D.parameters())
    opt = torch.optim.Adam(params, lr=1e-3)
    before = [p.detach().clone() for p in params]
    fake = G(z, labels)
    loss = softplus(D(fake, labels)).mean() + softplus(-D(real, labels)).mean()  # the BCE of a D step
    if args.get("aux_classifier"):
        loss = loss + D.features_and_logits(fake, labels)[1].logsumexp(1).mean()
    loss.backward()
    opt.step()
    named = [n for n, _ in G.named_parameters()] + [n for n, _ in D.named_parameters()]
    still = [n for n, p, b in zip(named, params, before) if torch.equal(p, b)]
    assert not still, f"parameters not updated by a train step: {still}"

    G.eval(), D.eval()
    state = snapshot(G, D)
    with torch.no_grad():
        D(G(z, labels), labels), D(real, labels)
    for old, new in zip(state, snapshot(G, D)):
        assert old.keys() == new.keys()
        assert all(torch.equal(old[k], new[k]) for k in old), "an eval forward changed a parameter or buffer"


@pytest.mark.parametrize("name,res,nc,args", CASES)
def test_save_load_gives_equal_outputs(name, res, nc, args, tmp_path):
    G, D, channels = build(name, res, nc, args)
    z, real, labels = inputs(res, channels, nc)
    with torch.no_grad():  # a train-mode pass, so BN statistics and power-iteration vectors are not fresh
        D(G(z, labels), labels)
    save_file(G.state_dict(), tmp_path / "g.safetensors")
    save_file(D.state_dict(), tmp_path / "d.safetensors")
    G2, D2, _ = build(name, res, nc, args, seed=1)
    G2.load_state_dict(load_file(tmp_path / "g.safetensors"))
    D2.load_state_dict(load_file(tmp_path / "d.safetensors"))
    for m in (G, D, G2, D2):
        m.eval()
    with torch.no_grad():
        assert torch.equal(G(z, labels), G2(z, labels))
        assert torch.equal(D(real, labels), D2(real, labels))


@pytest.mark.parametrize("name,res,nc,args", CASES)
def test_generator_is_deterministic_per_sample(name, res, nc, args):
    G, _, _ = build(name, res, nc, args)
    G.eval()
    z = torch.randn(BATCH, LATENT, generator=torch.Generator().manual_seed(7))
    labels = torch.arange(BATCH) % nc if nc else None
    with torch.no_grad():
        batch = G(z, labels)
        again = G(torch.randn(BATCH, LATENT, generator=torch.Generator().manual_seed(7)), labels)
        one_by_one = torch.cat([G(z[i:i + 1], None if labels is None else labels[i:i + 1])
                                for i in range(BATCH)])
    assert torch.equal(batch, again)
    torch.testing.assert_close(batch, one_by_one, atol=1e-5, rtol=0)


# ---------------------------------------------------------------------------- numbers and the GAN family

def test_dcgan64_parameter_counts_equal_pytorch_dcgan_tutorial():
    """The PyTorch DCGAN tutorial (nz=100, ngf=ndf=64, nc=3): G 3,576,704, D 2,765,568 weights, no biases.

    Ours add the output layer's bias to G (3) and the first conv's and last layer's biases to D (64 + 1).
    """
    G = NETS["dcgan"]["generator"](latent_dim=100, img_channels=3, img_resolution=64, width=64)
    D = NETS["dcgan"]["discriminator"](img_channels=3, img_resolution=64, width=64)
    assert sum(p.numel() for p in G.parameters()) == 3_576_704 + 3
    assert sum(p.numel() for p in D.parameters()) == 2_765_568 + 65


def test_dcgan_g_width_and_d_width_size_each_net_alone():
    """g_width / d_width override the shared width for one net: 28 px G is w*2 -> w channels, D w -> w*2."""
    G, D, _ = build("dcgan", 28, 0, {"g_width": 12, "d_width": 4})
    assert [m.out_channels for m in G.modules() if isinstance(m, torch.nn.ConvTranspose2d)] == [24, 12, 1]
    assert [m.out_channels for m in D.modules() if isinstance(m, torch.nn.Conv2d)] == [4, 8]
    _, D8, _ = build("dcgan", 28, 0, {})
    assert [m.out_channels for m in D8.modules() if isinstance(m, torch.nn.Conv2d)] == [8, 16]


@pytest.mark.parametrize("net,loss", [("dcgan", "hinge"), ("resnet", "nonsaturating")])
def test_conditional_gan_trains_and_samples_labels(net, loss):
    torch.manual_seed(0)
    cfg = GANConfig(net=net, loss=loss, conditional=True, latent_dim=LATENT, net_args={"width": 8})
    gan = GAN(cfg, img_channels=1, img_resolution=28, num_classes=CLASSES)
    opts = gan.configure_optimizers()

    def update(loss, name):
        loss.backward()
        opts[name].step()
        opts[name].zero_grad(set_to_none=True)

    batch = {"images": torch.rand(BATCH, 1, 28, 28) * 2 - 1, "labels": torch.arange(BATCH) % CLASSES}
    out = gan.train_step(batch, gan.trainable(), update)
    assert all(torch.isfinite(torch.tensor(v)) for v in out.values())
    images = gan.sample(BATCH, labels=torch.tensor([0, 1, 2, 0]), generator=torch.Generator().manual_seed(0))
    assert images.shape == (BATCH, 1, 28, 28)


@pytest.mark.parametrize("net,res,args,match", [
    ("resnet", 48, {}, "resolutions 28, 32, 64"),
    ("dcgan", 16, {}, "resolutions 28, 32, 64"),
    ("dcgan", 28, {"aux_classifier": True}, "model.conditional"),
    ("dcgan", 28, {"widht": 8}, "widht"),
    ("dcgan", 28, {"g_width": 0}, "g_width must be a positive integer, got 0"),
    ("dcgan", 28, {"d_width": 2.5}, "d_width must be a positive integer, got 2.5"),
])
def test_unbuildable_nets_are_config_errors(net, res, args, match):
    with pytest.raises(ConfigError, match=match):
        GAN(GANConfig(net=net, net_args=args), img_channels=1, img_resolution=res)


# ---------------------------------------------------------------------------- super-resolution nets

UPSCALERS = [name for name, pair in NETS.items() if "upscaler" in pair]
SR_TINY = {"srcnn": {"width": 8, "depth": 3}}  # others: width 8, depth 1


def build_upscaler(name, scale, seed=0):
    torch.manual_seed(seed)
    return NETS[name]["upscaler"](img_channels=3, scale=scale, **SR_TINY.get(name, {"width": 8, "depth": 1}))


@pytest.mark.parametrize("scale", [2, 3, 4])
@pytest.mark.parametrize("name", UPSCALERS)
def test_upscaler_step_moves_every_weight_eval_moves_none_and_save_load_is_equal(name, scale, tmp_path):
    net = build_upscaler(name, scale)
    x = torch.rand(BATCH, 3, 9, 7, generator=torch.Generator().manual_seed(1)) * 2 - 1
    params = list(net.parameters())
    if params:  # the bicubic and unsharp baselines have none
        opt = torch.optim.Adam(params, lr=1e-3)
        before = [p.detach().clone() for p in params]
        net(x).square().mean().backward()
        opt.step()
        still = [n for (n, p), b in zip(net.named_parameters(), before) if torch.equal(p, b)]
        assert not still, f"parameters not updated: {still}"
    net.eval()
    state = snapshot(net)
    with torch.no_grad():
        out = net(x)
        one_by_one = torch.cat([net(x[i:i + 1]) for i in range(BATCH)])
    assert out.shape == (BATCH, 3, 9 * scale, 7 * scale) and torch.isfinite(out).all()
    torch.testing.assert_close(out, one_by_one, atol=1e-5, rtol=0)
    assert all(torch.equal(a, b) for a, b in zip(state[0].values(), snapshot(net)[0].values()))
    save_file(net.state_dict(), tmp_path / "net.safetensors")
    again = build_upscaler(name, scale, seed=1)
    again.load_state_dict(load_file(tmp_path / "net.safetensors"))
    with torch.no_grad():
        assert torch.equal(again.eval()(x), out)


@pytest.mark.parametrize("spectral_norm", [True, False])
def test_patch_discriminator_gives_a_logit_per_patch_and_save_load_is_equal(spectral_norm, tmp_path):
    torch.manual_seed(0)
    D = NETS["patch"]["discriminator"](img_channels=3, width=8, depth=3, spectral_norm=spectral_norm)
    x = torch.rand(BATCH, 3, 48, 40) * 2 - 1
    with torch.no_grad():
        D(x)  # a train-mode pass moves the power-iteration vectors
    assert D(x).shape == (BATCH, 6, 5)  # three stride-2 convs: /8
    save_file(D.state_dict(), tmp_path / "d.safetensors")
    torch.manual_seed(1)
    D2 = NETS["patch"]["discriminator"](img_channels=3, width=8, depth=3, spectral_norm=spectral_norm)
    D2.load_state_dict(load_file(tmp_path / "d.safetensors"))
    with torch.no_grad():
        assert torch.equal(D.eval()(x), D2.eval()(x))
