"""Fast style transfer (Johnson et al. 2016; AdaIN) against Gatys' optimisation: content and Gram style losses
of each result on the same photos and paintings, and the speed of one forward pass at 512x512. Run:

    python benchmarks/fast_style.py --run runs/fast-style-starry-night --size 256 --gatys-steps 150 \\
        --gallery docs/images/fast-style-gallery.jpg
    python benchmarks/fast_style.py --run RUN_ADAIN [RUN_JOHNSON ...] --styles starry-night klimt \\
        --gatys-cache ~/.cache/genlab/bench/gatys --gallery docs/images/style-gallery.jpg
    python benchmarks/fast_style.py --run RUN --speed-only --threads 2        # images/s at 512x512
    (--alpha-strip FILE with an AdaIN run: its --alpha trade-off on the first photo)

Photos: square centre crops of sr-mini images (never trained on), resized to --size. Every result is
scored with the same measure: Gatys' normalised losses (models/losses.py) on the ImageNet VGG19 with
average pooling, content at relu4_2 against the photo, style at relu1_1..relu5_1 against the painting at
--size longest side; "photo" is the unstylized photo, for scale. "total" is Gatys' whole objective (content
+ 10 style + 0.01 total variation, his defaults here); "gatys_evals" is Johnson et al.'s comparison: the
first L-BFGS evaluation at which Gatys' own objective is as low as the fast result's ("> N" if it never
is within --gatys-steps). A johnson run stylizes only its own
painting; an AdaIN run any (the painting is its style input, alpha 1). The gallery has a row per painting
and photo: photo | Gatys | johnson | AdaIN (grey where no run covers the painting; a run of the same net and
painting as an earlier one gets a column, and JSON key, of its own: "johnson:RUN"). Prints a JSON line per
row and writes --json.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

PHOTOS = ("kodim23", "kodim03", "kodim19")
CONTENT_LAYERS = ("relu4_2",)
STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
ALPHAS = (0.0, 0.25, 0.5, 0.75, 1.0)
WEIGHTS = {"content_weight": 1.0, "style_weight": 10.0, "tv_weight": 0.01}  # Gatys' objective, both here and there


def square(image: torch.Tensor, size: int) -> torch.Tensor:
    """uint8 (3, H, W) -> its centre square resized to size x size (uint8)."""
    from genlab.data.transforms import resize_longest

    _, h, w = image.shape
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    return resize_longest(image[:, top:top + side, left:left + side].contiguous(), size)


def scores(vgg, image: torch.Tensor, photo: torch.Tensor, style_grams: dict) -> dict:
    """Gatys' normalised content and style losses of uint8 `image` against `photo` and the style's Grams, and
    his whole objective ("total", WEIGHTS)."""
    from genlab.models.losses import content_loss, style_loss, total_variation

    x, p = (im[None].float() / 127.5 - 1 for im in (image, photo))
    with torch.no_grad():
        feats = vgg(x, CONTENT_LAYERS + STYLE_LAYERS)
        targets = vgg(p, CONTENT_LAYERS)
        c, s, tv = content_loss(feats, targets).item(), style_loss(feats, style_grams).item(), total_variation(x).item()
    total = WEIGHTS["content_weight"] * c + WEIGHTS["style_weight"] * s + WEIGHTS["tv_weight"] * tv
    return {"content": c, "style": s, "total": round(total, 5)}


def gatys_evals(history: list[float], total: float) -> int | str:
    """The first evaluation (1-based) at which Gatys' objective `history` is at most `total`, else "> N"."""
    return next((i + 1 for i, h in enumerate(history) if h <= total), f"> {len(history)}")


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


def painting_grams(vgg, painting: torch.Tensor, size: int) -> dict:
    """Gram matrices of `painting` (uint8) at `size` longest side, at STYLE_LAYERS."""
    from genlab.data.transforms import resize_longest
    from genlab.models.losses import gram_matrix

    with torch.no_grad():
        feats = vgg(resize_longest(painting, size)[None].float() / 127.5 - 1, STYLE_LAYERS)
    return {k: gram_matrix(v) for k, v in feats.items()}


def gatys_cached(photo: torch.Tensor, painting: torch.Tensor, key: str, args,
                 vgg) -> tuple[torch.Tensor, float, list[float]]:
    """Gatys' result for `photo` in `painting`'s style, the seconds it took and his objective at each
    evaluation, from --gatys-cache when that holds them (KEY.png + KEY.json; the cache is keyed by photo,
    style, size and steps only: clear it when the optimiser changes; an entry without the objective's
    history, from before it was kept, is computed again)."""
    from genlab.apps.stylize import style_transfer
    from genlab.data.images import read_image
    from genlab.io import write_json
    from genlab.viz import save_image

    png = json_path = None
    if args.gatys_cache:
        png, json_path = (Path(args.gatys_cache) / f"{key}{ext}" for ext in (".png", ".json"))
        cached = json.loads(json_path.read_text()) if png.exists() and json_path.exists() else {}
        if "history" in cached:
            return read_image(png, "RGB"), cached["seconds"], cached["history"]
    start = time.perf_counter()
    result = style_transfer(photo, painting, size=args.size, steps=args.gatys_steps, vgg=vgg,
                            progress=lambda *a: None, **WEIGHTS)
    seconds = round(time.perf_counter() - start, 1)
    history = [round(h["total"], 5) for h in result.history]
    if png is not None:
        png.parent.mkdir(parents=True, exist_ok=True)
        save_image(result.image.permute(1, 2, 0).contiguous().numpy(), png)
        write_json(json_path, {"seconds": seconds, "history": history})
    return result.image, seconds, history


def column_keys(runs) -> list[str]:
    """A gallery column (and JSON key) per run: its net's name, shared by runs of that net that cover different
    paintings (a johnson run per painting: one "johnson" column); "net:RUN" for a run whose paintings a run
    before it in that column already covers (two johnson runs of one painting: a column each)."""
    keys, covered = [], {}
    for run in runs:
        net = run.config.model.net
        paintings = {run.config.model.style} if net == "johnson" else set(run.config.model.styles) | {"*"}
        taken = covered.get(net, set())
        key = net if not (taken & paintings or "*" in taken) else f"{net}:{run.path.name}"
        covered.setdefault(key, set()).update(paintings)
        keys.append(key)
    return keys


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", nargs="*", default=[], help="trained style runs: johnson and/or adain (none: Gatys "
                                                              "alone, with --styles)")
    parser.add_argument("--size", type=int, default=256, help="side of the square photos for the loss comparison")
    parser.add_argument("--speed-size", type=int, default=512)
    parser.add_argument("--gatys-steps", type=int, default=150, help="L-BFGS evaluations; 0 leaves Gatys out")
    parser.add_argument("--gatys-cache", help="folder that keeps Gatys' results between calls (PNG + seconds)")
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--photos", nargs="+", default=list(PHOTOS), help="sr-mini image names")
    parser.add_argument("--styles", nargs="+", help="paintings (default: the runs' own: a johnson run's style, an "
                                                     "adain run's training styles)")
    parser.add_argument("--speed-only", action="store_true")
    parser.add_argument("--no-speed", action="store_true", help="only the losses and the gallery")
    parser.add_argument("--gallery", help="image: a row per photo and painting: photo | Gatys | johnson | adain")
    parser.add_argument("--alpha-strip", help="image: an AdaIN run's content/style trade-off, a row per painting: "
                                              "photo | alpha 0, 0.25, 0.5, 0.75, 1 (the first --photos photo)")
    parser.add_argument("--json", default="benchmarks/fast_style.json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    from genlab.apps.fast_stylize import stylize_with_run
    from genlab.data.srmini import load_sr_mini
    from genlab.data.styles import style_image
    from genlab.models.pretrained import load_vgg19
    from genlab.train.run import load_run

    runs = [load_run(r) for r in args.run]
    results = {"threads": args.threads, "speed": [], "losses": []}
    for run in [] if args.no_speed else runs:
        ips, cpu = speed(run, args.speed_size, args.reps, args.warmup)
        row = {"run": run.path.name, "net": run.config.model.net, "width": run.config.model.width,
               "step": run.step, "size": args.speed_size, "images_per_s": round(ips, 3),
               "seconds_per_image": round(1 / ips, 3), "cpu_seconds_per_image": round(cpu, 3),
               "images_per_s_if_threads_were_free": round(args.threads / cpu, 3)}
        results["speed"].append(row)
        print(json.dumps(row), flush=True)
    if not args.speed_only:
        nets = {run.config.model.net for run in runs}
        unknown = nets - {"johnson", "adain"}
        if unknown:
            parser.error(f"--run: nets {sorted(unknown)} are not style nets; expected johnson or adain runs")
        if not (args.styles or runs):
            parser.error("give --run RUN... or --styles NAME... (Gatys alone)")
        if not (args.gatys_steps or runs):
            parser.error("nothing to compare: no --run and --gatys-steps 0")
        styles = args.styles or list(dict.fromkeys(
            s for run in runs for s in ([run.config.model.style] if run.config.model.net == "johnson"
                                        else run.config.model.styles)))
        keys = column_keys(runs)
        columns = (["gatys"] if args.gatys_steps else []) + list(dict.fromkeys(keys))
        vgg = load_vgg19(pooling="avg")
        photos = load_sr_mini(args.photos)
        gallery = []
        for style in styles:
            painting = style_image(style)
            grams = painting_grams(vgg, painting, args.size)
            for name in args.photos:
                photo = square(photos[name], args.size)
                row = {"photo": name, "style": style, "size": args.size,
                       "photo_losses": scores(vgg, photo, photo, grams)}
                cells, history = {}, None
                if args.gatys_steps:
                    image, seconds, history = gatys_cached(photo, painting, f"{name}-{style}-{args.size}-{args.gatys_steps}",
                                                  args, vgg)
                    row["gatys"] = {**scores(vgg, image, photo, grams), "seconds": seconds, "steps": args.gatys_steps}
                    cells["gatys"] = image
                for run, key in zip(runs, keys):
                    net = run.config.model.net
                    if net == "johnson" and run.config.model.style != style:
                        continue
                    out = stylize_with_run(run, photo, painting if net == "adain" else None)
                    row[key] = {**scores(vgg, out.image, photo, grams), "seconds": round(out.seconds, 3),
                                "run": run.path.name, "step": run.step}
                    if history:
                        row[key]["gatys_evals"] = gatys_evals(history, row[key]["total"])
                    cells[key] = out.image
                results["losses"].append(row)
                print(json.dumps(row), flush=True)
                blank = torch.full_like(photo, 128)  # no run for this painting
                gallery += [photo] + [cells.get(c, blank) for c in columns]
        if args.gallery:
            from genlab.viz import save_image

            save_image(torch.stack(gallery), args.gallery, nrow=1 + len(columns))
            print(f"gallery: {args.gallery} (rows: {' x '.join(styles)} x {' '.join(args.photos)}; columns: photo | "
                  f"{' | '.join(columns)})", flush=True)
        adain_runs = [run for run in runs if run.config.model.net == "adain"]
        if args.alpha_strip and adain_runs:
            from genlab.viz import save_image

            photo, strip = square(photos[args.photos[0]], args.size), []
            for style in styles:
                strip += [photo] + [stylize_with_run(adain_runs[0], photo, style_image(style), alpha=a).image
                                    for a in ALPHAS]
            save_image(torch.stack(strip), args.alpha_strip, nrow=1 + len(ALPHAS))
            print(f"alpha strip: {args.alpha_strip} (rows: {' x '.join(styles)}; columns: photo | alpha "
                  f"{' '.join(map(str, ALPHAS))})", flush=True)
    with open(args.json, "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
