"""Translation nets and objectives: the PatchGAN's 70x70 receptive field, U-Net/ResNet at any size, the
image history, and the pix2pix / CycleGAN losses on known cases."""
import pytest
import torch
import torch.nn.functional as F

from genlab.models.cyclegan import CycleGAN, CycleGANConfig, ImagePool
from genlab.models.nets.patchgan import PatchGAN
from genlab.models.nets.resnet_translator import ResNetTranslator
from genlab.models.nets.unet import UNetGenerator
from genlab.models.pix2pix import Pix2Pix, Pix2PixConfig

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.mark.parametrize("n_layers,field", [(3, 70), (2, 34), (1, 16)])
def test_patchgan_logit_sees_exactly_its_receptive_field(n_layers, field):
    """Isola et al.'s 70x70 PatchGAN: the gradient of one central logit touches a field x field input square."""
    torch.manual_seed(0)
    D = PatchGAN(in_channels=2, width=4, n_layers=n_layers, norm="batch").eval()  # eval BN: per pixel
    for m in D.modules():  # positive weights: no accidental zero gradients inside the field
        if isinstance(m, torch.nn.Conv2d):
            m.weight.data.abs_()
    assert D.receptive_field == field
    x = torch.randn(1, 2, 160, 160, requires_grad=True)
    out = D(x)
    out[0, out.shape[1] // 2, out.shape[2] // 2].backward()
    rows, cols = torch.nonzero(x.grad.abs().sum(1)[0], as_tuple=True)
    assert int(rows.max() - rows.min() + 1) == field and int(cols.max() - cols.min() + 1) == field


@pytest.mark.parametrize("net", ["unet", "resnet"])
def test_translators_keep_any_size_and_range(net):
    torch.manual_seed(0)
    G = (UNetGenerator(in_channels=3, out_channels=3, width=4, depth=4) if net == "unet"
         else ResNetTranslator(in_channels=3, out_channels=3, width=4, n_blocks=1))
    for size in ((16, 16), (37, 50), (9, 64)):
        y = G.eval()(torch.rand(2, 3, *size) * 2 - 1)
        assert y.shape == (2, 3, *size) and y.abs().max() <= 1


def test_unet_output_depends_on_the_input_through_the_skips():
    """The outermost skip carries pixel detail: changing one input pixel changes the output near it most."""
    torch.manual_seed(0)
    G = UNetGenerator(in_channels=1, out_channels=1, width=4, depth=3, dropout=0).eval()
    x = torch.zeros(1, 1, 32, 32)
    x2 = x.clone()
    x2[0, 0, 4, 4] = 1
    diff = (G(x2) - G(x)).abs()[0, 0]
    assert diff[:8, :8].sum() > diff[24:, 24:].sum()


def test_history_returns_new_images_until_full_then_half_from_the_past():
    pool = ImagePool(4, (1, 2, 2))
    first = torch.arange(4.0).view(4, 1, 1, 1).expand(4, 1, 2, 2)
    assert torch.equal(pool.query(first), first) and int(pool.count) == 4
    torch.manual_seed(0)
    new = (100 + torch.arange(400.0)).view(400, 1, 1, 1).expand(400, 1, 2, 2)
    out = pool.query(new)
    from_history = out[:, 0, 0, 0] != new[:, 0, 0, 0]
    assert 0.4 < float(from_history.float().mean()) < 0.6  # a fair coin per image
    assert bool((out[from_history, 0, 0, 0] < new[from_history, 0, 0, 0]).all())  # older images, never newer
    assert ImagePool(0, (1, 2, 2)).query(first) is first


class _Record:
    """An update() that records the losses and steps nothing."""
    def __init__(self):
        self.losses = {}

    def __call__(self, loss, name):
        self.losses[name] = loss
        loss.backward()


def test_pix2pix_generator_loss_is_adversarial_plus_100_l1():
    torch.manual_seed(0)
    model = Pix2Pix(Pix2PixConfig(width=4, depth=2, d_width=4, d_layers=1, dropout=0), img_channels=1)
    batch = {"inputs": torch.rand(2, 1, 16, 16) * 2 - 1, "targets": torch.rand(2, 1, 16, 16) * 2 - 1}
    logs = model.train_step(batch, model.trainable(), _Record())
    assert logs["loss_g"] == pytest.approx(logs["loss_adv"] + 100 * logs["loss_l1"], rel=1e-5)
    # the discriminator got gradients only in its own step: after the G step its grads are from loss_d alone
    assert all(p.grad is not None for p in model.discriminator.parameters())


def test_pix2pix_upsamples_sr_inputs_to_the_target_size():
    model = Pix2Pix(Pix2PixConfig(width=4, depth=2, d_width=4, d_layers=1), img_channels=1)
    grid = model.preview({"inputs": torch.zeros(2, 1, 8, 8), "targets": torch.zeros(2, 1, 16, 16)})
    assert grid.shape == (6, 1, 16, 16)
    with pytest.raises(Exception, match="a2b"):
        model.translate(torch.zeros(1, 1, 16, 16), "b2a")


def test_cyclegan_losses_weigh_cycle_10_and_identity_5():
    torch.manual_seed(0)
    cfg = CycleGANConfig(width=4, depth=1, d_width=4, d_layers=1, pool_size=2)
    model = CycleGAN(cfg, img_channels=1, img_resolution=16)
    batch = {"a": torch.rand(2, 1, 16, 16) * 2 - 1, "b": torch.rand(2, 1, 16, 16) * 2 - 1}
    logs = model.train_step(batch, model.trainable(), _Record())
    expected = logs["loss_adv"] + 10 * logs["loss_cycle"] + 10 * 0.5 * logs["loss_identity"]
    assert logs["loss_g"] == pytest.approx(expected, rel=1e-5)
    assert int(model.pool_a.count) == 2 and int(model.pool_b.count) == 2


def test_cyclegan_of_identity_translators_has_zero_cycle_and_identity_loss():
    """With both translators the identity map, cycle and identity losses vanish exactly."""
    cfg = CycleGANConfig(width=4, depth=1, d_width=4, d_layers=1, pool_size=0)
    model = CycleGAN(cfg, img_channels=1, img_resolution=16)
    nets = {**model.trainable(), "g_ab": torch.nn.Identity(), "g_ba": torch.nn.Identity()}
    batch = {"a": torch.rand(2, 1, 16, 16), "b": torch.rand(2, 1, 16, 16)}
    logs = model.train_step(batch, nets, lambda loss, name: loss.backward() if loss.requires_grad else None)
    assert logs["loss_cycle"] == 0 and logs["loss_identity"] == 0
    with torch.no_grad():  # G = F = identity: D_B judges a itself, D_A judges b
        pred_b, pred_a = model.d_b(batch["a"]), model.d_a(batch["b"])
        expected = F.mse_loss(pred_b, torch.ones_like(pred_b)) + F.mse_loss(pred_a, torch.ones_like(pred_a))
    assert logs["loss_adv"] == pytest.approx(float(expected), rel=1e-5)


def test_cycle_noise_reaches_the_cycle_loss_only():
    """Identity translators: without noise the cycle loss is 0; with noise of std s on the way back it is
    E|N(0, s^2)| = s sqrt(2 / pi) per direction, while the identity loss stays 0."""
    cfg = CycleGANConfig(width=4, depth=1, d_width=4, d_layers=1, pool_size=0, cycle_noise=0.1)
    model = CycleGAN(cfg, img_channels=1, img_resolution=32)
    nets = {**model.trainable(), "g_ab": torch.nn.Identity(), "g_ba": torch.nn.Identity()}
    batch = {"a": torch.rand(16, 1, 32, 32), "b": torch.rand(16, 1, 32, 32)}
    torch.manual_seed(0)
    logs = model.train_step(batch, nets, lambda loss, name: loss.backward() if loss.requires_grad else None)
    assert logs["loss_cycle"] == pytest.approx(2 * 0.1 * (2 / torch.pi) ** 0.5, rel=0.03)
    assert logs["loss_identity"] == 0
    with pytest.raises(Exception, match="cycle_noise must be >= 0"):
        CycleGAN(CycleGANConfig(cycle_noise=-0.1), img_channels=1, img_resolution=32)
