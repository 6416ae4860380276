"""Steady-state training images/s of the seed preset: genlab's step vs a plain eager PyTorch step.

    .venv/bin/python benchmarks/train_throughput.py                       # batch 64 and 256, 2 threads
    .venv/bin/python benchmarks/train_throughput.py --batch-sizes 64 --rounds 5 --no-write

"genlab" is the real training step: a `Trainer` for `seed-dcgan-mnist` (its `_batch`, `_autocast`
and `_update`) driving `GAN.train_step`. "plain" is the same model (same weights, same separate
real/fake discriminator updates as the preset's `d_step: separate`, same Adam settings) written the
way PyTorch's DCGAN example writes it: nn.LeakyReLU + nn.Dropout, BCEWithLogitsLoss, D on real, then on
fake.detach(), then the G step through D with D's parameters not frozen, zero_grad/backward/step.

The machine may be shared, so every variant runs in this one process and the variants are
interleaved (A B C A B C ...): each round times --steps steps of every variant, and a variant's
number is its median over rounds. Ratios are to the plain step of the same round set. GFLOP/s counts
only convolutions and matmuls (torch.utils.flop_counter), forward and backward, as each variant
executes them. Writes the "Training throughput" section of benchmarks/RESULTS.md.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from genlab.config import load_config
from genlab.train.loop import Trainer

from results_md import write_section

HEADING = "## Training throughput"


class PlainDiscriminator(nn.Module):
    """The seed discriminator written with stock layers (same state_dict keys as SeedDiscriminator)."""

    def __init__(self, width: int = 128):
        super().__init__()
        layers: list[nn.Module] = []
        channels = 1
        for out in (width // 4, width // 2, width):
            layers += [nn.Conv2d(channels, out, 3, padding=1), nn.LeakyReLU(0.2), nn.Dropout(0.3)]
            channels = out
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(width * 28 * 28, 1)

    def forward(self, x):
        return self.fc(self.features(x).flatten(1)).squeeze(1)


def plain_generator():
    """The seed generator run as its layers are written: Upsample, then Conv2d (no fused path)."""
    from genlab.models.nets.seed_dcgan import SeedGenerator

    class PlainGenerator(SeedGenerator):
        def forward(self, z, labels=None):
            return self.body(torch.relu(self.fc(z)).view(-1, self.width, self.base, self.base))

    return PlainGenerator()


class Plain:
    """PyTorch's DCGAN-example step for the seed model, with the preset's two D updates."""

    def __init__(self, trainer: Trainer, batch_size: int):
        gan, c = trainer.model, trainer.model.cfg
        self.G = plain_generator()
        self.G.load_state_dict(gan.generator.state_dict())
        self.D = PlainDiscriminator()
        self.D.load_state_dict(gan.discriminator.state_dict())
        adam = dict(betas=(c.beta1, c.beta2), eps=c.adam_eps)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=c.lr_g, **adam)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=c.lr_d, **adam)
        self.criterion = nn.BCEWithLogitsLoss()
        self.images, self.batch_size = trainer.images, batch_size
        self.ones, self.zeros = torch.ones(batch_size), torch.zeros(batch_size)

    def step(self) -> None:
        idx = torch.randint(len(self.images), (self.batch_size,))
        real = self.images[idx].float() / 127.5 - 1
        fake = self.G(torch.randn(self.batch_size, 100))
        self.D.zero_grad()
        self.criterion(self.D(real), self.ones).backward()
        self.opt_d.step()
        self.D.zero_grad()
        self.criterion(self.D(fake.detach()), self.zeros).backward()
        self.opt_d.step()
        self.G.zero_grad()
        self.criterion(self.D(fake), self.ones).backward()
        self.opt_g.step()


def genlab_step(overrides: list[str], batch_size: int, out: str):
    cfg = load_config("seed-dcgan-mnist", [f"train.batch_size={batch_size}", f"train.out={out}",
                                           "train.tensorboard=false", *overrides])
    trainer = Trainer(cfg, progress=False)

    def step() -> None:
        batch = trainer._batch()
        with trainer._autocast():
            trainer.model.train_step(batch, trainer.nets, trainer._update)

    return trainer, step


# name -> config overrides of the seed preset (None: the plain eager step)
SETTINGS = {
    "plain eager PyTorch (nn.Dropout, fp32)": None,
    "genlab seed preset (fp32, default config)": [],
    "genlab + train.channels_last=true (fp32)": ["train.channels_last=true"],
    "genlab + train.compile=true (fp32)": ["train.compile=true"],
    "genlab + channels_last + compile (fp32)": ["train.channels_last=true", "train.compile=true"],
}


def flops_per_image(step, batch_size: int) -> float:
    with FlopCounterMode(display=False) as counter:
        step()
    return counter.get_total_flops() / batch_size


def measure(batch_size: int, settings: dict, steps: int, rounds: int, warmup: int, out: str) -> list[dict]:
    steps_of, flops = {}, {}
    for name, overrides in settings.items():
        torch.manual_seed(0)
        if overrides is None:
            plain = Plain(genlab_step([], batch_size, out)[0], batch_size)
            steps_of[name] = plain.step
        else:
            steps_of[name] = genlab_step(overrides, batch_size, out)[1]
        for _ in range(warmup):  # compile, oneDNN primitive caches, allocator
            steps_of[name]()
        if "compile" not in name:
            flops[name] = flops_per_image(steps_of[name], batch_size)
        print(f"  ready: {name}", file=sys.stderr, flush=True)
    eager_flops = flops["genlab seed preset (fp32, default config)"]
    times: dict[str, list[float]] = {name: [] for name in settings}
    for r in range(rounds):
        for name, step in steps_of.items():
            t0 = time.perf_counter()
            for _ in range(steps):
                step()
            times[name].append((time.perf_counter() - t0) / steps)
        print(f"  round {r + 1}/{rounds}: " + ", ".join(f"{batch_size / times[n][-1]:.1f}" for n in settings),
              file=sys.stderr, flush=True)
    plain_name = next(iter(settings))
    plain_rate = batch_size / statistics.median(times[plain_name])
    rows = []
    for name in settings:
        rate = batch_size / statistics.median(times[name])
        f = flops.get(name, eager_flops)  # compiled graphs execute the eager step's convs and matmuls
        rows.append({"setting": name, "batch": batch_size, "images_s": rate, "gflop_image": f / 1e9,
                     "gflops_s": rate * f / 1e9, "ratio": rate / plain_rate})
    return rows


NOTES = """\
What differs (all fp32; the same model, losses, optimizer and update order in every row):
- plain: nn.LeakyReLU + nn.Dropout (float `bernoulli_` mask), BCEWithLogitsLoss, D's weight gradients
  computed in the G step, Adam's per-tensor loop, G's Upsample + Conv2d as written.
  GFLOP/image counts its conv/matmul work (2.18).
- genlab: LeakyReLU+Dropout fused (`genlab/models/fast_ops.py`: mask from 32 random bits per unit, kept
  with P = 0.7 to within 2^-33, scaled by 1/0.7 exactly as nn.Dropout scales; one multiply forward, one
  `leaky_relu_backward` back); each nearest-upsample + 3x3 conv of G computed as one stride-2
  transposed conv with a 4x4 kernel of summed taps (`fast_ops.upsample_conv3x3`: the same function of
  the same weights in 44% of that conv's FLOPs; largest difference from the stock pair 2.2e-6 of the
  largest output, gradients within 1e-5 relative, as fp32 rounding goes); D frozen in the G step (no D
  weight gradients); the fake batch's G forward reused; fused Adam (same update, last-bit rounding
  differs). 1.55 GFLOP/image.
- `train.channels_last=true`: NHWC convolutions (oneDNN); the same math, a different summation order.
- `train.compile=true`: inductor fuses the elementwise ops; convolutions stay oneDNN calls.
- `train.precision=bf16` is not in the table: this CPU (AVX2, no AVX-512 BF16/AMX) runs bf16
  convolutions about 10x slower than fp32 (microbenchmark, 3x3 convs of this model).
"""


def table(rows: list[dict]) -> str:
    lines = ["| setting | batch | images/s | GFLOP/image | GFLOP/s | × plain |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['setting']} | {r['batch']} | {r['images_s']:.1f} | {r['gflop_image']:.2f} | "
                     f"{r['gflops_s']:.1f} | {r['ratio']:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--batch-sizes", type=int, nargs="+", default=[64, 256])
    p.add_argument("--steps", type=int, default=3, help="steps per variant per round")
    p.add_argument("--rounds", type=int, default=7, help="interleaved rounds; the median is reported")
    p.add_argument("--warmup", type=int, default=3, help="untimed steps per variant first")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--only", nargs="+", help="substrings of setting names to run (plain always runs)")
    p.add_argument("--no-write", action="store_true", help="print the table, leave RESULTS.md alone")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    settings = {k: v for k, v in SETTINGS.items()
                if v is None or not args.only or any(s in k for s in args.only)}
    rows = []
    with tempfile.TemporaryDirectory() as out:
        for b in args.batch_sizes:
            print(f"batch {b}", file=sys.stderr, flush=True)
            rows += measure(b, settings, args.steps, args.rounds, args.warmup, out)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(table(rows))
    if args.no_write:
        return
    command = "python benchmarks/train_throughput.py " + " ".join(argv if argv is not None else sys.argv[1:])
    write_section(HEADING,
        f"{HEADING}\n\n"
        f"Seed preset (`seed-dcgan-mnist`, 28x28 MNIST, d_step separate) on {platform.processor() or 'CPU'}, "
        f"torch {torch.__version__}, {args.threads} threads, load average {load:.1f} at the end "
        f"(the machine was shared: compare ratios, measured interleaved in one process, not absolute numbers).\n\n"
        f"{table(rows)}\n\nReproduce: `{command.strip()}`\n\n{NOTES}\n")


if __name__ == "__main__":
    main()
