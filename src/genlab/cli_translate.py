"""The CLI's `translate` command: image-to-image translation with a pix2pix or CycleGAN run.

Kept apart from cli.py (which is near its size limit); it parses, calls genlab.apps.translate, prints.
"""
from __future__ import annotations

from genlab.cli import _emit, _parser


def cmd_translate(args) -> int:
    from genlab.apps.translate import check_translation_run, translate_paths
    from genlab.train.loop import resolve_device
    from genlab.train.run import load_run

    run = load_run(args.run, device=resolve_device(args.device, "--device"))
    check_translation_run(run, args.direction)
    written = translate_paths(run, args.inputs, args.out, direction=args.direction, derive_input=args.derive_input,
                              overwrite=args.overwrite, progress=not args.quiet)
    _emit(args, {"written": [str(p) for p in written], "direction": args.direction},
          "\n".join(f"wrote {p}" for p in written))
    return 0


def add_commands(sub) -> None:
    """The `translate` subcommand."""
    tr = _parser(sub, "translate", "Translate images with a pix2pix (a2b) or CycleGAN (a2b, b2a) run, any size.",
                 "  genlab translate runs/00006-pix2pix-edges-fashion edges.png --out translated/\n"
                 "  genlab translate runs/00006-pix2pix-edges-fashion shirt.png --derive-input --out translated/\n"
                 "  genlab translate runs/00007-cyclegan-mnist-digits digits/ --direction b2a --out to_mnist/")
    tr.add_argument("run", metavar="RUN_OR_CHECKPOINT")
    tr.add_argument("inputs", nargs="+", metavar="IMAGE_OR_FOLDER")
    tr.add_argument("--direction", default="a2b", choices=("a2b", "b2a"),
                    help="a2b: domain A (pix2pix: the inputs) to B; b2a: B to A (CycleGAN only); default a2b")
    tr.add_argument("--out", required=True, metavar="DIR", help="folder for the <name>_<direction>.png outputs")
    tr.add_argument("--derive-input", action="store_true", dest="derive_input",
                    help="pix2pix: take each image as a target and make the input with the run's data.degradation "
                         "(its edges, its gray version); also writes <name>_<direction>_input.png")
    tr.add_argument("--overwrite", action="store_true", help="replace outputs that already exist")
    tr.add_argument("--device", default="cpu")
    tr.add_argument("--quiet", action="store_true", help="no progress bar")
    tr.add_argument("--json", action="store_true")
    tr.set_defaults(func=cmd_translate)
