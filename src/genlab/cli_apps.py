"""The CLI's applications beyond sampling (upscale, stylize, export, demo): each parses, calls one apps
function, prints.

Kept apart from cli.py so that each new application adds its commands here without growing that file.
"""
from __future__ import annotations

from genlab.cli import MAX_SEED, _emit, _float_in, _int_in, _parser


def cmd_upscale(args) -> int:
    from genlab.apps.upscale import upscale_paths
    from genlab.train.loop import resolve_device
    from genlab.train.run import load_run

    run = load_run(args.run, device=resolve_device(args.device, "--device"))
    written = upscale_paths(run, args.inputs, args.out, scale=args.scale, tile=args.tile, overlap=args.overlap,
                            progress=not args.quiet, ensemble=args.self_ensemble)
    _emit(args, {"written": [str(p) for p in written]}, "\n".join(f"wrote {p}" for p in written))
    return 0


GATYS_OPTIONS = {"steps": 300, "content_weight": 1.0, "style_weight": 10.0, "tv_weight": 1e-2,
                 "optimizer": "lbfgs", "init": "content", "seed": 0, "scales": 1,
                 "coarse_steps": None}  # optimisation only; defaults


def cmd_stylize(args) -> int:
    from genlab.apps.stylize import stylize_file
    from genlab.errors import UsageError
    from genlab.io import check_output_file
    from genlab.train.loop import resolve_device

    device = resolve_device(args.device, "--device")
    if args.run is None:
        if args.style is None:
            raise UsageError("stylize needs --style STYLE (Gatys' optimisation) or --run RUN (a trained style net)")
        if args.alpha is not None:
            raise UsageError("--alpha needs --run with an AdaIN run; Gatys' trade-off is --style-weight")
        options = {k: v if getattr(args, k) is None else getattr(args, k) for k, v in GATYS_OPTIONS.items()}
        result = stylize_file(args.photo, args.style, args.out, size=args.size or 512,
                              preserve_color=args.preserve_color, device=device, **options)
        last = result.history[-1]
        _emit(args, {"out": args.out, "seconds": round(result.seconds, 1), "evaluations": len(result.history),
                     "losses": last},
              f"wrote {args.out} ({result.image.shape[2]}x{result.image.shape[1]}) in {result.seconds:.1f} s: "
              f"content {last['content']:.3g}, style {last['style']:.3g}, tv {last['tv']:.3g}")
        return 0
    given = [k for k in GATYS_OPTIONS if getattr(args, k) is not None]
    if given:
        raise UsageError(f"--{given[0].replace('_', '-')} is an option of Gatys' optimisation; a --run stylizes "
                         "in one forward pass")
    from genlab.train.run import load_run

    check_output_file(args.out)
    run = load_run(args.run, device=device)
    result = stylize_file(args.photo, args.style, args.out, run=run, alpha=1.0 if args.alpha is None else args.alpha,
                          size=args.size, preserve_color=args.preserve_color, tile=args.tile)
    _emit(args, {"out": args.out, "seconds": round(result.seconds, 3), "tiles": result.tiles, "run": str(run.path)},
          f"wrote {args.out} ({result.image.shape[2]}x{result.image.shape[1]}) in {result.seconds:.2f} s "
          f"with {run.config.model.net} run {run.path.name} (step {run.step})")
    return 0


def cmd_export(args) -> int:
    from genlab.apps.export import check_exportable, export_onnx, require_export_packages
    from genlab.io import check_output_dir, check_output_file
    from genlab.train.run import load_run

    (check_output_file if args.format == "onnx" else check_output_dir)(args.out, "--out")
    require_export_packages()
    run = load_run(args.run)
    check_exportable(run)
    if args.format == "onnx":
        result, page = export_onnx(run, args.out), None
    else:
        from genlab.apps.webexport import export_web
        web = export_web(run, args.out)
        result, page = web.onnx, web.out / "index.html"
    shape = lambda items: ", ".join(f"{n} {list(s)}" for n, s in items)  # noqa: E731
    text = (f"wrote {result.path} ({result.family} run {run.path.name}, step {run.step})\n"
            f"  inputs:  {shape(result.inputs)}\n  outputs: {shape(result.outputs)}\n"
            f"  max |onnxruntime - pytorch| over {result.check_batch} samples: {result.max_abs_diff:.3g}")
    if page:
        text += (f"\npage: {page} (serve the folder, e.g. `python -m http.server -d {args.out}`, "
                 "then open http://127.0.0.1:8000)")
    _emit(args, {"path": str(result.path), "family": result.family, "inputs": result.inputs,
                 "outputs": result.outputs, "max_abs_diff": result.max_abs_diff, "page": str(page) if page else None},
          text)
    return 0


def cmd_demo(args) -> int:
    from genlab.apps.demo import DEMO_MINUTES, demo
    from genlab.io import check_output_dir

    check_output_dir(args.out, "--out")
    result = demo(minutes=args.minutes or DEMO_MINUTES, out=args.out, metrics=None if args.no_eval else args.metrics,
                  overrides=args.set, progress=not args.quiet)
    lines = []
    for run, metrics, gif in zip(result.runs, result.metrics, result.gifs):
        s = run.summary
        quality = "".join(f", {k} {v:.2f}" for k, v in metrics.items() if isinstance(v, float))
        lines.append(f"{run.config.preset}: {s['status']}, {s['step']} steps ({s['epochs']:.2f} epochs) in "
                     f"{s['train_seconds']:.0f} s{quality}\n  samples: {run.path / 'samples.png'}\n"
                     f"  curves:  {run.path / 'curves.png'}\n  walk:    {gif}")
    lines += [f"side by side: {result.page}", f"explore them: genlab studio --runs {args.out}"]
    _emit(args, {"runs": [{"run": str(r.path), **r.summary, "metrics": m} for r, m in zip(result.runs, result.metrics)],
                 "page": str(result.page), "studio": f"genlab studio --runs {args.out}"}, "\n".join(lines))
    return 0


def add_commands(sub) -> None:
    """The `upscale`, `stylize`, `export` and `demo` subcommands."""
    up = _parser(sub, "upscale", "Super-resolve images of any size with a trained SR run (overlapping tiles).",
                 "  genlab upscale runs/00005-edsr-x2-photos photo.jpg --out upscaled/\n"
                 "  genlab upscale RUN photos_folder/ --out upscaled/ --tile 192 --overlap 24\n"
                 "  genlab upscale RUN photo.jpg --out upscaled/ --self-ensemble   # EDSR+: 8 flips/turns, 8x slower")
    up.add_argument("run", metavar="RUN_OR_CHECKPOINT")
    up.add_argument("inputs", nargs="+", metavar="IMAGE_OR_FOLDER")
    up.add_argument("--out", required=True, metavar="DIR", help="folder for the <name>_x<scale>.png outputs")
    up.add_argument("--scale", type=_int_in(2, 4), help="refuse to run unless the run upscales by this factor")
    up.add_argument("--tile", type=_int_in(8), default=128, help="tile side in input pixels (bounds memory; default 128)")
    up.add_argument("--overlap", type=_int_in(0), default=16, help="overlap between tiles in input pixels (default 16)")
    up.add_argument("--self-ensemble", action="store_true",
                    help="average over the 8 flips and 90-degree turns of each tile (EDSR+; 8x the time)")
    up.add_argument("--device", default="cpu")
    up.add_argument("--quiet", action="store_true", help="no progress bar")
    up.add_argument("--json", action="store_true")
    up.set_defaults(func=cmd_upscale)

    sy = _parser(sub, "stylize", "A photo in a painting's style: by optimisation (Gatys et al. 2016), or in one "
                 "forward pass with a trained style run (--run: Johnson et al. 2016, or AdaIN for any style).",
                 "  genlab stylize photo.jpg --style starry-night --out starry.png --size 384\n"
                 "  genlab stylize photo.jpg --style klimt --preserve-color --out kiss.png\n"
                 "  genlab stylize photo.jpg --style my-painting.png --style-weight 3 --steps 500 --out out.png\n"
                 "  genlab stylize photo.jpg --style starry-night --size 1024 --scales 2 --steps 60 --out big.png\n"
                 "  genlab stylize photo.jpg --run runs/00003-fast-style-starry-night --out starry.png\n"
                 "  genlab stylize photo.jpg --run runs/00004-adain-photos --style klimt --alpha 0.7 --out kiss.png")
    sy.add_argument("photo", metavar="PHOTO")
    sy.add_argument("--style", metavar="STYLE",
                    help="starry-night, klimt (public-domain paintings fetched from Debian) or an image file; "
                    "with --run only for AdaIN runs")
    sy.add_argument("--out", required=True, metavar="OUT.png")
    sy.add_argument("--run", metavar="RUN_OR_CHECKPOINT",
                    help="a trained style-transfer run (family: style): one forward pass instead of optimising")
    sy.add_argument("--alpha", type=_float_in(0), metavar="A",
                    help="AdaIN runs: content/style trade-off from 0 (the photo) to 1 (full style, the default)")
    sy.add_argument("--size", type=_int_in(16, 8192),
                    help="longest side of the output in pixels (default: 512; with --run the photo's own size)")
    sy.add_argument("--tile", type=_int_in(64, 8192), default=1024,
                    help="with --run: images with a longer side go through overlapping tiles of this size (default 1024)")
    sy.add_argument("--steps", type=_int_in(1, 100_000), help="optimisation steps (default 300; with --scales: "
                    "at the full size)")
    sy.add_argument("--scales", type=_int_in(1, 6), help="coarse to fine: optimise at 1/2, 1/4, ... of --size first "
                    "and start each larger scale from the last result (default 1: only the full size)")
    sy.add_argument("--coarse-steps", type=_int_in(1, 100_000),
                    help="with --scales: steps at each coarser scale (default: --steps)")
    sy.add_argument("--content-weight", type=_float_in(0), help="default 1")
    sy.add_argument("--style-weight", type=_float_in(0),
                    help="losses are normalised: 1-3 keeps more of the photo, 10 (default) a strong style")
    sy.add_argument("--tv-weight", type=_float_in(0), help="total-variation smoothing (default 0.01)")
    sy.add_argument("--optimizer", choices=("lbfgs", "adam"), help="default lbfgs")
    sy.add_argument("--init", choices=("content", "noise"), help="start from the photo (default) or noise")
    sy.add_argument("--seed", type=_int_in(0, MAX_SEED), help="seed of the noise start (--init noise); default 0")
    sy.add_argument("--preserve-color", action="store_true", help="keep the photo's colours (luminance-only transfer)")
    sy.add_argument("--device", default="cpu")
    sy.add_argument("--json", action="store_true")
    sy.set_defaults(func=cmd_stylize)

    ex = _parser(sub, "export", "Export a run's generator, decoder or upscaler to ONNX (checked against PyTorch), "
                 "or as a static web page that samples it in the browser.",
                 "  genlab export runs/00001-dcgan-mnist --format onnx --out G.onnx\n"
                 "  genlab export runs/00001-cgan-mnist --format web --out cgan-page/\n"
                 "  python -m http.server -d cgan-page/   # then open http://127.0.0.1:8000\n"
                 "  genlab export runs/00005-edsr-x2-photos --format onnx --out edsr.onnx")
    ex.add_argument("run", metavar="RUN_OR_CHECKPOINT")
    ex.add_argument("--format", required=True, choices=("onnx", "web"),
                    help="onnx: one .onnx file; web: a folder with index.html, the model and ONNX Runtime Web")
    ex.add_argument("--out", required=True, metavar="FILE_OR_DIR", help="the .onnx file (onnx) or a folder (web)")
    ex.add_argument("--json", action="store_true")
    ex.set_defaults(func=cmd_export)

    dm = _parser(sub, "demo", "Train the document's GAN and a stronger DCGAN on MNIST in one time budget; "
                 "write samples, curves, GIFs and a side-by-side page.",
                 "  genlab demo\n  genlab demo --minutes 3 --out runs --no-eval")
    dm.add_argument("--minutes", type=_float_in(0, above=True), default=None,
                    help="training budget of both models together: 2/9 for the document's model, 7/9 for "
                         "dcgan-mnist (default 9)")
    dm.add_argument("--set", action="append", metavar="KEY=VALUE", help="config override for both models (repeatable)")
    dm.add_argument("--out", default="runs")
    dm.add_argument("--metrics", default="fid1k", help="quality protocol(s) measured at the end (default fid1k: "
                    "1k generated vs 1k test images, biased upwards against fid10k)")
    dm.add_argument("--no-eval", action="store_true", dest="no_eval", help="skip the quality measurement")
    dm.add_argument("--quiet", action="store_true")
    dm.add_argument("--json", action="store_true")
    dm.set_defaults(func=cmd_demo)
