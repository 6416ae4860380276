"""VAE / IWAE test log-likelihood on dynamically binarized MNIST (Burda et al. 2016's protocol), against
training epochs and wall time.

    python benchmarks/vae_nll.py --stages 2 5 --n 1000              # minutes of training per preset
    python benchmarks/vae_nll.py --presets vae-mlp-bmnist --stages 60 120 --n 10000   # closer to the paper

Each preset trains in stages (a resumed run, so the curve is one run); after each stage the test ELBO
(all 10,000 test images) and nll5000 (the IWAE estimate with k = 5,000 on the first --n test images,
binarized once with seed 0) are measured. Burda et al. report 86.76 (VAE) and 85.54 (IWAE, k=5) nats
after 3,280 epochs; the targets are <= 87.5 and <= 86.0.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import torch

from genlab.config import load_config
from genlab.data import load_dataset
from genlab.metrics.likelihood import elbo_test, nll_iwae
from genlab.train.loop import train

from results_md import write_report


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--presets", nargs="+", default=["vae-mlp-bmnist", "iwae-mlp-bmnist"])
    p.add_argument("--stages", nargs="+", type=float, default=[2.0, 5.0], help="cumulative training minutes")
    p.add_argument("--n", type=int, default=1000, help="test images for nll5000")
    p.add_argument("--k", type=int, default=5000)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--device", default="cpu")
    p.add_argument("--out", default="runs/bench")
    p.add_argument("--json", default="benchmarks/vae_nll.json")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    test = load_dataset("mnist", "test")
    report = {}
    for preset in args.presets:
        rows, run_path = [], None
        for minutes in args.stages:
            cfg = load_config(preset, [f"train.minutes={minutes}", "train.epochs=null", f"train.out={args.out}",
                                       f"train.device={args.device}", "train.tensorboard=false"])
            run = train(cfg, resume=run_path, progress=False)
            run_path = run.path
            t0 = time.perf_counter()
            row = {"train_minutes": round(run.summary["train_seconds"] / 60, 2), "epochs": run.summary["epochs"],
                   "steps": run.step}
            row.update(elbo_test(run.model, test.images))
            row.update(nll_iwae(run.model, test.images[:args.n], k=args.k, batch_size=10, chunk=1000))
            row["eval_seconds"] = round(time.perf_counter() - t0, 1)
            rows.append(row)
            print(preset, json.dumps(row), flush=True)
        report[preset] = {"run": str(run_path), "stages": rows, "n_nll_images": args.n, "k": args.k}
    write_report(args.json, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
