"""Every shipped preset loads, validates and builds a model that samples images of its data's shape."""
import pytest
import torch

from genlab.config import load_config, preset_names
from genlab.train.run import build_model

NUM_CLASSES = 10  # MNIST and Fashion-MNIST; a folder preset is unconditional and ignores it


@pytest.mark.parametrize("name", preset_names())
def test_preset_builds_and_samples(name):
    cfg = load_config(name)
    assert cfg.preset == name and cfg.description
    if cfg.family == "sr":  # paired: upscales instead of sampling
        model = build_model(cfg, img_channels=3, img_resolution=cfg.data.patch_size).eval()
        s = cfg.model.scale
        assert cfg.data.degradation == f"bicubic-x{s}" and cfg.data.patch_size % s == 0
        assert model.upscale(torch.zeros(2, 3, 12, 10)).shape == (2, 3, 12 * s, 10 * s)
        return
    channels, resolution = cfg.data.channels or 1, cfg.data.resolution or 28
    if cfg.family in ("pix2pix", "cyclegan"):  # translation: maps images to images of their own size
        channels = 3 if cfg.data.name == "photos" else channels
        model = build_model(cfg, img_channels=channels, img_resolution=cfg.data.patch_size or resolution).eval()
        for direction in model.directions:
            out = model.translate(torch.zeros(2, channels, 28, 36), direction)
            assert out.shape == (2, channels, 28, 36) and out.abs().max() <= 1
        return
    conditional = getattr(cfg.model, "conditional", False)
    model = build_model(cfg, img_channels=channels, img_resolution=resolution,
                        num_classes=NUM_CLASSES if conditional else 0)
    model.eval()
    labels = torch.tensor([0, 9]) if conditional else None
    with torch.no_grad():
        images = model.sample(2, labels=labels, generator=torch.Generator().manual_seed(0))
    assert images.shape == (2, channels, resolution, resolution)
    assert images.min() >= -1 and images.max() <= 1


def test_presets_decay_their_learning_rate_within_their_epochs():
    for name in preset_names():
        t = load_config(name).train
        if t.lr_decay_epochs:
            assert t.epochs is not None and t.lr_decay_epochs <= t.epochs, name
