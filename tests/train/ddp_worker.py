"""Run under torchrun by tests/train/test_distributed.py: train, then dump this rank's weights.

usage: ddp_worker.py OUT_DIR FAMILY STEPS BATCH NPZ [KILL_AT_STEP]
FAMILY 'toy' is a deterministic linear autoencoder (no noise, no BatchNorm) registered here, so that
2 ranks x B/2 can be compared with 1 process x B; 'gan' is the seed preset at a tiny width.
"""
import os
import signal
import sys
from dataclasses import dataclass

import torch
from safetensors.torch import save_file
from torch import nn

from genlab.config import load_config
from genlab.models import FAMILIES
from genlab.models.family import Family
from genlab.models.gan import GAN
from genlab.train.loop import train


@dataclass
class ToyConfig:
    net: str = "toy"
    lr: float = 0.5


class Toy(Family):
    Config = ToyConfig

    def __init__(self, cfg, *, img_channels, img_resolution, num_classes=0):
        super().__init__()
        self.cfg, self.latent_dim, self.num_classes = cfg, 8, 0
        d = img_channels * img_resolution * img_resolution
        self.enc, self.dec = nn.Linear(d, 8), nn.Linear(8, d)
        self.shape = (img_channels, img_resolution, img_resolution)

    def trainable(self):
        return {"enc": self.enc, "dec": self.dec}

    def configure_optimizers(self):
        return {"ae": torch.optim.SGD(self.parameters(), lr=self.cfg.lr)}

    def train_step(self, batch, nets, update):
        x = batch["images"].flatten(1)
        loss = ((nets["dec"](nets["enc"](x)) - x) ** 2).mean()
        update(loss, "ae")
        return {"loss": loss.item()}

    def prior(self, n, generator=None, device=None):
        return torch.randn(n, 8, generator=generator)

    @torch.no_grad()
    def preview(self, fixed):
        return self.dec(fixed["z"]).view(-1, *self.shape).clamp(-1, 1)


def main():
    out, family, steps, batch, npz = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    kill_at = int(sys.argv[6]) if len(sys.argv) > 6 else None
    FAMILIES["toy"] = Toy
    rank = int(os.environ.get("RANK", "0"))
    if kill_at is not None and rank == 1 and os.environ.get("TORCHELASTIC_RESTART_COUNT", "0") == "0":
        original = GAN.after_step

        def after_step(self, images_seen, batch_size):
            original(self, images_seen, batch_size)
            if images_seen >= kill_at * batch_size:
                os.kill(os.getpid(), signal.SIGKILL)  # a crashed rank, mid-run

        GAN.after_step = after_step
    overrides = [f"data.name=npz", f"data.path={npz}", f"train.batch_size={batch}", f"train.steps={steps}",
                 "train.epochs=null", "train.log_every=1", "train.sample_every=1000", "train.checkpoint_every=2",
                 "train.n_samples=4", "train.tensorboard=false", "train.keep_checkpoints=10"]
    if family == "toy":
        cfg = load_config(None, overrides, base={"family": "toy", "preset": "toy"})
    else:
        cfg = load_config("seed-dcgan-mnist", overrides + ["model.net_args={width: 8}", "model.d_step=joint"])
    run = train(cfg, run_dir=os.path.join(out, "run"), progress=False)
    save_file({k: v.contiguous() for k, v in run.model.state_dict().items()}, os.path.join(out, f"rank{rank}.safetensors"))


if __name__ == "__main__":
    main()
