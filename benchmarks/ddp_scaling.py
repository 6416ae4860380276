"""Data-parallel scaling on CPU: images/s of 1 process vs N torchrun processes (gloo) at the same
global batch, for one preset. Threads are split evenly, so the ratio shows what N ranks buy on the
same cores.

    python benchmarks/ddp_scaling.py --preset dcgan-mnist --steps 60 --procs 1 2
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path


def measure(preset: str, procs: int, steps: int, batch: int, threads: int) -> float:
    out = Path(tempfile.mkdtemp(prefix="ddp-scaling-"))
    env = {**os.environ, "OMP_NUM_THREADS": str(max(1, threads // procs))}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={procs}",
           "-m", "genlab", "train", "--preset", preset, "--steps", str(steps), "--batch-size", str(batch),
           "--run-dir", str(out / "run"), "--quiet", "--set", "train.log_every=10", "--set", "train.sample_every=100000",
           "--set", "train.checkpoint_every=100000", "--set", "train.tensorboard=false"]
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    records = [json.loads(line) for line in (out / "run" / "metrics.jsonl").read_text().splitlines()]
    steady = records[len(records) // 3:]  # skip warm-up
    return sum(r["img_per_s"] for r in steady) / len(steady)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", default="dcgan-mnist")
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    p.add_argument("--procs", type=int, nargs="+", default=[1, 2])
    args = p.parse_args()
    rates = {n: measure(args.preset, n, args.steps, args.batch, args.threads) for n in args.procs}
    base = rates[args.procs[0]]
    print(f"| processes | threads each | images/s | ratio to {args.procs[0]} |\n|---:|---:|---:|---:|")
    for n, r in rates.items():
        print(f"| {n} | {max(1, args.threads // n)} | {r:.1f} | {r / base:.2f} |")


if __name__ == "__main__":
    main()
