"""Gatys' style transfer at 512 px and the time it takes: one photo per painting, optimised at the full
size only and coarse to fine (`--scales 2`), each scored at the full size. Run:

    python benchmarks/gatys_large.py --photo kodim23 --styles starry-night klimt --size 512 \\
        --plans 1:120 2:60:150 --gallery docs/images/gatys-512.jpg

A plan is SCALES:STEPS[:COARSE_STEPS], the arguments of `genlab stylize --scales --steps --coarse-steps`.
The photo (an sr-mini name, never trained on) keeps its aspect, its longest side --size; the painting is
resized to the same longest side. Scores: Gatys' normalised losses on the ImageNet VGG19 (average pooling),
content at relu4_2 against the photo, style at relu1_1..relu5_1 against the painting (fast_style.py's
measure), and "photo" the unstylized photo for scale. Seconds are wall time of the whole transfer on
--threads threads, VGG19 loaded beforehand. Prints a JSON line per result and writes --json; the gallery
has a row per painting: photo | one column per plan.
"""
from __future__ import annotations

import argparse
import json
import time

import torch

from fast_style import painting_grams, scores


def parse_plan(text: str) -> dict:
    """"2:60:150" -> {"scales": 2, "steps": 60, "coarse_steps": 150}."""
    parts = text.split(":")
    if not 2 <= len(parts) <= 3 or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise argparse.ArgumentTypeError(f"plan '{text}': expected SCALES:STEPS[:COARSE_STEPS], whole numbers >= 1")
    scales, steps, *coarse = map(int, parts)
    return {"scales": scales, "steps": steps, "coarse_steps": coarse[0] if coarse else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photo", default="kodim23", help="sr-mini image name")
    parser.add_argument("--styles", nargs="+", default=["starry-night", "klimt"])
    parser.add_argument("--size", type=int, default=512, help="longest side of the output")
    parser.add_argument("--plans", nargs="+", type=parse_plan, default=[parse_plan("1:120"), parse_plan("2:60:150")])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--gallery", help="image: a row per painting: photo | one column per plan")
    parser.add_argument("--json", default="benchmarks/gatys_large.json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    from genlab.apps.stylize import style_transfer
    from genlab.data.srmini import load_sr_mini
    from genlab.data.styles import style_image
    from genlab.data.transforms import resize_longest
    from genlab.models.pretrained import load_vgg19

    vgg = load_vgg19(pooling="avg")
    photo = resize_longest(load_sr_mini([args.photo])[args.photo], args.size)
    rows, gallery = [], []
    for style in args.styles:
        painting = style_image(style)
        grams = painting_grams(vgg, painting, args.size)
        gallery.append(photo)
        for plan in args.plans:
            start = time.perf_counter()
            result = style_transfer(photo, painting, size=args.size, vgg=vgg, progress=lambda *a: None, **plan)
            seconds = time.perf_counter() - start
            row = {"photo": args.photo, "style": style, "width": photo.shape[2], "height": photo.shape[1],
                   **plan, "evaluations": len(result.history), "seconds": round(seconds, 1),
                   "threads": args.threads, "photo_losses": scores(vgg, photo, photo, grams),
                   "result": scores(vgg, result.image, photo, grams)}
            rows.append(row)
            gallery.append(result.image)
            print(json.dumps(row), flush=True)
    if args.gallery:
        from genlab.viz import save_image

        save_image(torch.stack(gallery), args.gallery, nrow=1 + len(args.plans))
        print(f"gallery: {args.gallery} (rows: {', '.join(args.styles)}; columns: photo | "
              f"{' | '.join(':'.join(str(v) for v in p.values() if v) for p in args.plans)})", flush=True)
    with open(args.json, "w") as f:
        json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
