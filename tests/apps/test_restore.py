"""Restoration apps: inpainting keeps every known pixel, masks, strips, and clear shape errors."""
import numpy as np
import pytest
import torch
from PIL import Image

from genlab.apps.images import load_inputs
from genlab.apps.restore import denoise, inpaint, make_mask, reconstruct, write_strips
from genlab.errors import GenlabError
from genlab.train.run import load_run


@pytest.mark.parametrize("mask", ["center", "left", "random:0.5", "bottom"])
def test_inpainting_never_changes_a_known_pixel(dae_run, mask):
    model = load_run(dae_run).model
    images = torch.rand(5, 1, 28, 28) * 2 - 1
    known = make_mask(mask, 5, 28, 28, seed=3)
    out = inpaint(model, images, known, iterations=3)
    k = known.expand_as(images)
    assert torch.equal(out[k], images[k])  # bit for bit
    assert not torch.equal(out[~k], images[~k])  # the hole was filled by the model
    assert out.min() >= -1 and out.max() <= 1


def test_masks_cover_what_they_say():
    center = make_mask("center", 1, 28, 28)
    assert (~center).sum() == 14 * 14 and not center[0, 0, 7:21, 7:21].any()
    left = make_mask("left", 2, 28, 28)
    assert not left[..., :14].any() and left[..., 14:].all()
    rnd = make_mask("random:0.5", 8, 28, 28)
    assert abs((~rnd).float().mean().item() - 0.5) < 0.05


def test_mask_from_png(tmp_path):
    hole = np.zeros((28, 28), np.uint8)
    hole[:5, :5] = 255
    Image.fromarray(hole).save(tmp_path / "m.png")
    known = make_mask(str(tmp_path / "m.png"), 3, 28, 28)
    assert known.shape == (3, 1, 28, 28) and (~known).sum() == 3 * 25
    with pytest.raises(GenlabError, match="mask .* is 28x28, but the images are 32x32"):
        make_mask(str(tmp_path / "m.png"), 1, 32, 32)


def test_denoise_and_reconstruct_shapes(dae_run):
    model = load_run(dae_run).model
    images = torch.rand(3, 1, 28, 28) * 2 - 1
    noisy, out = denoise(model, images, "gaussian:0.5", seed=1)
    assert noisy.shape == out.shape == images.shape and not torch.equal(noisy, images)
    assert torch.equal(denoise(model, images, "gaussian:0.5", seed=1)[0], noisy)  # seeded
    assert reconstruct(model, images).shape == images.shape


def test_a_model_without_encoder_cannot_restore():
    class SamplerOnly(torch.nn.Module):
        pass

    with pytest.raises(GenlabError, match="has no encoder"):
        reconstruct(SamplerOnly(), torch.zeros(1, 1, 28, 28))


def test_gan_inpaints_through_inversion_and_keeps_known_pixels(gan_run, monkeypatch):
    model = load_run(gan_run).model
    encode = model.encode
    monkeypatch.setattr(model, "encode", lambda x, labels=None, *, known=None: encode(x, labels, known=known,
                                                                                       starts=1, steps=3))
    images = torch.rand(2, 1, 28, 28) * 2 - 1
    known = make_mask("center", 2, 28, 28)
    out = inpaint(model, images, known)
    k = known.expand_as(images)
    assert torch.equal(out[k], images[k]) and not torch.equal(out[~k], images[~k])


def test_strips_png_and_npz(tmp_path):
    cols = {"input": torch.zeros(3, 1, 28, 28), "output": torch.ones(3, 1, 28, 28)}
    png, npz = write_strips(cols, tmp_path / "s.png", npz=tmp_path / "s.npz", scale=1)
    assert Image.open(png).size == (2 * 30 + 2, 3 * 30 + 2)
    data = np.load(npz)
    assert data["input"].shape == (3, 28, 28) and data["output"].max() == 255


def test_inputs_of_the_wrong_size_or_channels_are_refused(dae_run, tmp_path):
    model = load_run(dae_run).model
    Image.fromarray(np.zeros((32, 32), np.uint8)).save(tmp_path / "big.png")
    with pytest.raises(GenlabError, match="holds 32x32 images, but the model takes 28x28"):
        load_inputs(model, [str(tmp_path / "big.png")])
    Image.fromarray(np.dstack([np.zeros((28, 28), np.uint8), np.full((28, 28), 200, np.uint8),
                               np.zeros((28, 28), np.uint8)])).save(tmp_path / "color.png")
    with pytest.raises(GenlabError, match="is a color image, but the model takes gray"):
        load_inputs(model, [str(tmp_path / "color.png")])
    np.savez(tmp_path / "rgb.npz", x=np.zeros((2, 28, 28, 3), np.uint8))
    with pytest.raises(GenlabError, match=r"holds RGB images \(3 channels\), but the model takes gray"):
        load_inputs(model, [str(tmp_path / "rgb.npz")])
    Image.fromarray(np.full((28, 28), 255, np.uint8)).save(tmp_path / "ok.png")
    images, labels = load_inputs(model, [str(tmp_path / "ok.png")])
    assert images.shape == (1, 1, 28, 28) and images.max() == 1 and labels is None
