"""Would Winograd convolutions speed up the seed discriminator on this CPU? A probe, not a feature.

    python benchmarks/conv_winograd.py                 # writes its section of benchmarks/RESULTS.md
    python benchmarks/conv_winograd.py --no-write

The seed preset's discriminator runs three 3x3 convolutions at full 28x28 resolution; the 64 -> 128 one
is most of a training step's FLOPs. Winograd's F(2x2, 3x3) (Lavin & Gray 2016) computes each 2x2 output
tile from a 4x4 input tile in 16 multiplications per channel pair instead of 36 (44%). Here it is built
from torch ops (tile transforms by strided slices, one batched matmul of 16 (K, C) x (C, tiles)
products, the inverse transform, autograd for the backward), timed against the oneDNN convolution
`F.conv2d` uses, forward and forward + backward, interleaved, median over rounds. The relative error
says what it would change numerically.
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F

from results_md import write_section

HEADING = "## Winograd convolution probe (seed discriminator)"
# (batch, in channels, out channels): the seed D's 32 -> 64 and 64 -> 128 convs, one batch and real + fake
SHAPES = [(64, 32, 64), (64, 64, 128), (128, 64, 128)]


def _transform_rows(t: torch.Tensor, dim: int, tiles: int) -> list[torch.Tensor]:
    """B^T d along `dim` for every 4-wide window at stride 2: B^T = [[1,0,-1,0],[0,1,1,0],[0,-1,1,0],[0,1,0,-1]]."""
    d = [t.narrow(dim, k, 2 * tiles - 1).unfold(dim, 1, 2).squeeze(-1) for k in range(4)]
    return [d[0] - d[2], d[1] + d[2], d[2] - d[1], d[1] - d[3]]


def winograd_f23(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None = None) -> torch.Tensor:
    """conv2d(x, w, b, padding=1) for a 3x3 kernel and even H, W, by Winograd F(2x2, 3x3)."""
    n, c, h, wd = x.shape
    k = w.shape[0]
    th, tw = h // 2, wd // 2
    xp = F.pad(x, (1, 1, 1, 1))
    v = torch.stack([col for row in _transform_rows(xp, 2, th) for col in _transform_rows(row, 3, tw)])
    v = v.transpose(1, 2).reshape(16, c, n * th * tw)                      # (16, C, tiles)
    g = torch.tensor([[1, 0, 0], [.5, .5, .5], [.5, -.5, .5], [0, 0, 1]], dtype=w.dtype, device=w.device)
    u = torch.einsum("ai,kcij,bj->abkc", g, w, g).reshape(16, k, c)        # G w G^T
    m = torch.bmm(u, v).view(4, 4, k, n, th, tw)
    rows = (m[0] + m[1] + m[2], m[1] - m[2] - m[3])                       # A^T = [[1,1,1,0],[0,1,-1,-1]]
    y = torch.stack([torch.stack([r[0] + r[1] + r[2], r[1] - r[2] - r[3]]) for r in rows])
    y = y.permute(3, 2, 4, 0, 5, 1).reshape(n, k, h, wd)                  # (N, K, 2 th, 2 tw)
    return y if b is None else y + b.view(1, -1, 1, 1)


def _fwd_bwd(conv, x, w, b):
    x, w = x.detach().requires_grad_(True), w.detach().requires_grad_(True)
    y = conv(x, w, b)
    y.backward(torch.ones_like(y))


def _direct(x, w, b):
    return F.conv2d(x, w, b, padding=1)


def verdict(speedups: list[float]) -> str:
    if max(speedups) < 1:
        return (f"Winograd is slower at every shape here (speed-up {min(speedups):.2f}-{max(speedups):.2f}): its "
                "tile transforms are memory-bound elementwise passes over 4x the activations and cost more than "
                "the multiplications saved, so it is not a faster mode for genlab on this machine.")
    return (f"Winograd is faster at some shapes here (best speed-up {max(speedups):.2f}); a fused kernel "
            "would be needed to turn that into a training mode.")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--no-write", action="store_true")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rows, speedups = [], []
    for n, c, k in SHAPES:
        x, w, b = torch.randn(n, c, 28, 28), torch.randn(k, c, 3, 3) * 0.05, torch.randn(k)
        ref = _direct(x, w, b)
        err = ((winograd_f23(x, w, b) - ref).abs().max() / ref.abs().max()).item()
        jobs = {"direct fwd": lambda: _direct(x, w, b), "winograd fwd": lambda: winograd_f23(x, w, b),
                "direct fwd+bwd": lambda: _fwd_bwd(_direct, x, w, b),
                "winograd fwd+bwd": lambda: _fwd_bwd(winograd_f23, x, w, b)}
        times = {name: [] for name in jobs}
        for fn in jobs.values():  # warm-up
            fn()
        for _ in range(args.rounds):
            for name, fn in jobs.items():
                t = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - t)
        ms = {name: 1000 * statistics.median(v) for name, v in times.items()}
        gflop = 2 * n * 28 * 28 * c * k * 9 / 1e9
        speedups.append(ms["direct fwd+bwd"] / ms["winograd fwd+bwd"])
        rows.append(f"| {n} x {c} -> {k} | {ms['direct fwd']:.1f} ({gflop / ms['direct fwd'] * 1000:.0f} GFLOP/s) "
                    f"| {ms['winograd fwd']:.1f} | {ms['direct fwd+bwd']:.1f} | {ms['winograd fwd+bwd']:.1f} "
                    f"| {speedups[-1]:.2f} | {err:.1e} |")
        print(rows[-1], flush=True)
    text = "\n".join([
        HEADING, "",
        f"3x3 convolutions of the seed discriminator at 28x28, fp32, {args.threads} threads, torch "
        f"{torch.__version__}; median of {args.rounds} interleaved rounds, in ms. Winograd F(2x2, 3x3) built "
        "from torch ops (44% of the multiplications) against the oneDNN convolution.", "",
        "| batch x C -> K | direct fwd | Winograd fwd | direct fwd+bwd | Winograd fwd+bwd | speed-up fwd+bwd "
        "| max rel. error |",
        "|---|---:|---:|---:|---:|---:|---:|", *rows, "",
        "Reproduce: `python benchmarks/conv_winograd.py`", "",
        verdict(speedups),
    ])
    if not args.no_write:
        write_section(HEADING, text)


if __name__ == "__main__":
    main()
