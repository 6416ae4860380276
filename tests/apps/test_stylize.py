"""Gatys style transfer on a randomly initialised VGG19 at 64 px: the losses, determinism, colour
preservation, output sizes and the errors. (The ImageNet weights change the look, not these properties.)"""
import pytest
import torch

from genlab.apps import stylize as st
from genlab.errors import ConfigError, DataError, GenlabError
from genlab.models.nets.vgg19 import VGG19


@pytest.fixture(scope="module")
def vgg():
    torch.manual_seed(0)
    return VGG19(pooling="avg").requires_grad_(False).eval()


def smooth_image(h, w, seed):
    """uint8 (3, H, W): mid-range colour gradients plus a little noise (no clipped pixels)."""
    g = torch.Generator().manual_seed(seed)
    ys, xs = torch.meshgrid(torch.linspace(0, 1, h), torch.linspace(0, 1, w), indexing="ij")
    base = torch.stack([60 + 120 * ys, 70 + 100 * xs, 180 - 90 * ys * xs])
    return (base + 10 * torch.randn(3, h, w, generator=g)).round().clamp(0, 255).to(torch.uint8)


def stripes(h, w):
    """A high-contrast striped 'painting'."""
    img = torch.zeros(3, h, w, dtype=torch.uint8)
    img[0, :, ::4] = 255
    img[2, ::6, :] = 200
    return img


def run(vgg, content, style, **kw):
    kw = {"size": 64, "steps": 8, "vgg": vgg, "progress": lambda *a: None} | kw
    return st.style_transfer(content, style, **kw)


def test_content_loss_starts_at_zero_and_style_loss_falls(vgg, one_thread):
    # L-BFGS halves the style loss in 10 evaluations; Adam, 0.02 per step, moves slower but steadily
    for optimizer, factor in (("lbfgs", 0.5), ("adam", 0.95)):
        result = run(vgg, smooth_image(48, 64, 0), stripes(64, 64), optimizer=optimizer, steps=10)
        first, last = result.history[0], result.history[-1]
        assert first["content"] == 0.0  # init="content": the image is the photo
        assert last["style"] < factor * first["style"], (optimizer, first, last)
        assert last["total"] < first["total"]
        assert len(result.history) <= 10 + 25  # L-BFGS may finish one line search past max_eval


def test_same_seed_same_bits_and_noise_init_depends_on_the_seed(vgg, one_thread):
    content, style = smooth_image(40, 40, 1), stripes(40, 40)
    a = run(vgg, content, style, size=40, init="noise", seed=3, steps=4).image
    b = run(vgg, content, style, size=40, init="noise", seed=3, steps=4).image
    c = run(vgg, content, style, size=40, init="noise", seed=4, steps=4).image
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_output_size_follows_size_and_keeps_the_aspect(vgg, one_thread):
    out = run(vgg, smooth_image(60, 90, 2), stripes(50, 50), size=48, steps=1).image
    assert out.dtype == torch.uint8 and tuple(out.shape) == (3, 32, 48)  # 60x90 -> 32x48
    out = run(vgg, smooth_image(90, 60, 2), stripes(50, 50), size=36, steps=1).image
    assert tuple(out.shape) == (3, 36, 24)


def test_preserve_color_keeps_the_content_chroma(vgg, one_thread):
    content = smooth_image(48, 48, 5)
    out = run(vgg, content, stripes(48, 48), size=48, steps=6, preserve_color=True).image
    got, want = st.rgb_to_ycbcr(out), st.rgb_to_ycbcr(content)
    assert (got[1:] - want[1:]).abs().max() <= 1.0  # Cb, Cr within one level (uint8 rounding)
    assert (got[0] - want[0]).abs().max() > 5  # while the luminance did change


def test_recombine_chroma_never_clips_colours():
    color = torch.tensor([250, 10, 30], dtype=torch.uint8).view(3, 1, 1).expand(3, 4, 4).contiguous()
    for level in (0, 255):  # a black or white luminance image: Y clamps to where this red is representable
        out = st.recombine_chroma(torch.full((3, 4, 4), level, dtype=torch.uint8), color)
        assert (st.rgb_to_ycbcr(out)[1:] - st.rgb_to_ycbcr(color)[1:]).abs().max() <= 1.0


def test_match_luminance_moves_mean_and_std_to_the_content():
    content, style = smooth_image(32, 32, 6), smooth_image(32, 32, 7) // 3 + 20  # a darker, flatter style
    y = st.rgb_to_ycbcr(st.match_luminance(style, content))[0]
    yc, ys = st.rgb_to_ycbcr(content)[0], st.rgb_to_ycbcr(style)[0]
    assert abs(float(ys.mean() - yc.mean())) > 30 and float(yc.std() / ys.std()) > 2
    assert abs(float(y.mean() - yc.mean())) < 2.0 and abs(float(y.std() - yc.std())) < 2.0


@pytest.mark.parametrize("kwargs, error, message", [
    ({"size": 16}, ConfigError, "size 16 is too small; expected a whole number of pixels >= 32"),
    ({"steps": 0}, ConfigError, "steps 0 must be a whole number >= 1"),
    ({"style_layers": ("relu1_1", "relu6_1")}, ConfigError, "style layer 'relu6_1' is unknown; known: conv1_1"),
    ({"content_layers": ()}, ConfigError, "content layers: none given"),
    ({"optimizer": "sgd"}, ConfigError, "optimizer 'sgd' is unknown; known: lbfgs, adam"),
    ({"init": "zeros"}, ConfigError, "init 'zeros' is unknown; known: content, noise"),
    ({"style_weight": -1.0}, ConfigError, "style_weight -1.0 must be a finite number >= 0"),
    ({"scales": 0}, ConfigError, "scales 0 must be a whole number >= 1"),
    ({"size": 96, "scales": 3}, ConfigError, "scales 3: the coarsest scale of size 96 would be 24 pixels; expected >= 32"),
    ({"coarse_steps": 0, "scales": 2}, ConfigError, "coarse_steps 0 must be a whole number >= 1"),
])
def test_bad_options_are_one_line_errors(vgg, kwargs, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")) as info:
        run(vgg, smooth_image(32, 32, 0), stripes(32, 32), **kwargs)
    assert "\n" not in str(info.value)


def test_bad_images_are_data_errors(vgg):
    with pytest.raises(DataError, match=r"content image must be uint8 RGB \(3, H, W\), got torch.float32"):
        run(vgg, torch.zeros(3, 32, 32), stripes(32, 32))
    with pytest.raises(DataError, match="style image must be uint8 RGB"):
        run(vgg, smooth_image(32, 32, 0), torch.zeros(1, 32, 32, dtype=torch.uint8))
    with pytest.raises(DataError, match="style image is 8x8 pixels; expected at least 16x16"):
        run(vgg, smooth_image(32, 32, 0), stripes(8, 8))


def test_stylize_file_writes_a_png_and_refuses_a_folder(vgg, tmp_path, one_thread):
    from PIL import Image

    Image.fromarray(smooth_image(40, 50, 7).permute(1, 2, 0).numpy()).save(tmp_path / "photo.png")
    Image.fromarray(stripes(40, 40).permute(1, 2, 0).numpy()).save(tmp_path / "style.png")
    out = tmp_path / "out.png"
    result = st.stylize_file(tmp_path / "photo.png", tmp_path / "style.png", out, size=40, steps=2, vgg=vgg,
                             progress=lambda *a: None)
    assert Image.open(out).size == (40, 32) and tuple(result.image.shape) == (3, 32, 40)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.png", "photo.png", "style.png"]  # no temp left
    with pytest.raises(GenlabError, match="is a folder; expected a file name"):
        st.stylize_file(tmp_path / "photo.png", tmp_path / "style.png", tmp_path, vgg=vgg)
    with pytest.raises(DataError, match="style 'van-gogh' is unknown; known: klimt, starry-night"):
        st.stylize_file(tmp_path / "photo.png", "van-gogh", out, vgg=vgg)


def test_progress_reports_each_evaluation(vgg, one_thread):
    calls = []
    run(vgg, smooth_image(32, 32, 0), stripes(32, 32), size=32, steps=3, optimizer="adam",
        progress=lambda step, total, loss: calls.append((step, total, loss)))
    assert [c[:2] for c in calls] == [(1, 3), (2, 3), (3, 3)] and all(c[2] > 0 for c in calls)


def test_coarse_to_fine_optimises_each_scale_and_starts_from_the_coarser_result(vgg, one_thread):
    content, style = smooth_image(60, 80, 5), stripes(64, 64)
    calls = []
    result = run(vgg, content, style, size=80, scales=2, coarse_steps=3, steps=2, optimizer="adam",
                 progress=lambda step, total, loss: calls.append((step, total)))
    assert [h["size"] for h in result.history] == [40.0] * 3 + [80.0] * 2
    assert calls == [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]  # one bar over both scales
    assert tuple(result.image.shape) == (3, 60, 80)
    # the fine scale starts from the upsampled coarse result, not from the photo: its content loss is not 0
    assert result.history[0]["content"] == 0.0 and result.history[3]["content"] > 0.0
    # its style loss starts below the photo's own at that size: the coarse scale already moved it
    fine_only = run(vgg, content, style, size=80, steps=1, optimizer="adam")
    assert result.history[3]["style"] < fine_only.history[0]["style"]
    # scales=1 is the plain transfer, bit for bit
    one = run(vgg, content, style, size=80, steps=2, optimizer="adam")
    assert torch.equal(one.image, run(vgg, content, style, size=80, steps=2, optimizer="adam", scales=1).image)


def test_coarse_to_fine_with_preserve_color_keeps_the_chroma(vgg, one_thread):
    content = smooth_image(48, 64, 6)
    out = run(vgg, content, stripes(64, 64), size=64, scales=2, steps=2, coarse_steps=2,
              preserve_color=True).image
    got, want = st.rgb_to_ycbcr(out), st.rgb_to_ycbcr(content)
    assert tuple(out.shape) == (3, 48, 64)
    assert (got[1:] - want[1:]).abs().max() <= 1.0  # Cb, Cr within one level (uint8 rounding)
    assert (got[0] - want[0]).abs().max() > 5  # while the luminance did change
