"""Fast style transfer: Johnson's transformer net, AdaIN and its decoder, the shared style losses and the
`style` family, on tiny nets and a seeded random VGG19 (the ImageNet weights change the look, not these
properties). The family contract (train, save/load, exact resume) is in test_family_contract.py."""
import pytest
import torch

from genlab.config import load_config
from genlab.errors import ConfigError
from genlab.models.losses import (content_loss, gram_matrix, mean_std, moment_style_loss, style_loss,
                                  total_variation)
from genlab.models.nets.adain import AdaINDecoder, adain
from genlab.models.nets.transformer import TransformerNet
from genlab.models.style import Style, StyleConfig, random_crops

pytestmark = pytest.mark.usefixtures("one_thread")


def n_params(net):
    return sum(p.numel() for p in net.parameters())


def test_parameter_counts_match_the_reference_implementations():
    # PyTorch's examples/fast_neural_style TransformerNet (Johnson's net with instance norm, upsample-convs)
    assert n_params(TransformerNet(width=32, depth=5)) == 1_679_235
    # the AdaIN authors' decoder (Huang & Belongie 2017, naoto0804/pytorch-AdaIN's `decoder`)
    assert n_params(AdaINDecoder(width=64)) == 3_505_219


@pytest.mark.parametrize("h,w", [(16, 16), (13, 10), (31, 47), (8, 9)])
def test_transformer_keeps_any_size_and_range(h, w):
    torch.manual_seed(0)
    net = TransformerNet(width=4, depth=1)
    out = net(torch.rand(2, 3, h, w) * 2 - 1)
    assert out.shape == (2, 3, h, w)
    assert out.min() >= -1 and out.max() <= 1


def test_resize_convolution_has_no_transposed_convolutions():
    net = TransformerNet(width=4, depth=1)
    assert not any(isinstance(m, torch.nn.ConvTranspose2d) for m in net.modules())
    assert any(isinstance(m, torch.nn.InstanceNorm2d) for m in net.modules())


def test_adain_gives_the_content_the_styles_channel_statistics():
    g = torch.Generator().manual_seed(0)
    content = torch.randn(2, 5, 6, 7, generator=g) * 3 + 1
    style = torch.randn(1, 5, 9, 4, generator=g) * 0.5 - 2
    out = adain(content, style, eps=0.0)
    mu, sigma = mean_std(out, eps=0.0)
    mu_s, sigma_s = mean_std(style, eps=0.0)
    assert torch.allclose(mu, mu_s.expand_as(mu), atol=1e-5)
    assert torch.allclose(sigma, sigma_s.expand_as(sigma), atol=1e-5)
    # normalised positions are kept: the content's own statistics give back the content
    assert torch.allclose(adain(content, content, eps=0.0), content, atol=1e-5)


def test_losses_are_zero_at_the_target_and_one_when_nothing_is_kept():
    g = torch.Generator().manual_seed(1)
    feats = {"a": torch.rand(2, 4, 5, 5, generator=g), "b": torch.rand(2, 8, 3, 3, generator=g)}
    assert content_loss(feats, feats).item() == 0
    grams = {k: gram_matrix(v) for k, v in feats.items()}
    assert style_loss(feats, grams).item() == pytest.approx(0, abs=1e-12)
    zeros = {k: torch.zeros_like(v) for k, v in feats.items()}
    assert content_loss(zeros, feats).item() == pytest.approx(2.0)  # two layers, 1 each
    assert style_loss(zeros, grams).item() == pytest.approx(1.0)    # mean over layers
    assert moment_style_loss(feats, feats).item() == pytest.approx(0, abs=1e-12)


def test_one_style_gram_broadcasts_over_the_batch():
    g = torch.Generator().manual_seed(2)
    feats = torch.rand(3, 4, 5, 5, generator=g)
    target = gram_matrix(torch.rand(1, 4, 7, 7, generator=g))
    batch = style_loss({"x": feats}, {"x": target})
    each = [style_loss({"x": f[None]}, {"x": target}) for f in feats]
    assert batch.item() == pytest.approx(sum(each).item() / 3, rel=1e-6)


def test_total_variation_of_a_ramp():
    ramp = torch.arange(5.0).view(1, 1, 1, 5).expand(1, 1, 4, 5)  # steps of 1 across, 0 down
    assert total_variation(ramp).item() == pytest.approx(1.0)


def _striped():
    img = torch.zeros(3, 40, 48, dtype=torch.uint8)
    img[0, :, ::4], img[2, ::6, :] = 255, 200
    return img


def _model(net, **kw):
    cfg = StyleConfig(net=net, width=4, depth=1, vgg_weights="random", style_size=32, style="x", styles=["x"], **kw)
    return Style(cfg, img_channels=3, style_images=lambda names: [_striped() for _ in names])


def test_johnson_training_lowers_its_losses_on_a_fixed_batch():
    torch.manual_seed(0)
    model = _model("johnson", lr=1e-2)
    opt = model.configure_optimizers()

    def update(loss, name):
        loss.backward()
        opt[name].step()
        opt[name].zero_grad()
    batch = {"images": torch.rand(2, 3, 24, 24, generator=torch.Generator().manual_seed(0)) * 2 - 1}
    nets = model.trainable()
    first = model.train_step(batch, nets, update)
    for _ in range(15):
        last = model.train_step(batch, nets, update)
    assert set(first) == {"loss", "loss_content", "loss_style", "tv"}
    assert last["loss"] < 0.7 * first["loss"]


def _grads_of_one_step(model, images):
    """train_step on `images` (the model's own net): its losses and the largest absolute gradient."""
    net, out = model.trainable()["stylizer"], {}

    def update(loss, name):
        loss.backward()
        out["max"] = max(p.grad.abs().max().item() for p in net.parameters())
        out["grads"] = [p.grad.clone() for p in net.parameters()]
        net.zero_grad()
    return model.train_step({"images": images}, model.trainable(), update), out


def test_johnson_leaves_flat_patches_out_of_its_step(monkeypatch):
    import genlab.models.style as style_module

    torch.manual_seed(0)
    model = _model("johnson")
    textured = torch.rand(1, 3, 24, 24, generator=torch.Generator().manual_seed(1)) * 2 - 1
    flat = torch.full((1, 3, 24, 24), 0.9)  # a blown-out sky: one colour
    _, alone = _grads_of_one_step(model, textured)
    losses, mixed = _grads_of_one_step(model, torch.cat([textured, flat]))
    # the flat patch does not take part: the same gradients as the textured patch alone, all finite
    assert set(losses) == {"loss", "loss_content", "loss_style", "tv"}
    assert all(torch.equal(a, b) for a, b in zip(alone["grads"], mixed["grads"]))
    # a batch of flat patches only: a zero update, no losses to log
    losses, only_flat = _grads_of_one_step(model, flat)
    assert losses == {} and only_flat["max"] == 0.0
    # why: through the instance norms a flat patch's gradient is millions of times larger (NaN in a long run)
    monkeypatch.setattr(style_module, "FLAT_STD", -1.0)
    _, raw = _grads_of_one_step(model, flat)
    assert raw["max"] > 1e5 * alone["max"]


def test_adain_alpha_zero_ignores_the_style_and_johnson_refuses_one():
    torch.manual_seed(0)
    model = _model("adain").eval()
    photo = torch.rand(1, 3, 21, 30) * 2 - 1  # not a multiple of 8: padded, then cropped back
    a = torch.rand(1, 3, 16, 16) * 2 - 1
    b = torch.rand(1, 3, 24, 20) * 2 - 1
    assert model.stylize(photo, a).shape == (1, 3, 21, 30)
    assert torch.equal(model.stylize(photo, a, alpha=0.0), model.stylize(photo, b, alpha=0.0))
    assert not torch.equal(model.stylize(photo, a), model.stylize(photo, b))
    with pytest.raises(ValueError, match="needs a style image"):
        model.stylize(photo)
    with pytest.raises(ValueError, match=r"alpha must be in \[0, 1\]"):
        model.stylize(photo, a, alpha=1.5)
    with pytest.raises(ValueError, match="one trained style"):
        _model("johnson").stylize(photo, a)


def test_random_crops_are_seeded_and_sized():
    images = [torch.rand(1, 3, 40, 60), torch.rand(1, 3, 33, 33)]
    a = random_crops(images, 5, 16, torch.Generator().manual_seed(3))
    b = random_crops(images, 5, 16, torch.Generator().manual_seed(3))
    assert a.shape == (5, 3, 16, 16) and torch.equal(a, b)
    assert random_crops([torch.rand(1, 3, 10, 12)], 2, 16, torch.Generator()).shape == (2, 3, 16, 16)


@pytest.mark.parametrize("override,message", [
    ("model.net=gatys", "model.net 'gatys' is not a style net; expected one of johnson, adain"),
    ("model.vgg_weights=alexnet", "model.vgg_weights 'alexnet' is unknown; known: imagenet, random"),
    ("model.style_layers=[relu9_1]", "model.style_layers: layer 'relu9_1' is unknown"),
    ("model.content_layers=[]", "model.content_layers is empty"),
    ("model.style_weight=-1", "must be >= 0"),
    ("model.style_size=4", "model.style_size must be >= 16 pixels, got 4"),
])
def test_config_errors_name_the_bad_value(override, message):
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_config("fast-style-starry-night", [override])


def test_gray_data_is_refused_with_a_hint():
    with pytest.raises(ConfigError, match="set data.channels=3"):
        Style(StyleConfig(vgg_weights="random"), img_channels=1)
