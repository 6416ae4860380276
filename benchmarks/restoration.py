"""Restoration benchmark: a denoising autoencoder against classical denoisers, and autoencoder
inpainting against scikit-image's biharmonic inpainting, on the same MNIST test images (PSNR, dB).

    python benchmarks/restoration.py --minutes 4 --n 1000          # trains both DAEs, then measures
    python benchmarks/restoration.py --denoiser RUN --inpainter RUN # measures existing runs

Denoising: gaussian:0.5 noise (pixels in [0, 1], clipped), seed 0. The classical methods are a 3x3
median filter, Gaussian blur, total variation (Chambolle) and non-local means; each one's parameter is
chosen on 200 training images, so they are tuned as well as this grid allows. Inpainting: the centre
14x14 square of each 28x28 digit; PSNR on the hole only; genlab iterates encode -> decode -> paste
with a DAE trained on `block:14` corruption (one pass; --iterations passes reported too). Needs scikit-image (pip install scikit-image).
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import torch

from genlab.apps.restore import inpaint, make_mask
from genlab.config import load_config
from genlab.data import load_dataset
from genlab.data.corrupt import parse_corruption
from genlab.metrics.image import psnr
from genlab.train.loop import train
from genlab.train.run import load_run

from results_md import write_report


def to01(x: torch.Tensor) -> np.ndarray:
    return ((x[:, 0].double() + 1) / 2).numpy()  # (N, H, W) in [0, 1]


def from01(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.asarray(a, dtype=np.float64))[:, None] * 2 - 1


def mean_psnr(out01: np.ndarray, clean: torch.Tensor, mask=None) -> float:
    return float(psnr(from01(np.clip(out01, 0, 1)), clean, mask).mean())


def classical(noisy01: np.ndarray, clean: torch.Tensor, val_noisy01: np.ndarray, val_clean: torch.Tensor) -> dict:
    from scipy.ndimage import gaussian_filter, median_filter
    from skimage.restoration import denoise_nl_means, denoise_tv_chambolle

    methods = {
        "median 3x3": (lambda a, p: median_filter(a, size=(1, 3, 3)), [None]),
        "gaussian blur": (lambda a, s: gaussian_filter(a, sigma=(0, s, s)), [0.5, 0.75, 1.0, 1.25, 1.5]),
        "total variation": (lambda a, w: np.stack([denoise_tv_chambolle(i, weight=w) for i in a]),
                            [0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1.2]),
        "non-local means": (lambda a, hs: np.stack([denoise_nl_means(i, h=hs[0], sigma=hs[1], patch_size=5,
                                                                     patch_distance=6, fast_mode=True) for i in a]),
                            [(h, s) for h in (0.05, 0.1, 0.2) for s in (0.2, 0.3, 0.4)]),  # (h, sigma)
    }
    results = {}
    for name, (fn, grid) in methods.items():
        best = max(grid, key=lambda p: mean_psnr(fn(val_noisy01, p), val_clean))
        results[name] = {"psnr": mean_psnr(fn(noisy01, best), clean), "param": best}
    return results


def trained(preset: str, overrides: list[str], minutes: float, out: str):
    cfg = load_config(preset, overrides + [f"train.minutes={minutes}", "train.epochs=null", f"train.out={out}",
                                           "train.tensorboard=false", "train.sample_every=100000",
                                           "train.checkpoint_every=100000"])
    run = train(cfg, progress=False)
    return load_run(run.path), run.summary


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minutes", type=float, default=4.0, help="training time of each DAE")
    p.add_argument("--n", type=int, default=1000, help="test images measured")
    p.add_argument("--denoiser", help="an existing dae-mnist run instead of training one")
    p.add_argument("--inpainter", help="an existing run to inpaint with instead of training one")
    p.add_argument("--iterations", type=int, default=20)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", default="runs/bench")
    p.add_argument("--json", default="benchmarks/restoration.json")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    info = {}
    den, info["denoiser"] = (load_run(args.denoiser), {}) if args.denoiser else trained("dae-mnist", [], args.minutes, args.out)
    inp, info["inpainter"] = (load_run(args.inpainter), {}) if args.inpainter else trained(
        "dae-mnist", ["model.corruption=block:14"], args.minutes, args.out)

    test = load_dataset("mnist", "test")
    clean = test.images[:args.n].float() / 127.5 - 1
    val = load_dataset("mnist", "train").images[-200:].float() / 127.5 - 1
    noise = parse_corruption("gaussian:0.5")
    noisy = noise(clean, torch.Generator().manual_seed(0))[0]
    val_noisy = noise(val, torch.Generator().manual_seed(1))[0]

    t0 = time.perf_counter()
    with torch.no_grad():
        dae_out = torch.cat([den.model.reconstruct(noisy[i:i + 500]) for i in range(0, len(noisy), 500)])
    results = {"noisy input": {"psnr": float(psnr(noisy, clean).mean())},
               "genlab dae-mnist": {"psnr": float(psnr(dae_out, clean).mean())}}
    results.update(classical(to01(noisy), clean, to01(val_noisy), val))
    best_classical = max(v["psnr"] for k, v in results.items() if k not in ("noisy input", "genlab dae-mnist"))

    from skimage.restoration import inpaint_biharmonic
    known = make_mask("center", len(clean), 28, 28)
    hole = ~known
    ours = inpaint(inp.model, clean, known, iterations=1)
    ours_iter = inpaint(inp.model, clean, known, iterations=args.iterations)
    ours_gauss = inpaint(den.model, clean, known, iterations=args.iterations)
    masked01 = to01(torch.where(known, clean, torch.full_like(clean, -1.0)))
    bih = np.stack([inpaint_biharmonic(img, hole[i, 0].numpy()) for i, img in enumerate(masked01)])
    inpainting = {"genlab dae (block:14)": float(psnr(ours, clean, hole).mean()),
                  f"genlab dae (block:14), {args.iterations} passes": float(psnr(ours_iter, clean, hole).mean()),
                  f"genlab dae-mnist (gaussian:0.5), {args.iterations} passes": float(psnr(ours_gauss, clean, hole).mean()),
                  "skimage biharmonic": mean_psnr(bih, clean, hole),
                  "known pixels kept exactly": bool(torch.equal(ours[known.expand_as(ours)], clean[known.expand_as(clean)]))}
    report = {"denoising_psnr": results, "dae_margin_db": results["genlab dae-mnist"]["psnr"] - best_classical,
              "inpainting_hole_psnr": inpainting,
              "inpainting_margin_db": inpainting["genlab dae (block:14)"] - inpainting["skimage biharmonic"],
              "n_test_images": args.n, "train": info, "measure_seconds": round(time.perf_counter() - t0, 1),
              "runs": {"denoiser": str(den.path), "inpainter": str(inp.path)}}
    write_report(args.json, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
