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
    if cfg.family in ("lm", "textvae"):  # text: built for the corpus' vocabulary and window; generates characters
        vocab = "\n !',.:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
        model = build_model(cfg, vocab=vocab, seq_len=cfg.data.block_size).eval()
        text = "".join(model.stream("ROMEO:", 5, seed=0))
        assert len(text) == 5 and set(text) <= set(vocab)
        assert cfg.train.grad_clip and cfg.data.name == "shakespeare"
        return
    if cfg.family == "enhance":  # speech enhancement: noisy clips of any length in, enhanced clips out
        model = build_model(cfg, img_channels=1, img_resolution=16000).eval()
        assert cfg.data.degradation.startswith("noise:")
        noisy = torch.randn(2, 1, 5000, generator=torch.Generator().manual_seed(0)) * 0.1
        clean = model.enhance(noisy)
        assert clean.shape == (2, 1, 5000) and clean.abs().max() <= 1
        return
    if cfg.data.audio_length is not None:  # audio: clips of audio_length samples at 16 kHz
        conditional = getattr(cfg.model, "conditional", False)
        model = build_model(cfg, img_channels=1, img_resolution=cfg.data.audio_length,
                            num_classes=NUM_CLASSES if conditional else 0).eval()
        clips = model.sample(2, labels=torch.tensor([0, 9]) if conditional else None,
                             generator=torch.Generator().manual_seed(0))
        assert clips.shape == (2, 1, cfg.data.audio_length) and clips.abs().max() <= 1
        return
    if cfg.family == "style":  # stylizes photos of any size instead of sampling; built without VGG19
        model = build_model(cfg, img_channels=3, img_resolution=cfg.data.patch_size).eval()
        assert cfg.data.name == "photos" and cfg.data.patch_size and cfg.train.minutes <= 120
        if cfg.model.net == "johnson":
            assert model.stylize(torch.zeros(2, 3, 13, 10)).shape == (2, 3, 13, 10)
        else:
            assert model.stylizer(torch.zeros(2, 512, 2, 3)).shape == (2, 3, 16, 24)
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
        if t.lr_decay_epochs:  # a known end to decay towards, and a decay no longer than the run
            assert t.epochs is not None or t.steps is not None, name
            if t.epochs is not None:
                assert t.lr_decay_epochs <= t.epochs, name
            else:  # every source has at least one batch per epoch: N epochs are at least N steps
                assert t.lr_decay_epochs <= t.steps, name
