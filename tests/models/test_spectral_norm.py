"""Spectral normalization bounds each D layer's largest singular value; conditioning really uses the labels."""
from __future__ import annotations

import pytest
import torch

from genlab.models.nets import NETS
from genlab.models.nets.layers import ConditionalBatchNorm2d


pytestmark = pytest.mark.usefixtures("one_thread")  # see conftest.py


def sigma_max(weight: torch.Tensor) -> float:
    return float(torch.linalg.matrix_norm(weight.detach().flatten(1), ord=2))


def normalized_layers(module):
    return [(n, m) for n, m in module.named_modules() if hasattr(m, "parametrizations")]


@pytest.mark.parametrize("net,args", [("dcgan", {"spectral_norm": True}), ("resnet", {})])
def test_spectral_norm_bounds_largest_singular_value(net, args):
    torch.manual_seed(0)
    D = NETS[net]["discriminator"](img_channels=1, img_resolution=28, num_classes=3, width=8, **args)
    layers = normalized_layers(D)
    assert len(layers) == sum(isinstance(m, (torch.nn.Conv2d, torch.nn.Linear, torch.nn.Embedding))
                              for m in D.modules())  # every weight layer of D, the embedding included
    x, labels = torch.randn(4, 1, 28, 28), torch.tensor([0, 1, 2, 0])
    with torch.no_grad():
        for _ in range(5):  # each train-mode forward runs one power iteration per layer
            D(x, labels)
    D.eval()  # read the weights without another iteration
    for name, m in layers:
        assert abs(sigma_max(m.weight) - 1) < 0.05, name


def test_without_spectral_norm_the_bound_does_not_hold():
    torch.manual_seed(0)
    D = NETS["resnet"]["discriminator"](img_channels=1, img_resolution=28, width=8, spectral_norm=False)
    assert not normalized_layers(D)
    assert any(abs(sigma_max(m.weight) - 1) > 0.2 for m in D.modules() if isinstance(m, torch.nn.Conv2d))


def test_conditional_batchnorm_scales_and_shifts_per_class():
    torch.manual_seed(0)
    cbn = ConditionalBatchNorm2d(4, num_classes=3)
    with torch.no_grad():
        cbn.gain.weight.normal_(1, 0.5), cbn.bias.weight.normal_(0, 0.5)
    x = torch.randn(6, 4, 5, 5)
    out = {y: cbn(x, torch.full((6,), y)) for y in range(3)}
    assert not torch.allclose(out[0], out[1]) and not torch.allclose(out[1], out[2])
    normed = torch.nn.functional.batch_norm(x, None, None, training=True, eps=cbn.bn.eps)
    expected = cbn.gain.weight[1][:, None, None] * normed + cbn.bias.weight[1][:, None, None]
    torch.testing.assert_close(out[1], expected)
    mixed = cbn(x, torch.tensor([0, 1, 2, 0, 1, 2]))  # each sample takes its own class's gain and bias
    torch.testing.assert_close(mixed[1], out[1][1])


@pytest.mark.parametrize("net", ["dcgan", "resnet"])
def test_conditional_generator_depends_on_label(net):
    torch.manual_seed(0)
    G = NETS[net]["generator"](latent_dim=8, img_channels=1, img_resolution=28, num_classes=3, width=8)
    for m in G.modules():  # resnet starts with gain 1, bias 0 for every class (the paper's init)
        if isinstance(m, ConditionalBatchNorm2d):
            torch.nn.init.normal_(m.bias.weight, 0, 0.1)
    G.eval()
    z = torch.randn(1, 8).expand(3, 8)
    with torch.no_grad():
        images = G(z, torch.arange(3))
    assert (images[0] - images[1]).abs().max() > 1e-4 and (images[1] - images[2]).abs().max() > 1e-4


@pytest.mark.parametrize("net", ["dcgan", "resnet"])
def test_projection_discriminator_depends_on_label(net):
    torch.manual_seed(0)
    D = NETS[net]["discriminator"](img_channels=1, img_resolution=28, num_classes=3, width=8)
    D.eval()
    x = torch.randn(1, 1, 28, 28).expand(3, 1, 28, 28)
    with torch.no_grad():
        logits = D(x, torch.arange(3))
    assert logits[0] != logits[1] and logits[1] != logits[2]
    with pytest.raises(ValueError, match="needs labels"):
        D(x)
