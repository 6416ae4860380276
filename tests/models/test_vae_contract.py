"""The family contract for every autoencoder net and family, at tiny widths: output shapes and range, a
train step changes the weights and evaluation does not, save -> load gives equal outputs, sampling with
a fixed generator is deterministic."""
import pytest
import torch
from safetensors.torch import load_file, save_file

from genlab.models import AE, VAE, AEConfig, VAEConfig
from genlab.models.nets import NETS

AE_NETS = [name for name, parts in NETS.items() if "encoder" in parts]
TINY = {"mlp": {"width": 16}, "conv": {"width": 4, "hidden": 16}}
SHAPES = [(1, 28), (3, 32), (3, 64)]

CASES = {  # name -> (family class, config, channels, resolution)
    "vae-bernoulli": (VAE, dict(decoder="bernoulli"), 1, 28),
    "vae-gaussian-fixed": (VAE, dict(decoder="gaussian", std=0.2), 3, 32),
    "vae-gaussian-learned": (VAE, dict(decoder="gaussian", learn_std=True), 1, 28),
    "cvae": (VAE, dict(conditional=True), 1, 28),
    "iwae": (VAE, dict(objective="iwae", k=3), 1, 28),
    "beta-vae-warmup": (VAE, dict(beta=4.0, kl_warmup_steps=10), 1, 28),
    "ae-mse": (AE, dict(loss="mse"), 3, 32),
    "ae-bce": (AE, dict(loss="bce"), 1, 28),
    "dae-gaussian": (AE, dict(corruption="gaussian:0.5"), 1, 28),
    "dae-block": (AE, dict(corruption="block:8"), 1, 28),
}


@pytest.mark.parametrize("net", AE_NETS)
@pytest.mark.parametrize("channels, resolution", SHAPES)
def test_nets_shapes(net, channels, resolution):
    enc = NETS[net]["encoder"](img_channels=channels, img_resolution=resolution, num_classes=3, out_dim=10,
                               **TINY[net])
    dec = NETS[net]["decoder"](latent_dim=5, img_channels=channels, img_resolution=resolution, num_classes=3,
                               out_channels=2 * channels, **TINY[net])
    labels = torch.tensor([0, 2])
    assert enc(torch.randn(2, channels, resolution, resolution), labels).shape == (2, 10)
    assert dec(torch.randn(2, 5), labels).shape == (2, 2 * channels, resolution, resolution)


def _build(case, net):
    cls, kwargs, c, r = CASES[case]
    torch.manual_seed(0)
    cfg = cls.Config(net=net, net_args=TINY[net], latent_dim=4, **kwargs)
    model = cls(cfg, img_channels=c, img_resolution=r, num_classes=4)
    x = torch.rand(6, c, r, r) * 2 - 1
    labels = torch.tensor([0, 1, 2, 3, 0, 1])
    return model, x, labels


def _state(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


@pytest.mark.parametrize("net", AE_NETS)
@pytest.mark.parametrize("case", CASES)
def test_family_contract(case, net, tmp_path):
    model, x, labels = _build(case, net)
    lab = labels if model.num_classes else None
    c, r = x.shape[1], x.shape[2]

    # shapes and range
    z = model.encode(x, lab)
    assert z.shape == (6, 4)
    for images in (model.decode(z, lab), model.reconstruct(x, lab), model.sample(6, lab)):
        assert images.shape == (6, c, r, r) and images.min() >= -1 and images.max() <= 1

    # evaluation leaves every tensor alone
    before = _state(model)
    model.sample(3, lab[:3] if lab is not None else None)
    model.reconstruct(x, lab)
    if isinstance(model, VAE):
        model.elbo(x, lab)
        model.log_likelihood(x, k=4, labels=lab, chunk=3)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())

    # a train step moves the weights and returns finite floats
    opt = model.configure_optimizers()
    (name,) = opt

    def update(loss, key):
        assert key == name
        loss.backward()
        opt[key].step()
        opt[key].zero_grad(set_to_none=True)

    logs = model.train_step({"images": x, "labels": labels}, model.trainable(), update)
    assert "loss" in logs and all(isinstance(v, float) and v == v for v in logs.values())
    after = model.state_dict()
    moved = [k for k, v in after.items() if not torch.equal(before[k], v)]
    assert any(k.startswith("encoder.") for k in moved) and any(k.startswith("decoder.") for k in moved)

    # save -> load gives equal outputs
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(tmp_path / "m.safetensors"))
    cls, kwargs, _, _ = CASES[case]
    twin = cls(cls.Config(net=net, net_args=TINY[net], latent_dim=4, **kwargs), img_channels=c, img_resolution=r,
               num_classes=4)
    twin.load_state_dict(load_file(str(tmp_path / "m.safetensors")))
    assert torch.equal(twin.reconstruct(x, lab), model.reconstruct(x, lab))

    # sampling with a fixed generator is deterministic
    a = model.sample(4, lab[:4] if lab is not None else None, generator=torch.Generator().manual_seed(7))
    b = twin.sample(4, lab[:4] if lab is not None else None, generator=torch.Generator().manual_seed(7))
    assert torch.equal(a, b)


def test_conditional_vae_needs_labelled_data():
    from genlab.errors import ConfigError
    with pytest.raises(ConfigError, match="no class labels"):
        VAE(VAEConfig(conditional=True), img_channels=1, img_resolution=28, num_classes=0)


def test_conv_net_rejects_odd_sizes_with_a_clear_error():
    from genlab.errors import ConfigError
    with pytest.raises(ConfigError, match="net 'conv' cannot be built .* 1x27x27"):
        AE(AEConfig(net="conv"), img_channels=1, img_resolution=27)


def test_mlp_matches_burda_et_al():
    """784-200-200-(2x50) tanh encoder and 50-200-200-784 decoder."""
    vae = VAE(VAEConfig(), img_channels=1, img_resolution=28)
    sizes = [(m.in_features, m.out_features) for m in vae.encoder.modules() if isinstance(m, torch.nn.Linear)]
    assert sizes == [(784, 200), (200, 200), (200, 100)]
    sizes = [(m.in_features, m.out_features) for m in vae.decoder.modules() if isinstance(m, torch.nn.Linear)]
    assert sizes == [(50, 200), (200, 200), (200, 784)]
    assert sum(isinstance(m, torch.nn.Tanh) for m in vae.modules()) == 4
