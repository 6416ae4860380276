"""WaveGAN's nets (Donahue et al. 2019, table 2): shapes for every 16 x 4^k length, the paper's layer sizes,
phase shuffle, conditioning, and a train step that moves every weight."""
from __future__ import annotations

import pytest
import torch

from genlab.config import load_config
from genlab.errors import ConfigError
from genlab.models.nets.wavegan import PhaseShuffle, WaveGANDiscriminator, WaveGANGenerator, upsampling_layers
from genlab.train.run import build_model

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.mark.parametrize("length,classes", [(64, 0), (256, 3), (1024, 0), (4096, 10)])
def test_shapes_range_and_scores(length, classes):
    torch.manual_seed(0)
    G = WaveGANGenerator(latent_dim=8, img_channels=1, img_resolution=length, num_classes=classes, width=4)
    D = WaveGANDiscriminator(img_channels=1, img_resolution=length, num_classes=classes, width=4)
    labels = torch.arange(5) % classes if classes else None
    x = G(torch.randn(5, 8), labels)
    assert x.shape == (5, 1, length) and x.abs().max() <= 1
    assert D(x, labels).shape == (5,)


def test_lengths_must_be_16_times_a_power_of_4():
    assert upsampling_layers(16384) == 5 and upsampling_layers(64) == 1
    for bad in (16, 1000, 16000, 32768):
        with pytest.raises(ValueError, match="16 x 4"):
            upsampling_layers(bad)
    with pytest.raises(ConfigError, match="16000 samples"):
        build_model(load_config("wavegan-digits", ["data.audio_length=16000"]), img_channels=1,
                    img_resolution=16000, num_classes=10)


def test_the_papers_layer_sizes_at_d64():
    """Table 2 of the paper (d = 64, c = 1): G dense 100 -> 16 x 1024, then (25, 1024 -> 512), (512 -> 256),
    (256 -> 128), (128 -> 64), (64 -> 1) transposed convs; D convs 1 -> 64 -> 128 -> 256 -> 512 -> 1024, dense
    16,384 -> 1. Parameter counts from those shapes (weights + biases)."""
    G = WaveGANGenerator(latent_dim=100, img_channels=1, img_resolution=16384, width=64)
    D = WaveGANDiscriminator(img_channels=1, img_resolution=16384, width=64)
    chans = [1024, 512, 256, 128, 64, 1]
    g_count = 100 * 16384 + 16384 + sum(a * b * 25 + b for a, b in zip(chans, chans[1:]))
    d_chans = [1, 64, 128, 256, 512, 1024]
    d_count = sum(a * b * 25 + b for a, b in zip(d_chans, d_chans[1:])) + 16384 + 1
    assert sum(p.numel() for p in G.parameters()) == g_count == 19_065_345
    assert sum(p.numel() for p in D.parameters()) == d_count == 17_427_969
    assert [m.stride[0] for m in D.modules() if isinstance(m, torch.nn.Conv1d)] == [4] * 5
    assert sum(isinstance(m, PhaseShuffle) for m in D.modules()) == 4  # after every conv but the last


def test_phase_shuffle_shifts_each_example_within_n_by_reflection():
    torch.manual_seed(0)
    ps = PhaseShuffle(2)
    x = torch.arange(20.0).repeat(64, 3, 1)  # (64, 3, 20)
    y = ps(x)
    shifts = set()
    for b in range(64):
        s = int(x[b, 0, 10] - y[b, 0, 10])  # the middle sample moved by the shift
        assert -2 <= s <= 2 and torch.equal(y[b, 0], y[b, 2])  # one shift for all channels of an example
        shifts.add(s)
        if s > 0:  # reflected at the start: x[s], ..., x[1], x[0], x[1], ...
            assert y[b, 0, :s + 1].tolist() == [float(s - i) for i in range(s + 1)]
    assert shifts == {-2, -1, 0, 1, 2}
    assert torch.equal(ps.eval()(x), x)  # identity in eval mode


def test_labels_change_the_output_and_one_step_moves_every_weight():
    torch.manual_seed(0)
    G = WaveGANGenerator(latent_dim=8, img_channels=1, img_resolution=256, num_classes=3, width=4)
    D = WaveGANDiscriminator(img_channels=1, img_resolution=256, num_classes=3, width=4)
    z = torch.randn(3, 8)
    assert not torch.equal(G(z, torch.tensor([0, 0, 0])), G(z, torch.tensor([1, 1, 1])))
    with pytest.raises(ValueError, match="pass labels"):
        G(z)
    params = list(G.parameters()) + list(D.parameters())
    before = [p.detach().clone() for p in params]
    labels = torch.tensor([0, 1, 2])
    softplus = torch.nn.functional.softplus  # a BCE D loss: the WGAN loss would cancel D's output bias
    loss = softplus(D(G(z, labels), labels)).mean() + softplus(-D(torch.rand(3, 1, 256), labels)).mean()
    loss.backward()
    torch.optim.Adam(params, lr=1e-3).step()
    assert all(not torch.equal(p, b) for p, b in zip(params, before))


def test_image_gan_refuses_the_waveform_net():
    with pytest.raises(ConfigError, match="GAN net 'wavegan' is unknown"):
        load_config("dcgan-mnist", ["model.net=wavegan"])
