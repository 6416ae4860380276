"""Fast style transfer against Gatys' optimisation: content and Gram style losses of both results on the same
photos, and the speed of one forward pass at 512x512. Run:

    python benchmarks/fast_style.py --run runs/fast-style-starry-night --size 256 --gatys-steps 150 \\
        --gallery docs/images/fast-style-gallery.jpg
    python benchmarks/fast_style.py --run RUN --speed-only --threads 2        # images/s at 512x512

Photos: square centre crops of sr-mini images (never trained on), resized to --size. Both results are
scored with the same measure: Gatys' normalised losses (models/losses.py) on the ImageNet VGG19 with
average pooling, content at relu4_2 against the photo, style at relu1_1..relu5_1 against the run's
painting at --size longest side; "photo" is the unstylized photo, for scale. Prints a JSON line per photo
and writes --json.
"""
from __future__ import annotations

import argparse
import json
import time

import torch

PHOTOS = ("kodim23", "kodim03", "kodim19")
CONTENT_LAYERS = ("relu4_2",)
STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")


def square(image: torch.Tensor, size: int) -> torch.Tensor:
    """uint8 (3, H, W) -> its centre square resized to size x size (uint8)."""
    from genlab.apps.stylize import resize_longest

    _, h, w = image.shape
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    return resize_longest(image[:, top:top + side, left:left + side].contiguous(), size)


def scores(vgg, image: torch.Tensor, photo: torch.Tensor, style_grams: dict) -> dict:
    """Gatys' normalised content and style losses of uint8 `image` against `photo` and the style's Grams."""
    from genlab.models.losses import content_loss, gram_matrix, style_loss

    x, p = (im[None].float() / 127.5 - 1 for im in (image, photo))
    with torch.no_grad():
        feats = vgg(x, CONTENT_LAYERS + STYLE_LAYERS)
        targets = vgg(p, CONTENT_LAYERS)
        return {"content": content_loss(feats, targets).item(), "style": style_loss(feats, style_grams).item()}


def speed(run, size: int, reps: int, warmup: int) -> tuple[float, float]:
    """(images per second of wall time, CPU seconds per image) of one forward pass at size x size, batch 1
    (AdaIN: its style encoded each time). On a shared machine the wall time depends on the other jobs;
    the CPU seconds (all threads together) much less so."""
    x = torch.rand(1, 3, size, size) * 2 - 1
    style = torch.rand(1, 3, 256, 256) * 2 - 1 if run.config.model.net == "adain" else None
    with torch.no_grad():
        for _ in range(warmup):
            run.model.stylize(x, style)
        start, cpu = time.perf_counter(), time.process_time()
        for _ in range(reps):
            run.model.stylize(x, style)
    return reps / (time.perf_counter() - start), (time.process_time() - cpu) / reps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", nargs="+", required=True, help="trained johnson style runs (and/or adain for speed)")
    parser.add_argument("--size", type=int, default=256, help="side of the square photos for the loss comparison")
    parser.add_argument("--speed-size", type=int, default=512)
    parser.add_argument("--gatys-steps", type=int, default=150)
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--photos", nargs="+", default=list(PHOTOS), help="sr-mini image names")
    parser.add_argument("--speed-only", action="store_true")
    parser.add_argument("--gallery", help="PNG: a row per photo: photo, then fast | Gatys per johnson run")
    parser.add_argument("--json", default="benchmarks/fast_style.json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    from genlab.apps.fast_stylize import stylize_with_run
    from genlab.apps.stylize import resize_longest, style_transfer
    from genlab.data.srmini import load_sr_mini
    from genlab.data.styles import style_image
    from genlab.models.losses import gram_matrix
    from genlab.models.pretrained import load_vgg19
    from genlab.train.run import load_run

    runs = [load_run(r) for r in args.run]
    results = {"threads": args.threads, "speed": [], "losses": []}
    for run in runs:
        ips, cpu = speed(run, args.speed_size, args.reps, args.warmup)
        row = {"run": run.path.name, "net": run.config.model.net, "width": run.config.model.width,
               "step": run.step, "size": args.speed_size, "images_per_s": round(ips, 3),
               "seconds_per_image": round(1 / ips, 3), "cpu_seconds_per_image": round(cpu, 3),
               "images_per_s_if_threads_were_free": round(args.threads / cpu, 3)}
        results["speed"].append(row)
        print(json.dumps(row), flush=True)
    if not args.speed_only:
        vgg = load_vgg19(pooling="avg")
        photos = load_sr_mini(args.photos)
        gallery = []
        for name in args.photos:
            photo = square(photos[name], args.size)
            gallery.append(photo)
            for run in (r for r in runs if r.config.model.net == "johnson"):
                painting = style_image(run.config.model.style)
                with torch.no_grad():
                    feats = vgg(resize_longest(painting, args.size)[None].float() / 127.5 - 1, STYLE_LAYERS)
                grams = {k: gram_matrix(v) for k, v in feats.items()}
                fast = stylize_with_run(run, photo)
                start = time.perf_counter()
                gatys = style_transfer(photo, painting, size=args.size, steps=args.gatys_steps, vgg=vgg,
                                       progress=lambda *a: None)
                gatys_s = time.perf_counter() - start
                row = {"photo": name, "style": run.config.model.style, "run": run.path.name, "step": run.step,
                       "size": args.size, "photo_losses": scores(vgg, photo, photo, grams),
                       "fast": {**scores(vgg, fast.image, photo, grams), "seconds": round(fast.seconds, 3)},
                       "gatys": {**scores(vgg, gatys.image, photo, grams), "seconds": round(gatys_s, 1),
                                 "steps": args.gatys_steps}}
                results["losses"].append(row)
                print(json.dumps(row), flush=True)
                gallery += [fast.image, gatys.image]
        if args.gallery:
            from genlab.viz import save_image
            columns = 1 + 2 * sum(r.config.model.net == "johnson" for r in runs)
            save_image(torch.stack(gallery), args.gallery, nrow=columns)
    with open(args.json, "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
