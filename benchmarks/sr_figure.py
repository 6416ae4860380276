"""The README's SR figure: the same crops of sr-mini images upscaled by bicubic and by each run, beside the
ground truth, one row per image, with each column's PSNR-Y over the whole image. Run:

    python benchmarks/sr_figure.py runs/00001-edsr-x4-photos runs/00002-srgan-x4-photos \
        --labels EDSR SRGAN --out docs/images/sr-x4-crops.png
"""
from __future__ import annotations

import argparse

import numpy as np
import torch
from PIL import Image, ImageDraw

from genlab.apps.upscale import upscale_image
from genlab.data.degrade import bicubic_downscale, bicubic_upscale, mod_crop
from genlab.data.srmini import load_sr_mini
from genlab.metrics.sr import psnr_y
from genlab.train.run import load_run

CROPS = {"set5_butterfly": (60, 40), "set14_barbara": (300, 20), "kodim23": (330, 140)}  # (x, y) of each crop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+")
    parser.add_argument("--labels", nargs="+", help="column titles of the runs (default: their folder names)")
    parser.add_argument("--size", type=int, default=128, help="crop side in HR pixels")
    parser.add_argument("--zoom", type=int, default=2, help="nearest-neighbour zoom of the crops")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    runs = [load_run(p) for p in args.runs]
    scale = runs[0].model.scale
    labels = ["bicubic"] + (args.labels or [r.path.name for r in runs]) + ["ground truth"]
    images = load_sr_mini(list(CROPS))
    rows = []
    for name, (x, y) in CROPS.items():
        hr = mod_crop(images[name], scale)
        lr = bicubic_downscale(hr, scale)
        outs = [bicubic_upscale(lr, scale)] + [upscale_image(r.model, lr) for r in runs] + [hr]
        crops = [o[:, y:y + args.size, x:x + args.size] for o in outs]
        titles = [f"{t} {psnr_y(o, hr, crop=scale):.2f} dB" if t != "ground truth" else t
                  for t, o in zip(labels, outs)]
        rows.append((crops, titles))
    cell, pad, head = args.size * args.zoom, 4, 16
    sheet = Image.new("RGB", (len(labels) * (cell + pad) + pad, len(rows) * (cell + head + pad) + pad), "white")
    draw = ImageDraw.Draw(sheet)
    for r, (crops, titles) in enumerate(rows):
        top = pad + r * (cell + head + pad)
        for c, (crop, title) in enumerate(zip(crops, titles)):
            left = pad + c * (cell + pad)
            draw.text((left, top), title, fill="black")
            tile = Image.fromarray(crop.permute(1, 2, 0).numpy()).resize((cell, cell), Image.NEAREST)
            sheet.paste(tile, (left, top + head))
    sheet.save(args.out, optimize=True)
    print(f"wrote {args.out}: x{scale}, columns {', '.join(labels)}")


if __name__ == "__main__":
    main()
