"""CycleGAN (Zhu et al. 2017): translation between two unpaired domains A and B.

Two translators, G: A -> B and F: B -> A, and two PatchGAN discriminators, D_B (real B vs G(a)) and D_A.
Objective (eq. 3, with the least-squares GAN loss of sec. 4 and the identity loss of sec. 5.2):
    L = L_LSGAN(G, D_B) + L_LSGAN(F, D_A) + lambda (||F(G(a)) - a||_1 + ||G(F(b)) - b||_1)
        + lambda_id * lambda (||G(b) - b||_1 + ||F(a) - a||_1),      lambda = 10, lambda_id = 0.5.
The discriminators see fakes from a history of 50 generated images (Shrivastava et al. 2017), so they
do not forget what the generators made a few steps ago. Batches are {"a", "b"} (data/unpaired.py).

A cycle can be kept while the translation loses its content: G hides a in a faint, invisible signal in
G(a) that F decodes (Chu et al. 2017, "CycleGAN, a master of steganography"). `cycle_noise` adds Gaussian
noise of that std to G(a) and F(b) on the cycle's way back only (Bashkirova et al. 2019), so what F needs
must be visible. The noise comes from torch's global RNG, saved in checkpoints (exact resume).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from genlab.errors import ConfigError
from genlab.models.family import EvalMode, Family
from genlab.models.losses import d_least_squares
from genlab.models.nets import NETS
from genlab.models.pix2pix import build_translator, check_translator_nets


@dataclass
class CycleGANConfig:
    net: str = "resnet-translator"    # translators: resnet-translator (CycleGAN) or unet
    width: int = 64                   # channels of the translators' first layer
    depth: int = 9                    # residual blocks (256 px: 9, 128 px: 6); unet: stride-2 levels
    norm: str = "instance"            # norm of all four nets: instance (CycleGAN) or batch
    d_width: int = 64                 # PatchGAN channels of its first layer
    d_layers: int = 3                 # PatchGAN stride-2 layers: 3 = 70x70 patches, 2 = 34x34, 1 = 16x16
    cycle_weight: float = 10.0        # lambda of the cycle-consistency loss
    identity_weight: float = 0.5      # lambda_id, relative to lambda (the reference code's convention)
    pool_size: int = 50               # generated images each D's history holds (0: no history)
    cycle_noise: float = 0.0          # std of Gaussian noise on G(a) and F(b) before the way back (0: none)
    lr: float = 2e-4                  # Adam learning rate of all nets
    betas: tuple[float, float] = (0.5, 0.999)  # Adam betas

    def validate(self) -> None:
        check_translator_nets(self)
        if min(self.width, self.depth, self.d_width, self.d_layers) < 1:
            raise ConfigError("model.width, depth, d_width and d_layers must be >= 1")
        if min(self.cycle_weight, self.identity_weight, self.pool_size, self.cycle_noise) < 0:
            raise ConfigError("model.cycle_weight, identity_weight, pool_size and cycle_noise must be >= 0")


class ImagePool(nn.Module):
    """The history of generated images (Shrivastava et al. 2017, as CycleGAN's reference code): until full,
    each new image is stored and shown; then, with probability 1/2, a stored image is shown and replaced by
    the new one, else the new one is shown. Buffers, so checkpoints hold the history (exact resume); the
    coin flips come from torch's global RNG, which checkpoints save too."""

    def __init__(self, size: int, shape: tuple[int, int, int]):
        super().__init__()
        self.size = size
        self.register_buffer("images", torch.zeros(size, *shape))
        self.register_buffer("count", torch.zeros((), dtype=torch.int64))

    @torch.no_grad()
    def query(self, images: torch.Tensor) -> torch.Tensor:
        if self.size == 0:
            return images
        out = []
        for image in images:
            n = int(self.count)
            if n < self.size:
                self.images[n] = image
                self.count += 1
                out.append(image)
            elif float(torch.rand(())) < 0.5:
                i = int(torch.randint(0, self.size, ()))
                out.append(self.images[i].clone())
                self.images[i] = image
            else:
                out.append(image)
        return torch.stack(out)


class CycleGAN(Family):
    """Unpaired translation A <-> B: translators g_ab, g_ba and discriminators d_a, d_b."""

    Config = CycleGANConfig
    batches_per_step = 1
    preview_columns = 3  # rows: a | G(a) | F(G(a)), then b | F(b) | G(F(b))
    num_classes = 0
    directions = ("a2b", "b2a")

    def __init__(self, cfg: CycleGANConfig, *, img_channels: int, img_resolution: int, num_classes: int = 0):
        super().__init__()
        cfg.validate()
        self.cfg, self.img_channels = cfg, img_channels
        self.num_classes = 0  # labels of either domain are ignored: the model never sees them
        make = lambda: build_translator(cfg.net, img_channels, cfg.width, cfg.depth, cfg.norm)  # noqa: E731
        self.g_ab, self.g_ba = make(), make()
        disc = NETS[cfg.net]["discriminator"]
        self.d_a, self.d_b = (disc(in_channels=img_channels, width=cfg.d_width, n_layers=cfg.d_layers, norm=cfg.norm)
                              for _ in range(2))
        shape = (img_channels, img_resolution, img_resolution)
        self.pool_a, self.pool_b = ImagePool(cfg.pool_size, shape), ImagePool(cfg.pool_size, shape)

    @property
    def min_input_size(self) -> int:
        return self.g_ab.min_input_size

    def trainable(self) -> dict[str, nn.Module]:
        return {"g_ab": self.g_ab, "g_ba": self.g_ba, "d_a": self.d_a, "d_b": self.d_b}

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        adam = dict(lr=self.cfg.lr, betas=tuple(self.cfg.betas))
        return {"g": torch.optim.Adam(itertools.chain(self.g_ab.parameters(), self.g_ba.parameters()), **adam),
                "d": torch.optim.Adam(itertools.chain(self.d_a.parameters(), self.d_b.parameters()), **adam)}

    def train_step(self, batch: dict[str, torch.Tensor], nets: dict[str, nn.Module],
                   update: Callable[[torch.Tensor, str], None]) -> dict[str, float]:
        """(1) both translators through frozen Ds (LSGAN + cycle + identity), (2) both Ds on real vs history."""
        G, Fn, D_a, D_b = nets["g_ab"], nets["g_ba"], nets["d_a"], nets["d_b"]
        real_a, real_b = batch["a"], batch["b"]  # (B, C, H, W) in [-1, 1], unpaired
        lam, lam_id = self.cfg.cycle_weight, self.cfg.identity_weight

        # 1. generator step: fool the (frozen) discriminators, come back to where they started
        fake_b, fake_a = G(real_a), Fn(real_b)
        for d in (D_a, D_b):
            d.requires_grad_(False)
        try:
            pred_b, pred_a = D_b(fake_b), D_a(fake_a)
            adv = F.mse_loss(pred_b, torch.ones_like(pred_b)) + F.mse_loss(pred_a, torch.ones_like(pred_a))
        finally:
            for d in (D_a, D_b):
                d.requires_grad_(True)
        back_b, back_a = fake_b, fake_a
        if self.cfg.cycle_noise > 0:  # the source cannot hide in faint detail that noise drowns (steganography)
            back_b = fake_b + self.cfg.cycle_noise * torch.randn_like(fake_b)
            back_a = fake_a + self.cfg.cycle_noise * torch.randn_like(fake_a)
        cycle = F.l1_loss(Fn(back_b), real_a) + F.l1_loss(G(back_a), real_b)
        loss_g = adv + lam * cycle
        logs = {"loss_adv": adv.item(), "loss_cycle": cycle.item()}
        if lam_id > 0:  # each translator should leave an image of its own output domain alone
            identity = F.l1_loss(G(real_b), real_b) + F.l1_loss(Fn(real_a), real_a)
            loss_g = loss_g + lam * lam_id * identity
            logs["loss_identity"] = identity.item()
        update(loss_g, "g")

        # 2. discriminator step: real images against fakes drawn from the history
        old_b, old_a = self.pool_b.query(fake_b.detach()), self.pool_a.query(fake_a.detach())
        loss_d = d_least_squares(D_a(real_a), D_a(old_a)) + d_least_squares(D_b(real_b), D_b(old_b))
        update(loss_d, "d")
        return {"loss_g": loss_g.item(), "loss_d": loss_d.item(), **logs}

    def preview_inputs(self, batch: dict[str, torch.Tensor], generator: torch.Generator) -> dict[str, torch.Tensor]:
        n = max(1, len(batch["a"]) // 2)  # half the grid's rows from each domain
        return {"a": batch["a"][:n], "b": batch["b"][:n]}

    @torch.no_grad()
    def preview(self, fixed: dict[str, torch.Tensor]) -> torch.Tensor:
        """Rows a | G(a) | F(G(a)), then b | F(b) | G(F(b)): (3 * (Na + Nb), C, H, W)."""
        a, b = fixed["a"], fixed["b"]
        ab, ba = self.translate(a, "a2b"), self.translate(b, "b2a")
        rows_a = torch.stack([a, ab, self.translate(ab, "b2a")], 1).flatten(0, 1)
        rows_b = torch.stack([b, ba, self.translate(ba, "a2b")], 1).flatten(0, 1)
        return torch.cat([rows_a, rows_b])

    @torch.no_grad()
    def translate(self, x: torch.Tensor, direction: str = "a2b") -> torch.Tensor:
        """(B, C, H, W) in [-1, 1] of domain A (a2b) or B (b2a) -> the other domain, in [-1, 1]."""
        if direction not in self.directions:
            raise ConfigError(f"direction must be a2b or b2a, got '{direction}'")
        net = self.g_ab if direction == "a2b" else self.g_ba
        with EvalMode(net):
            return net(x).clamp(-1, 1)
