"""perceptual_loss and gram_matrix: values worked out by hand, and where gradients go."""
import pytest
import torch
from torch import nn

from genlab.models.losses import gram_matrix, perceptual_loss
from genlab.models.nets.vgg19 import VGG19


class Scale(nn.Module):
    """A stand-in feature net: layer "a" is the image, layer "b" twice the image."""

    def forward(self, images, layers):
        return {name: images * {"a": 1.0, "b": 2.0}[name] for name in layers}


def test_gram_matrix_of_a_known_tensor():
    # one image, C=2 channels of H*W=2 values: rows (1, 2) and (3, 4)
    features = torch.tensor([[1.0, 2.0], [3.0, 4.0]]).view(1, 2, 1, 2)
    # F F^T = [[1+4, 3+8], [3+8, 9+16]], divided by C*H*W = 4
    assert gram_matrix(features).tolist() == [[[1.25, 2.75], [2.75, 6.25]]]
    batch = torch.stack([features[0], 2 * features[0]])
    assert torch.equal(gram_matrix(batch)[1], 4 * gram_matrix(batch)[0])  # quadratic in the features
    with pytest.raises(ValueError, match=r"\(B, C, H, W\)"):
        gram_matrix(torch.ones(2, 3))


def test_perceptual_loss_values_by_hand():
    output, target = torch.zeros(1, 3, 2, 2), torch.full((1, 3, 2, 2), 0.5)
    net = Scale()
    assert perceptual_loss(net, output, target, layers=("a",)).item() == 0.5  # mean |0 - 0.5|
    assert perceptual_loss(net, output, target, layers=("b",), criterion="mse").item() == 1.0  # (2 * 0.5)^2
    # weighted sum over layers: 3 * 0.5 + 0.5 * 1.0
    assert perceptual_loss(net, output, target, layers=("a", "b"), weights=(3.0, 0.5)).item() == 2.0
    assert perceptual_loss(net, target, target, layers=("a", "b")).item() == 0.0
    with pytest.raises(ValueError, match="one weight per layer: 2 layers, 1 weights"):
        perceptual_loss(net, output, target, layers=("a", "b"), weights=(1.0,))
    with pytest.raises(ValueError, match="criterion must be one of l1, mse, got 'l2'"):
        perceptual_loss(net, output, target, layers=("a",), criterion="l2")
    with pytest.raises(ValueError, match="one shape"):
        perceptual_loss(net, output, target[:, :, :1], layers=("a",))


def test_perceptual_loss_on_vgg19_gradient_reaches_output_only(one_thread):
    torch.manual_seed(0)
    vgg = VGG19().requires_grad_(False).eval()  # random weights: the gradient paths are what matter here
    gen = torch.Generator().manual_seed(1)
    target = (torch.rand(2, 3, 16, 16, generator=gen) * 2 - 1).requires_grad_(True)
    output = (torch.rand(2, 3, 16, 16, generator=gen) * 2 - 1).requires_grad_(True)
    assert perceptual_loss(vgg, target.detach(), target.detach()).item() == 0.0
    loss = perceptual_loss(vgg, output, target, layers=("relu2_1", "conv5_4"), weights=(0.5, 1.0))
    assert loss.item() > 0
    loss.backward()
    assert output.grad is not None and output.grad.abs().sum() > 0
    assert target.grad is None
    assert all(p.grad is None for p in vgg.parameters())
