"""Images/s of the FID feature network: the shipped TorchScript vs genlab's eager re-implementation.

    .venv/bin/python benchmarks/inception_speed.py                      # 2 threads, batch 8,16,32
    .venv/bin/python benchmarks/inception_speed.py --batch-sizes 16 --images 64

Prints a markdown table (the "Inception feature extraction speed" section of benchmarks/RESULTS.md; --out FILE also writes it). Each number is the best of --reps timed passes over --images
images (best, not mean, because a shared machine only ever slows a pass down); the preprocessing
(28 -> 299 resize) is included. The load average is recorded: numbers taken under load are low.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import torch

from genlab.errors import GenlabError
from genlab.metrics.features import preprocess
from genlab.metrics.inception import InceptionV3FID, load_source_state_dict, torchscript_path
from genlab.metrics.onnx_backend import OnnxInception


def load_torchscript() -> torch.nn.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return torch.jit.load(str(torchscript_path()), map_location="cpu").eval()


def variants(example: torch.Tensor) -> dict[str, tuple[torch.nn.Module, torch.memory_format]]:
    state = load_source_state_dict()
    eager = InceptionV3FID().load_source(state).eval().requires_grad_(False)
    eager_cl = InceptionV3FID().load_source(state).eval().requires_grad_(False)
    eager_cl = eager_cl.to(memory_format=torch.channels_last)
    with torch.inference_mode():
        frozen = torch.jit.freeze(torch.jit.trace(eager_cl, example.contiguous(
            memory_format=torch.channels_last)))
    found = {
        "shipped TorchScript (NCHW)": (load_torchscript(), torch.contiguous_format),
        "eager, folded BN + merged 1x1, NCHW": (eager, torch.contiguous_format),
        "eager, folded BN + merged 1x1, channels_last (genlab)": (eager_cl, torch.channels_last),
        "eager channels_last, jit.trace + freeze": (frozen, torch.channels_last),
    }
    runtime = onnxruntime_net()
    if runtime is not None:
        found[runtime[0]] = (runtime[1], torch.contiguous_format)
    return found


def onnxruntime_net():
    """genlab's onnxruntime feature backend (`genlab eval --backend onnxruntime`); None when the onnx
    extra is not installed (`pip install 'genlab[onnx]'`)."""
    try:
        net = OnnxInception(torch.get_num_threads())
    except GenlabError as missing:
        print(f"{missing}: no ONNX Runtime row", file=sys.stderr)
        return None
    return f"ONNX Runtime {net.version} (genlab --backend onnxruntime)", net


def images_per_second(net, fmt, images: torch.Tensor, batch_size: int, reps: int) -> float:
    def one_pass():
        for i in range(0, len(images), batch_size):
            x = preprocess(images[i:i + batch_size]).contiguous(memory_format=fmt)
            net(x)

    best = float("inf")
    with torch.inference_mode():
        net(preprocess(images[:batch_size]).contiguous(memory_format=fmt))  # warm-up: oneDNN primitives
        for _ in range(reps):
            start = time.perf_counter()
            one_pass()
            best = min(best, time.perf_counter() - start)
    return len(images) / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-sizes", default="8,16,32")
    parser.add_argument("--images", type=int, default=32, help="images per timed pass")
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--out", default=None, help="also write the table to this file")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    batch_sizes = [int(b) for b in args.batch_sizes.split(",")]

    g = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (args.images, 1, 28, 28), generator=g, dtype=torch.uint8)
    check = torch.cat([preprocess(images[:4]), preprocess(
        torch.randint(0, 256, (4, 3, 32, 32), generator=g, dtype=torch.uint8))])
    nets = variants(check[:2])
    load_before = os.getloadavg()[0]

    with torch.inference_mode():
        reference = nets["shipped TorchScript (NCHW)"][0](check)
    rows = []
    for name, (net, fmt) in nets.items():
        with torch.inference_mode():
            feats = net(check.contiguous(memory_format=fmt))
        rel = float(((feats - reference).norm(dim=1) / reference.norm(dim=1)).max())
        speeds = {}
        for bs in batch_sizes:
            speeds[bs] = images_per_second(net, fmt, images, bs, args.reps)
            print(f"{name:55s} bs {bs:3d}: {speeds[bs]:6.2f} img/s  (rel. diff {rel:.1e})",
                  file=sys.stderr, flush=True)
        rows.append((name, speeds, rel))
    load_after = os.getloadavg()[0]

    lines = [
        "# Inception feature extraction speed (FID network, fp32)",
        "",
        f"Command: `.venv/bin/python benchmarks/inception_speed.py --threads {args.threads} "
        f"--batch-sizes {args.batch_sizes} --images {args.images} --reps {args.reps}`",
        "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"torch {torch.__version__}, {args.threads} threads; load average {load_before:.2f} before, "
        f"{load_after:.2f} after (other work on the machine lowers every number).",
        "Images/s include the 28 -> 299 resize; best of the timed passes. 'rel. diff' is the largest "
        "per-image ||f - f_shipped|| / ||f_shipped|| over 8 images.",
        "",
        "| network | " + " | ".join(f"bs {b}" for b in batch_sizes) + " | rel. diff | fid10k, 20k images |",
        "|---|" + "---|" * len(batch_sizes) + "---|---|",
    ]
    for name, speeds, rel in rows:
        best = max(speeds.values())
        lines.append(f"| {name} | " + " | ".join(f"{speeds[b]:.2f}" for b in batch_sizes)
                     + f" | {rel:.1e} | {20_000 / best / 60:.0f} min |")
    lines += ["", "fid10k extracts 10k generated + 10k reference images; the reference statistics are "
              "cached after the first run, so later runs take half the time."]
    print("\n".join(lines))
    if args.out:
        Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
