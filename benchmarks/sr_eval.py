"""PSNR-Y / SSIM-Y of SR runs on sr-mini, beside bicubic, with the standard protocol (mod-crop, PIL
bicubic downscale, `scale` pixels cropped, outputs rounded to uint8). Run:

    python benchmarks/sr_eval.py runs/00005-edsr-x2-photos [more runs ...]
"""
from __future__ import annotations

import sys
import time

from genlab.apps.upscale import upscale_image
from genlab.data.degrade import bicubic_downscale, bicubic_upscale, mod_crop
from genlab.data.srmini import load_sr_mini
from genlab.metrics.sr import psnr_y, ssim_y
from genlab.train.run import load_run


def scores(upscale, images: dict, scale: int) -> tuple[float, float]:
    """Mean PSNR-Y and SSIM-Y of `upscale(low_res_uint8) -> uint8` over the images."""
    psnr = ssim = 0.0
    for img in images.values():
        hr = mod_crop(img, scale)
        sr = upscale(bicubic_downscale(hr, scale))
        psnr += psnr_y(sr, hr, crop=scale)
        ssim += ssim_y(sr, hr, crop=scale)
    return psnr / len(images), ssim / len(images)


def main(paths: list[str]) -> None:
    images = load_sr_mini()
    print(f"{'model':40s} scale  PSNR-Y  SSIM-Y  over bicubic  seconds")
    for path in paths:
        run = load_run(path)
        scale = run.model.scale
        base_p, base_s = scores(lambda lr: bicubic_upscale(lr, scale), images, scale)
        start = time.perf_counter()
        p, s = scores(lambda lr: upscale_image(run.model, lr), images, scale)
        seconds = time.perf_counter() - start
        print(f"{'bicubic':40s} x{scale}    {base_p:6.2f}  {base_s:.4f}")
        print(f"{path[-40:]:40s} x{scale}    {p:6.2f}  {s:.4f}  {p - base_p:+.2f} dB     {seconds:.1f}")


if __name__ == "__main__":
    main(sys.argv[1:])
