"""An SR preset's GPU setting trained on an image folder for a fixed time, then scored on sr-mini.

A short probe run measures the step rate of the setting on this machine; the real run then gets as many
steps as fit in --seconds, the learning rate decaying linearly to 0 over their second half (a run cut by
train.minutes would stop before its decay ends). The folder is streamed from disk by --workers reader
processes (data.workers), as a folder larger than memory would be. Run, on a GPU:

    python benchmarks/sr_gpu.py FOLDER --out runs/gpu --seconds 300 [--workers 12] [--preset edsr-x4-photos]

The GPU setting is the EDSR paper's net and patches (width 64, depth 16, 192 px HR patches, batch 16) with
the flips and turns of data.augment; --set adds or overrides config keys. Prints the probe's rate, the
run's summary and `benchmarks/sr_eval.py RUN --self-ensemble`'s table.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

GPU_SETTING = ["model.width=64", "model.depth=16", "data.patch_size=192", "data.augment=true"]


def train(args, out: Path, limit: list[str], extra: list[str]) -> Path:
    """Run `genlab train` on the folder; returns the run folder."""
    sets = [*GPU_SETTING, "data.name=folder", f"data.path={args.folder}", f"data.workers={args.workers}",
            *args.set, *extra]
    cmd = [sys.executable, "-m", "genlab", "train", "--preset", args.preset, "--device", args.device, "--out",
           str(out), "--quiet", "--json", *limit, *(x for s in sets for x in ("--set", s))]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"genlab train failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return Path(json.loads(done.stdout)["run"])


def rate(run: Path) -> tuple[float, float]:
    """(steps per second between the first and the last logged step, steps per epoch) of a run."""
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines() if '"img_per_s"' in line]
    first, last = records[0], records[-1]
    return (last["step"] - first["step"]) / (last["time"] - first["time"]), last["step"] / last["epoch"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", help="a folder of training photos (any sizes)")
    parser.add_argument("--out", default="runs/gpu", help="parent folder of the probe and the run")
    parser.add_argument("--seconds", type=float, default=300, help="training time of the run, measured by the probe")
    parser.add_argument("--probe-steps", type=int, default=200)
    parser.add_argument("--workers", type=int, default=12)
    parser.add_argument("--preset", default="edsr-x4-photos")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--set", action="append", default=[], help="KEY=VALUE config override (repeatable)")
    parser.add_argument("--no-eval", action="store_true")
    args = parser.parse_args()
    out = Path(args.out)

    start = time.perf_counter()
    probe = train(args, out / "probe", ["--steps", str(args.probe_steps)], ["train.log_every=10"])
    steps_per_s, per_epoch = rate(probe)
    steps = max(2, int(steps_per_s * args.seconds))
    decay_epochs = round(steps / 2 / per_epoch, 3)
    print(json.dumps({"probe_steps": args.probe_steps, "steps_per_s": round(steps_per_s, 3),
                      "steps_per_epoch": round(per_epoch, 3), "run_steps": steps, "lr_decay_epochs": decay_epochs,
                      "probe_wall_s": round(time.perf_counter() - start, 1)}), flush=True)
    run = train(args, out, ["--steps", str(steps)], [f"train.lr_decay_epochs={decay_epochs}",
                                                     f"train.checkpoint_every={steps}", f"train.sample_every={steps}"])
    summary = json.loads((run / "summary.json").read_text())
    print(json.dumps({"run": str(run), "steps": summary.get("step"), "train_seconds": summary.get("train_seconds"),
                      "steps_per_s_run": rate(run)[0]}), flush=True)
    if not args.no_eval:
        subprocess.run([sys.executable, str(Path(__file__).with_name("sr_eval.py")), str(run), "--self-ensemble",
                        "--device", args.device],
                       check=True)


if __name__ == "__main__":
    main()
