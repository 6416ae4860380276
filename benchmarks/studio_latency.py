"""Latency of the studio's HTTP API on a CPU: a 64-image sample grid from a DCGAN run and one frame of
the interpolation slider, measured through HTTP against a real uvicorn server, as a browser asks.

    .venv/bin/python benchmarks/studio_latency.py                     # a dcgan-mnist run made here (2 steps)
    .venv/bin/python benchmarks/studio_latency.py --run runs/00012-dcgan-mnist --repeats 50 --no-write

Latency does not depend on how well a run is trained, so without --run the script trains the
`dcgan-mnist` preset (full width: the DCGAN of Radford et al.) for 2 steps on random images in a
temporary folder. Each request is timed from sending it to reading the whole PNG; the numbers are the
median and the 90th percentile over --repeats requests after --warmup ones (different seeds or slider
positions each time, so nothing is cached). Targets: grid <= 1 s, frame <= 100 ms on 2 CPU cores.
Writes the "Studio latency" section of benchmarks/RESULTS.md.
"""
from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np
import torch

from results_md import write_section

HEADING = "## Studio latency"


def make_run(folder: Path) -> Path:
    from genlab.config import load_config
    from genlab.train.loop import train

    rng = np.random.default_rng(0)
    np.savez(folder / "d.npz", x=(rng.random((128, 28, 28)) * 255).astype(np.uint8))
    cfg = load_config("dcgan-mnist", ["data.name=npz", f"data.path={folder / 'd.npz'}", "train.steps=2",
                                      "train.epochs=null", "train.lr_decay_epochs=0", f"train.out={folder / 'runs'}",
                                      "train.tensorboard=false", "train.n_samples=16"])
    return train(cfg, progress=False).path


def serve(runs: Path):
    import uvicorn

    from genlab.studio.server import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(runs), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    return server, f"http://127.0.0.1:{port}"


def timed(url: str) -> float:
    start = time.perf_counter()
    with urllib.request.urlopen(url) as response:
        body = response.read()
    assert body[:4] == b"\x89PNG", url
    return time.perf_counter() - start


def measure(urls: list[str], warmup: int) -> dict:
    for u in urls[:warmup]:
        timed(u)
    times = sorted(timed(u) for u in urls[warmup:])
    return {"median_ms": 1000 * statistics.median(times), "p90_ms": 1000 * times[int(0.9 * (len(times) - 1))],
            "n": len(times)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--run", help="a DCGAN run folder (default: make one in a temporary folder)")
    p.add_argument("--repeats", type=int, default=30)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--threads", type=int, default=2, help="torch threads (default 2: the target's 2 cores)")
    p.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(args.run) if args.run else make_run(Path(tmp))
        server, base = serve(run.parent)
        name = run.name
        n = args.warmup + args.repeats
        grid = measure([f"{base}/api/runs/{name}/sample.png?seeds={64 * i}-{64 * i + 63}&nrow=8" for i in range(n)],
                       args.warmup)
        frame = measure([f"{base}/api/runs/{name}/interpolate.png?from=0&to=1&slerp=1&t={(i % 100) / 100:.2f}"
                         for i in range(n)], args.warmup)
        server.should_exit = True
    load = os.getloadavg()[0]
    rows = [("64-image sample grid (8x8 PNG)", grid, 1000), ("one interpolation frame (slerp, 28x28 PNG)", frame, 100)]
    table = "\n".join(f"| {what} | {r['median_ms']:.0f} | {r['p90_ms']:.0f} | {target} | {'met' if r['median_ms'] <= target else 'not met'} |"
                      for what, r, target in rows)
    command = "python benchmarks/studio_latency.py" + (f" --repeats {args.repeats}" if args.repeats != 30 else "")
    text = (f"{HEADING}\n\nThe studio's HTTP API against a uvicorn server in the same process, urllib as the client, "
            f"`dcgan-mnist` generator (full width), CPU, torch {torch.__version__}, {args.threads} threads, "
            f"{platform.machine()}; {args.repeats} requests after {args.warmup} warm-up ones, a new seed range or "
            f"slider position each time. Load average {load:.1f} at the end (other work was running on the same 2 "
            "cores: absolute numbers move with it).\n\n"
            "| request | median ms | p90 ms | target ms | target |\n|---|---:|---:|---:|---|\n"
            f"{table}\n\nReproduce: `{command}`\n")
    print(text)
    if not args.no_write:
        write_section(HEADING, text)


if __name__ == "__main__":
    sys.exit(main())
