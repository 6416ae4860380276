"""PSNR-Y / SSIM-Y (and, with --kid, the patch KID) of SR runs on sr-mini, beside the baselines at each run's
scale, through the same paired protocols as `genlab eval`. Gains are over PIL's bicubic (MATLAB's kernel,
a = -0.5: the papers' baseline); torch's bicubic (a = -0.75, what the SR nets start from) and an unsharp
mask over it are listed too. Run:

    python benchmarks/sr_eval.py runs/00005-edsr-x2-photos [more runs ...] [--kid] [--self-ensemble]
    python benchmarks/sr_eval.py --baselines 2 3 4
"""
from __future__ import annotations

import argparse
import time

from genlab.apps.upscale import upscale_image
from genlab.data.degrade import bicubic_upscale
from genlab.data.srmini import sr_test_pairs
from genlab.metrics import evaluate_paired
from genlab.models.sr import SR, SRConfig
from genlab.train.run import load_run


def measure(name: str, upscale, scale: int, protocols: str) -> dict:
    start = time.perf_counter()
    results = evaluate_paired(upscale, sr_test_pairs(scale), protocols)
    return {"model": name, "scale": scale, **results, "seconds": time.perf_counter() - start}


def of_model(model, ensemble: bool = False):
    return lambda image: upscale_image(model, image, ensemble=ensemble)


def baselines(scale: int, protocols: str) -> list[dict]:
    """PIL's bicubic (with kid_patches when asked), then torch's bicubic and an unsharp mask (PSNR/SSIM only)."""
    pil = measure("bicubic (PIL)", lambda image: bicubic_upscale(image, scale), scale, protocols)
    return [pil] + [measure(f"{net} (torch)", of_model(SR(SRConfig(net=net, scale=scale), img_channels=3)), scale,
                            "psnr_y,ssim_y") for net in ("bicubic", "unsharp")]


def row(r: dict, base: float) -> str:
    kid = f" {r['kid_patches_mean'] * 1000:8.2f}" if "kid_patches_mean" in r else ""
    return (f"{r['model'][-36:]:36s} x{r['scale']}  {r['psnr_y']:6.2f}  {r['ssim_y']:.4f}  "
            f"{r['psnr_y'] - base:+6.2f}{kid}  {r['seconds']:6.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="*")
    parser.add_argument("--baselines", nargs="*", type=int, default=[], help="also these scales' baselines alone")
    parser.add_argument("--kid", action="store_true", help="also kid_patches (Inception on ~840 patches per model)")
    parser.add_argument("--self-ensemble", action="store_true",
                        help="also each run with the 8-way geometric self-ensemble (EDSR+), as a second row")
    parser.add_argument("--device", default="cpu", help="where the runs' nets run (cpu, cuda)")
    args = parser.parse_args()
    protocols = "psnr_y,ssim_y" + (",kid_patches" if args.kid else "")
    print(f"{'model':36s} scale PSNR-Y  SSIM-Y  vs bicubic{' KIDx1e3' if args.kid else ''}  seconds")
    done: dict[int, float] = {}
    for scale in args.baselines:
        rows = baselines(scale, protocols)
        done[scale] = rows[0]["psnr_y"]
        print("\n".join(row(r, done[scale]) for r in rows))
    for path in args.runs:
        run = load_run(path, args.device)
        scale = run.model.scale
        if scale not in done:
            rows = baselines(scale, protocols)
            done[scale] = rows[0]["psnr_y"]
            print("\n".join(row(r, done[scale]) for r in rows))
        print(row(measure(path, of_model(run.model), scale, protocols), done[scale]))
        if args.self_ensemble:
            print(row(measure(path + " +ensemble", of_model(run.model, True), scale, protocols), done[scale]))


if __name__ == "__main__":
    main()
