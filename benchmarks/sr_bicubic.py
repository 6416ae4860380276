"""Print the bicubic SR baseline (PSNR-Y / SSIM-Y, `scale` crop) on every sr-mini image at x2, x3 and x4."""
from __future__ import annotations

from genlab.data.degrade import bicubic_downscale, bicubic_upscale, mod_crop
from genlab.data.srmini import load_sr_mini
from genlab.metrics.sr import psnr_y, ssim_y


def main() -> None:
    images = load_sr_mini()
    print(f"{'image':16s}" + "".join(f"  x{s} PSNR-Y  SSIM-Y" for s in (2, 3, 4)))
    totals = {s: [0.0, 0.0] for s in (2, 3, 4)}
    for name, img in images.items():
        row = f"{name:16s}"
        for s in (2, 3, 4):
            hr = mod_crop(img, s)
            sr = bicubic_upscale(bicubic_downscale(hr, s), s)
            p, q = psnr_y(sr, hr, crop=s), ssim_y(sr, hr, crop=s)
            totals[s][0] += p
            totals[s][1] += q
            row += f"  {p:9.2f}  {q:.4f}"
        print(row)
    n = len(images)
    print(f"{'mean':16s}" + "".join(f"  {t[0] / n:9.2f}  {t[1] / n:.4f}" for t in totals.values()))


if __name__ == "__main__":
    main()
