"""Training images/s of every GAN preset, fp32 and bf16 autocast, on this machine's device.

    python benchmarks/preset_throughput.py                          # all GAN presets, fp32 and bf16
    python benchmarks/preset_throughput.py --presets dcgan-mnist --precisions fp32 --no-write

Each preset runs its real training step (a `Trainer` driving `GAN.train_step`, as `genlab train`
does) at its own batch size. A preset's images/s counts the real images one step consumes (for
WGAN-GP that is n_critic batches). `dcgan-folder64` trains on a temporary folder of random 64 px RGB
images (only the speed matters here). Variants are interleaved (A B C A B C ...) and each number is the
median over rounds, so a busy machine slows all of them alike. Writes the "Training throughput per
preset" section of benchmarks/RESULTS.md.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from genlab.config import load_config
from genlab.train.loop import Trainer

from results_md import write_section

HEADING = "## Training throughput per preset"
PRESETS = ["seed-dcgan-mnist", "dcgan-mnist", "cgan-mnist", "wgangp-fashion", "sngan-fashion", "dcgan-folder64"]


def random_folder(root: Path, n: int = 256, size: int = 64) -> Path:
    rng = np.random.default_rng(0)
    folder = root / "images"
    folder.mkdir()
    for i in range(n):
        Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(folder / f"{i:04d}.png")
    return folder


def make_step(preset: str, precision: str, device: str, out: str, folder: Path | None):
    overrides = [f"train.out={out}", "train.tensorboard=false", f"train.precision={precision}",
                 f"train.device={device}"]
    if preset == "dcgan-folder64":
        overrides.append(f"data.path={folder}")
    cfg = load_config(preset, overrides)
    if device == "cuda":
        cfg = load_config(preset, [*overrides, "train.channels_last=true"])
    trainer = Trainer(cfg, progress=False)
    images_per_step = cfg.train.batch_size * trainer.model.batches_per_step

    def step() -> None:
        batch = trainer._batch()
        with trainer._autocast():
            trainer.model.train_step(batch, trainer.nets, trainer._update)
        if device == "cuda":
            torch.cuda.synchronize()

    return step, images_per_step, cfg.train.batch_size


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--presets", nargs="+", default=PRESETS)
    p.add_argument("--precisions", nargs="+", default=["fp32", "bf16"])
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--steps", type=int, default=2, help="steps per variant per round")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--no-write", action="store_true")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    variants, times = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = random_folder(Path(tmp)) if "dcgan-folder64" in args.presets else None
        for preset in args.presets:
            for precision in args.precisions:
                torch.manual_seed(0)
                step, images, batch = make_step(preset, precision, args.device, tmp, folder)
                for _ in range(args.warmup):
                    step()
                variants[(preset, precision)] = (step, images, batch)
                times[(preset, precision)] = []
                print(f"  ready: {preset} {precision}", file=sys.stderr, flush=True)
        for r in range(args.rounds):
            for key, (step, images, _) in variants.items():
                t0 = time.perf_counter()
                for _ in range(args.steps):
                    step()
                times[key].append((time.perf_counter() - t0) / args.steps)
            print(f"  round {r + 1}/{args.rounds}", file=sys.stderr, flush=True)
    rate = {k: variants[k][1] / statistics.median(t) for k, t in times.items()}
    lines = ["| preset | batch | " + " | ".join(f"{pr} images/s" for pr in args.precisions)
             + (" | bf16 / fp32 |" if {"fp32", "bf16"} <= set(args.precisions) else " |"),
             "|---|---:|" + "---:|" * len(args.precisions) + ("---:|" if {"fp32", "bf16"} <= set(args.precisions) else "")]
    for preset in args.presets:
        row = f"| `{preset}` | {variants[(preset, args.precisions[0])][2]} | "
        row += " | ".join(f"{rate[(preset, pr)]:.1f}" for pr in args.precisions)
        if {"fp32", "bf16"} <= set(args.precisions):
            row += f" | {rate[(preset, 'bf16')] / rate[(preset, 'fp32')]:.2f}"
        lines.append(row + " |")
    table = "\n".join(lines)
    print(table)
    if args.no_write:
        return
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    device = torch.cuda.get_device_name() if args.device == "cuda" else f"{platform.processor() or 'CPU'}, {args.threads} threads"
    command = "python benchmarks/preset_throughput.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = (f"{HEADING}\n\nEach GAN preset's real training step at its own batch size on {device}, torch "
            f"{torch.__version__}, load average {load:.1f} at the end; median of {args.rounds} interleaved "
            f"rounds of {args.steps} steps. Images/s counts the real images a step consumes (WGAN-GP: "
            f"n_critic batches).{' channels_last on CUDA.' if args.device == 'cuda' else ''}\n\n"
            f"{table}\n\nReproduce: `{command.strip()}`\n")
    write_section(HEADING, text)


if __name__ == "__main__":
    main()
