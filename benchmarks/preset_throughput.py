"""Training images/s of every GAN preset, fp32 and bf16 autocast, on this machine's device.

    python benchmarks/preset_throughput.py                          # all GAN presets, fp32 and bf16
    python benchmarks/preset_throughput.py --presets dcgan-mnist --variants fp32 --no-write
    python benchmarks/preset_throughput.py --device cuda            # fp32, bf16, fp16, with/without channels_last

A variant is a precision (fp32 | bf16 | fp16), optionally with "+cl" for channels_last memory format
and "+compile" for torch.compile (its compilation happens in the warm-up steps).

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
CUDA_HEADING = "## Training throughput per preset on CUDA"
DEFAULT_VARIANTS = {"cpu": ["fp32", "bf16"], "cuda": ["fp32", "fp32+cl", "bf16", "bf16+cl", "fp16+cl"]}
PRESETS = ["seed-dcgan-mnist", "dcgan-mnist", "cgan-mnist", "wgangp-fashion", "sngan-fashion", "dcgan-folder64"]


def random_folder(root: Path, n: int = 256, size: int = 64) -> Path:
    rng = np.random.default_rng(0)
    folder = root / "images"
    folder.mkdir()
    for i in range(n):
        Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(folder / f"{i:04d}.png")
    return folder


def make_step(preset: str, variant: str, device: str, out: str, folder: Path | None, batch_size: int | None):
    precision, *mods = variant.split("+")
    overrides = [f"train.out={out}", "train.tensorboard=false", f"train.precision={precision}",
                 f"train.device={device}", f"train.channels_last={'cl' in mods}", f"train.compile={'compile' in mods}"]
    if batch_size:
        overrides.append(f"train.batch_size={batch_size}")
    if preset == "dcgan-folder64":
        overrides.append(f"data.path={folder}")
    cfg = load_config(preset, overrides)
    trainer = Trainer(cfg, progress=False)
    images_per_step = cfg.train.batch_size * trainer.model.batches_per_step

    def step() -> None:
        batch = trainer._batch()
        with trainer._autocast():
            trainer.model.train_step(batch, trainer.nets, trainer._update)
        if device.startswith("cuda"):
            torch.cuda.synchronize()

    return step, images_per_step, cfg.train.batch_size


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--presets", nargs="+", default=PRESETS)
    p.add_argument("--variants", nargs="+", help="precisions, each optionally +cl (channels_last), +compile; "
                   "default: fp32 bf16 on a CPU, fp32 fp32+cl bf16 bf16+cl fp16+cl on CUDA")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--batch-size", type=int, help="every preset at this batch instead of its own")
    p.add_argument("--steps", type=int, default=2, help="steps per variant per round")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--no-write", action="store_true")
    args = p.parse_args(argv)
    variants_named = args.variants or DEFAULT_VARIANTS["cuda" if args.device.startswith("cuda") else "cpu"]
    for v in variants_named:
        precision, *mods = v.split("+")
        if precision not in ("fp32", "bf16", "fp16") or not set(mods) <= {"cl", "compile"}:
            p.error(f"variant '{v}' is unknown; expected fp32, bf16 or fp16, optionally followed by +cl "
                    "and/or +compile")
    torch.set_num_threads(args.threads)
    cuda = args.device.startswith("cuda")
    variants, times = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = random_folder(Path(tmp)) if "dcgan-folder64" in args.presets else None
        for preset in args.presets:
            for variant in variants_named:
                torch.manual_seed(0)
                step, images, batch = make_step(preset, variant, args.device, tmp, folder, args.batch_size)
                for _ in range(args.warmup):
                    step()
                variants[(preset, variant)] = (step, images, batch)
                times[(preset, variant)] = []
                print(f"  ready: {preset} {variant}", file=sys.stderr, flush=True)
        for r in range(args.rounds):
            for key, (step, images, _) in variants.items():
                t0 = time.perf_counter()
                for _ in range(args.steps):
                    step()
                times[key].append((time.perf_counter() - t0) / args.steps)
            print(f"  round {r + 1}/{args.rounds}", file=sys.stderr, flush=True)
    rate = {k: variants[k][1] / statistics.median(t) for k, t in times.items()}
    ratio = "fp32" in variants_named and len(variants_named) > 1  # the fastest variant against plain fp32
    lines = ["| preset | batch | " + " | ".join(f"{v} images/s" for v in variants_named)
             + (" | best / fp32 |" if ratio else " |"),
             "|---|---:|" + "---:|" * len(variants_named) + ("---:|" if ratio else "")]
    for preset in args.presets:
        row = f"| `{preset}` | {variants[(preset, variants_named[0])][2]} | "
        row += " | ".join(f"{rate[(preset, v)]:.1f}" for v in variants_named)
        if ratio:
            best = max(variants_named, key=lambda v: rate[(preset, v)])
            row += f" | {rate[(preset, best)] / rate[(preset, 'fp32')]:.2f} ({best})"
        lines.append(row + " |")
    table = "\n".join(lines)
    print(table)
    if args.no_write:
        return
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    device = torch.cuda.get_device_name() if cuda else f"{platform.processor() or 'CPU'}, {args.threads} threads"
    command = "python benchmarks/preset_throughput.py " + " ".join(argv if argv is not None else sys.argv[1:])
    heading = (CUDA_HEADING if cuda else HEADING) + (f", batch {args.batch_size}" if args.batch_size else "")
    text = (f"{heading}\n\nEach GAN preset's real training step at {'batch ' + str(args.batch_size) if args.batch_size else 'its own batch size'} on {device}, torch "
            f"{torch.__version__}, load average {load:.1f} at the end; median of {args.rounds} interleaved "
            f"rounds of {args.steps} steps. Images/s counts the real images a step consumes (WGAN-GP: "
            f"n_critic batches); +cl is channels_last, +compile torch.compile.\n\n"
            f"{table}\n\nReproduce: `{command.strip()}`\n")
    write_section(heading, text)


if __name__ == "__main__":
    main()
