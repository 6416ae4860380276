"""The feature network: weights checksum, parity with the shipped TorchScript, preprocessing."""
import numpy as np
import pytest
import torch

from genlab.errors import ChecksumError
from genlab.metrics import FeatureExtractor, preprocess
from genlab.metrics import inception


def relative_error(a: torch.Tensor, b: torch.Tensor) -> float:
    """Largest per-image ||a - b|| / ||b||."""
    return float(((a - b).norm(dim=1) / b.norm(dim=1)).max())


def test_checksum_mismatch_is_a_clear_error_and_deletes_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("GENLAB_HOME", str(tmp_path))
    bad = tmp_path / "inception" / "inception-2015-12-05.pt"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"not the weights")
    with pytest.raises(ChecksumError) as err:
        inception.torchscript_path()
    message = str(err.value)
    assert str(bad) in message and inception.SOURCE_SHA256 in message and "expected" in message
    assert not bad.exists()


def test_extractor_hash_depends_on_weights_and_version(monkeypatch):
    before = inception.extractor_hash()
    monkeypatch.setattr(inception, "IMPL_VERSION", "other")
    assert inception.extractor_hash() != before


@pytest.fixture(scope="module")
def images(blobs):
    gray = blobs(3, seed=0)  # MNIST-like 28 px
    rgb = torch.randint(0, 256, (2, 3, 32, 32), generator=torch.Generator().manual_seed(1),
                        dtype=torch.uint8)
    return gray, rgb


@pytest.mark.filterwarnings("ignore:.*torch.jit.load.*:DeprecationWarning")
def test_eager_network_equals_the_torchscript(inception_ready, images):
    gray, rgb = images
    x = torch.cat([preprocess(gray), preprocess(rgb)])
    script = torch.jit.load(str(inception.torchscript_path()), map_location="cpu").eval()
    net = inception.build_network()
    with torch.inference_mode():
        expected = script(x)
        got = net(x.contiguous(memory_format=torch.channels_last))
    assert got.shape == (5, 2048)
    assert relative_error(got, expected) < 1e-4


def test_features_do_not_depend_on_batch_size_and_are_deterministic(inception_ready, images):
    gray = images[0][:2]
    one = FeatureExtractor(batch_size=1)(gray)
    two = FeatureExtractor(batch_size=2)(gray)
    assert relative_error(one, two) < 1e-5
    assert torch.equal(FeatureExtractor(batch_size=2)(gray), two)


def test_float_input_is_quantized_like_uint8(images):
    gray, _ = images
    as_float = gray.float() / 127.5 - 1
    assert torch.equal(preprocess(as_float), preprocess(gray))


def test_gray_is_tiled_and_range_is_tf(images):
    gray, _ = images
    x = preprocess(gray)
    assert x.shape == (3, 3, 299, 299)
    assert torch.equal(x[:, 0], x[:, 2])
    assert torch.equal(x, preprocess(gray.expand(-1, 3, -1, -1)))
    assert x.min() >= -1 and x.max() <= 0.9921875  # (255 - 128) / 128


def tf1_bilinear(image: np.ndarray, out: int) -> np.ndarray:
    """TF1 resize_bilinear (align_corners=False, no half-pixel centres): source = dest * in / out."""
    h, w = image.shape
    ys, xs = np.arange(out) * h / out, np.arange(out) * w / out
    y0, x0 = np.floor(ys).astype(int), np.floor(xs).astype(int)
    y1, x1 = np.minimum(y0 + 1, h - 1), np.minimum(x0 + 1, w - 1)
    fy, fx = (ys - y0)[:, None], (xs - x0)[None, :]
    top = image[y0][:, x0] * (1 - fx) + image[y0][:, x1] * fx
    bottom = image[y1][:, x0] * (1 - fx) + image[y1][:, x1] * fx
    return top * (1 - fy) + bottom * fy


def test_legacy_resize_is_tf1_bilinear(images):
    gray, _ = images
    got = (preprocess(gray[:1]) * 128 + 128)[0, 0].double().numpy()
    expected = tf1_bilinear(gray[0, 0].double().numpy(), 299)
    assert np.abs(got - expected).max() < 1e-3  # on the 0..255 scale


def test_clean_resize_is_pil_bicubic(images):
    from PIL import Image

    gray, _ = images
    got = (preprocess(gray[:1], resize="clean") * 128 + 128)[0, 0].numpy()
    plane = Image.fromarray(gray[0, 0].float().numpy(), mode="F")
    expected = np.clip(np.asarray(plane.resize((299, 299), resample=Image.BICUBIC)), 0, 255)
    assert np.abs(got - expected).max() < 1e-3


@pytest.mark.parametrize("relu", [True, False])
@pytest.mark.parametrize("memory_format", [torch.contiguous_format, torch.channels_last])
def test_fused_conv_equals_conv_then_relu(relu, memory_format):
    g = torch.Generator().manual_seed(0)
    conv = inception.FusedConv(6, 5, (3, 1), stride=2, padding=(1, 0), relu=relu)
    x = torch.randn(2, 6, 9, 7, generator=g).contiguous(memory_format=memory_format)
    plain = torch.nn.functional.conv2d(x, conv.weight, conv.bias, stride=2, padding=(1, 0))
    plain = plain.relu() if relu else plain
    with torch.inference_mode():
        got = conv(x)
        assert torch.allclose(got, plain, atol=1e-5, rtol=1e-5)
        assert torch.allclose(conv(x[:1]), got[:1], atol=1e-6)  # another shape: its own packed weight
    assert (got == 0).any() == relu
    # with autograd on, the plain path runs and gradients flow
    y = conv(x.clone().requires_grad_(True))
    y.sum().backward()
    assert conv.weight.grad is not None and torch.allclose(y.detach(), plain, atol=1e-5)
    conv.load_state_dict({"weight": conv.weight.detach() * 2, "bias": conv.bias.detach()})  # in place
    with torch.inference_mode():
        again = conv(x)
    expected = torch.nn.functional.conv2d(x, conv.weight, conv.bias, stride=2, padding=(1, 0))
    assert torch.allclose(again, expected.relu() if relu else expected, atol=1e-5)  # not the stale pack


@pytest.mark.filterwarnings("ignore:.*torch.jit.trace.*:DeprecationWarning")
def test_fused_conv_traces_and_exports_to_plain_ops():
    conv = inception.FusedConv(3, 4, 3, padding=1).eval().requires_grad_(False)
    x = torch.randn(2, 3, 8, 8)
    with torch.inference_mode():
        traced = torch.jit.trace(conv, x)  # the tracer that ONNX export uses
        assert torch.allclose(traced(x), conv(x), atol=1e-5)
    assert "mkldnn" not in str(traced.graph)
    exported = torch.export.export(conv, (x,))
    assert "mkldnn" not in str(exported.graph)
    assert torch.allclose(exported.module()(x), conv(x), atol=1e-5)
