"""The GAN family's objective options: gradient penalty, R1, ACGAN, n_critic with fresh real batches."""
import math

import pytest
import torch

from genlab.data.transforms import random_translate
from genlab.errors import ConfigError
from genlab.models import GAN, GANConfig


def _run_step(cfg, num_classes=0, batch=4, gan=None):
    """One train_step of a GAN built from `cfg` (or of `gan`, already built) on random images."""
    torch.manual_seed(0)
    gan = gan or GAN(cfg, img_channels=1, img_resolution=28, num_classes=num_classes)
    opts = gan.configure_optimizers()
    calls = []

    def update(loss, name):
        calls.append(name)
        loss.backward()
        opts[name].step()
        opts[name].zero_grad(set_to_none=True)

    k = gan.batches_per_step
    images = torch.rand(k * batch, 1, 28, 28) * 2 - 1
    labels = torch.arange(k * batch) % num_classes if num_classes else None
    logs = gan.train_step({"images": images, "labels": labels}, gan.trainable(), update)
    assert all(math.isfinite(v) for v in logs.values())
    return logs, calls


def test_wgan_gp_logs_penalty_and_updates_critic_n_times():
    cfg = GANConfig(net="dcgan", loss="wasserstein", gp_weight=10.0, n_critic=3,
                    net_args={"width": 8, "d_batchnorm": False})
    logs, calls = _run_step(cfg)
    assert calls == ["d", "d", "d", "g"] and logs["gp"] >= 0


def test_r1_penalty_is_logged():
    logs, _ = _run_step(GANConfig(net="dcgan", loss="nonsaturating", r1_gamma=1.0, net_args={"width": 8}))
    assert logs["r1"] > 0


def test_balanced_consistency_pulls_the_logits_of_shifted_images_together():
    def gap_after_training(cr_weight):  # E[(D(x) - D(shifted x))^2] on the training images, fixed shifts
        torch.manual_seed(0)
        cfg = GANConfig(net="dcgan", loss="hinge", cr_weight=cr_weight, net_args={"width": 8})
        gan = GAN(cfg, img_channels=1, img_resolution=28)
        for _ in range(20):
            logs, _ = _run_step(cfg, gan=gan)  # the same 4 random images each step
        torch.manual_seed(0)
        images = torch.rand(4, 1, 28, 28) * 2 - 1
        torch.manual_seed(2)
        with torch.no_grad():
            shifted = torch.cat([random_translate(images, 2) for _ in range(8)])
            gap = (gan.discriminator(images).repeat(8) - gan.discriminator(shifted)).pow(2).mean().item()
        return gap, logs

    plain, plain_logs = gap_after_training(0.0)
    regularised, logs = gap_after_training(10.0)
    assert "cr" not in plain_logs and logs["cr"] >= 0
    assert regularised < plain / 3, (regularised, plain)  # measured: 0.23 against 1.12


@pytest.mark.parametrize("field,value", [("cr_weight", -1.0), ("cr_shift", 0), ("cr_shift", 1.5)])
def test_consistency_settings_are_checked(field, value):
    with pytest.raises(ConfigError, match=f"cr_{field.split('_')[1]}"):
        GANConfig(**{field: value}).validate()


def test_acgan_class_loss():
    cfg = GANConfig(net="dcgan", conditional=True, aux_classifier_weight=1.0,
                    net_args={"width": 8, "aux_classifier": True})
    logs, _ = _run_step(cfg, num_classes=4)
    assert logs["loss_aux"] == pytest.approx(2 * math.log(4), rel=0.5)  # two cross-entropies near chance


def test_conditional_gan_needs_labels():
    with pytest.raises(ConfigError, match="dataset has no class labels"):
        GAN(GANConfig(net="dcgan", conditional=True), img_channels=1, img_resolution=28, num_classes=0)


@pytest.mark.parametrize("cfg", [dict(d_step="separate", loss="hinge"), dict(d_step="separate", gp_weight=1.0)])
def test_separate_d_step_only_for_bce(cfg):
    with pytest.raises(ConfigError, match="d_step 'separate'"):
        GANConfig(**cfg).validate()


def test_topk_fraction_falls_by_gamma_each_epoch_from_its_start_to_its_floor():
    gan = GAN(GANConfig(net="dcgan", net_args={"width": 8}, topk_gamma=0.5, topk_min=0.2, topk_from_epoch=2),
              img_channels=1, img_resolution=28)
    fractions = []
    for epoch in (0, 2.5, 2.999, 3.0, 4.2, 5.0, 40):
        gan.set_epoch(epoch)
        fractions.append(gan.topk_fraction())
    assert fractions == [1.0, 1.0, 1.0, 0.5, 0.25, 0.2, 0.2]


def test_topk_generator_loss_sees_only_the_fakes_d_rates_most_real():
    """Sinha et al. 2020: G's loss is the mean over the k fakes with the largest D logits."""
    cfg = GANConfig(net="dcgan", net_args={"width": 8}, topk_gamma=0.5, topk_min=0.5)
    torch.manual_seed(0)
    gan = GAN(cfg, img_channels=1, img_resolution=28)
    gan.set_epoch(3)  # 0.5^3 -> the floor: half of each batch
    d_outputs, g_inputs = [], []
    gan.discriminator.register_forward_hook(lambda m, args, out: d_outputs.append(out.detach()))
    real_g_loss = gan.g_loss
    gan.g_loss = lambda logits: (g_inputs.append(logits.detach()), real_g_loss(logits))[1]
    logs, _ = _run_step(cfg, batch=8, gan=gan)
    judged = d_outputs[-1]  # D's logits on the 8 fakes in the generator step
    assert g_inputs[0].shape == (4,)
    assert torch.equal(g_inputs[0].sort().values, judged.sort().values[4:])
    assert logs["topk_fraction"] == 0.5 and logs["loss_g"] == pytest.approx(real_g_loss(judged.sort().values[4:]).item())


@pytest.mark.parametrize("field,value", [("topk_gamma", 0.0), ("topk_gamma", 1.5), ("topk_min", 0.0),
                                         ("topk_from_epoch", -1.0)])
def test_bad_topk_settings_are_config_errors(field, value):
    with pytest.raises(ConfigError, match=rf"model.topk_gamma and topk_min must be in \(0, 1\].*{value}"):
        GANConfig(**{field: value}).validate()
