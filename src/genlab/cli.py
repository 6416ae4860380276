"""The genlab command line: each subcommand parses its arguments, calls one API function, prints.

Results go to stdout (`--json` for machines); logs and progress bars go to stderr.
"""
from __future__ import annotations

import argparse
import json
import logging
import math
import sys
from pathlib import Path

from genlab.errors import GenlabError, UsageError, describe_error

log = logging.getLogger("genlab")

MAX_SEED = 2**63 - 1  # torch.Generator.manual_seed takes 64-bit seeds


class _ArgumentParser(argparse.ArgumentParser):
    """argparse, but an error is one line and a pointer to --help instead of the whole usage block."""

    def error(self, message: str):
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _int_in(lo: int, hi: int | None = None):
    """An argparse type: an integer in [lo, hi]."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
        if value < lo or (hi is not None and value > hi):
            raise argparse.ArgumentTypeError(f"{value} is out of range; expected {lo}-{hi}" if hi is not None
                                             else f"{value} is out of range; expected >= {lo}")
        return value
    parse.__name__ = "int"
    return parse


def _float_in(lo: float | None = None, above: bool = False):
    """An argparse type: a finite number, >= lo (or > lo with above)."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text} is not a finite number")
        if lo is not None and (value <= lo if above else value < lo):
            raise argparse.ArgumentTypeError(f"{value:g} is out of range; expected {'>' if above else '>='} {lo:g}")
        return value
    parse.__name__ = "float"
    return parse


def _parser(sub, name: str, help: str, examples: str) -> argparse.ArgumentParser:
    return sub.add_parser(name, help=help, description=help, epilog="examples:\n" + examples,
                          formatter_class=argparse.RawDescriptionHelpFormatter)


def _emit(args, result: dict, text: str) -> None:
    print(json.dumps(result, indent=2) if getattr(args, "json", False) else text)


# -- train ----------------------------------------------------------------------------------------------

def _train_config(args):
    from genlab.apps.training import train_config

    return train_config(args.preset, args.set, resume=args.resume,
                        limits={"steps": args.steps, "epochs": args.epochs, "minutes": args.minutes},
                        train_settings={k: getattr(args, k, None) for k in
                                        ("seed", "device", "out", "batch_size", "precision")})


def cmd_train(args) -> int:
    from genlab.apps.evaluate import train
    from genlab.config import config_to_yaml

    from genlab.io import check_output_dir

    cfg = _train_config(args)
    if args.dry_run:
        print(config_to_yaml(cfg), end="")
        return 0
    if args.run_dir:
        check_output_dir(args.run_dir, "--run-dir")
    elif not args.resume:
        check_output_dir(cfg.train.out, "--out" if args.out else "train.out")
    run = train(cfg, resume=args.resume, run_dir=args.run_dir, progress=not args.quiet)
    if not run.summary:  # not rank 0 of a torchrun group: rank 0 reports
        return 0
    s = run.summary
    _emit(args, {"run": str(run.path), **s},
          f"{s['status']}: {s['step']} steps, {s['images_seen']} images in {s['train_seconds']:.0f} s\n"
          f"run folder:  {run.path}\nsamples:     {run.path / s.get('samples', 'samples.png')}\ncurves:      {run.path / 'curves.png'}\n"
          f"checkpoint:  {run.path / s['checkpoint']}")
    return 130 if s["status"] == "interrupted" else 0


# -- sample ---------------------------------------------------------------------------------------------

def _add_guidance_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("discriminator guidance (GAN runs; docs/families.md)")
    g.add_argument("--best-of", type=int, default=1, dest="best_of", metavar="R",
                   help="draw R latents per image and keep the one the discriminator rates most real")
    g.add_argument("--langevin-steps", type=int, default=0, dest="langevin_steps", metavar="K",
                   help="K Langevin steps in latent space on |z|^2/2 - D(G(z)) before ranking (DDLS)")
    g.add_argument("--step-size", type=_float_in(), default=0.05, dest="step_size", help="Langevin step (default 0.05)")


def _guidance(args):
    """The Guidance the flags ask for, or None when they ask for none."""
    from genlab.models.guidance import Guidance

    guidance = Guidance(best_of=args.best_of, langevin_steps=args.langevin_steps, step_size=args.step_size)
    guidance.validate()
    return guidance if guidance.active else None


def cmd_sample(args) -> int:
    from genlab.apps.sample import parse_range_list, parse_seeds, sample_seeds, write_samples
    from genlab.apps.runs import open_run
    from genlab.io import check_output_dir, check_output_file

    seeds = list(range(args.n)) if args.n is not None else parse_seeds(args.seeds)
    labels = parse_range_list(args.labels, "labels") if args.labels else None
    run = open_run(args.run, args.device, command="sample")
    if run.model.sample_rate:  # an audio run: WAV files and their spectrograms
        from genlab.cli_audio import sample_audio
        return sample_audio(args, run, seeds, labels)
    out = args.out if (args.out or args.individual or args.npz) else "samples.png"
    for path, flag in ((out, "--out"), (args.npz, "--npz")):
        if path:
            check_output_file(path, flag)
    if args.individual:
        check_output_dir(args.individual, "--individual")
    guidance = _guidance(args)
    images = sample_seeds(run.model, seeds, labels, batch_size=args.batch_size, truncation=args.truncation,
                          guidance=guidance)
    written = write_samples(images, grid=out, individual=args.individual, npz=args.npz, seeds=seeds)
    _emit(args, {"images": len(seeds), "written": [str(p) for p in written[:3]] + (["..."] if len(written) > 3 else [])},
          f"wrote {len(seeds)} samples from {run.checkpoint}:\n" + "\n".join(
              f"  {p}" for p in ([written[0], Path(args.individual)] if args.individual and len(written) > 2 else written)))
    return 0


# -- restoration and latent walks (autoencoders, VAEs; interpolate on seeds for GANs too) ---------------

def _restore_inputs(args):
    from genlab.apps.images import labels_for, load_inputs
    from genlab.apps.runs import open_run
    from genlab.io import check_output_file

    check_output_file(args.out or f"{args.command}.png", "--out")
    if args.npz:
        check_output_file(args.npz, "--npz")
    if args.command == "denoise":
        from genlab.data.corrupt import parse_corruption
        parse_corruption(args.noise)
    run = open_run(args.run, args.device, command=args.command)
    sources = list(args.images or []) + list(getattr(args, "image_files", None) or [])
    if not sources:
        raise GenlabError(f"`genlab {args.command}` needs images: IMAGE files, a folder, a .npz file or --images mnist:test")
    images, labels = load_inputs(run.model, sources, n=args.n)
    return run, images, labels_for(run.model, labels, len(images), args.label)


def _restore_report(args, run, result) -> int:
    from genlab.apps.restore import write_strips

    columns, quality = result.columns, result.quality
    written = write_strips(columns, args.out or f"{args.command}.png", npz=args.npz)
    n = len(next(iter(columns.values())))
    _emit(args, {"images": n, "written": [str(p) for p in written], **quality},
          f"{args.command}: {n} images from {run.checkpoint}\n" + "".join(f"  {k}: {v:.4f}\n" if isinstance(v, float) else f"  {k}: {v}\n" for k, v in quality.items())
          + "\n".join(f"  wrote {p}" for p in written))
    return 0


def cmd_reconstruct(args) -> int:
    from genlab.apps.restore import reconstruct_report

    run, images, labels = _restore_inputs(args)
    return _restore_report(args, run, reconstruct_report(run.model, images, labels))


def cmd_denoise(args) -> int:
    from genlab.apps.restore import denoise_report

    run, images, labels = _restore_inputs(args)
    return _restore_report(args, run, denoise_report(run.model, images, args.noise, labels, seed=args.seed))


def cmd_inpaint(args) -> int:
    from genlab.apps.restore import check_mask_spec, inpaint_report, make_mask

    check_mask_spec(args.mask)
    run, images, labels = _restore_inputs(args)
    known = make_mask(args.mask, len(images), images.shape[2], images.shape[3], seed=args.seed)
    return _restore_report(args, run, inpaint_report(run.model, images, known, args.iterations, labels))


def cmd_interpolate(args) -> int:
    from genlab.apps.interpolate import interpolate, write_walk
    from genlab.apps.runs import check_run_kind, open_run
    from genlab.io import check_output_file

    run = open_run(args.run, args.device, modality=None)
    if run.model.modality == "text":  # a text VAE: lines of text between two texts, to stdout
        from genlab.cli_text import interpolate_text_report
        return interpolate_text_report(args, run)
    if run.model.sample_rate:  # an audio run: WAV files and a spectrogram strip in --out DIR
        from genlab.cli_audio import interpolate_audio_report
        return interpolate_audio_report(args, run)
    args.out = args.out or "interpolate.png"
    check_output_file(args.out, "--out")
    if args.gif:
        check_output_file(args.gif, "--gif")
    check_run_kind(run, args.run, command="interpolate")
    images = interpolate(run.model, args.start, args.end, steps=args.steps, spherical=args.slerp, label=args.label)
    written = write_walk(images, args.out, nrow=args.steps, gif=args.gif)
    _emit(args, {"images": len(images), "written": [str(p) for p in written]},
          f"interpolated {args.start} -> {args.end} in {args.steps} steps ({'slerp' if args.slerp else 'linear'}):\n"
          + "\n".join(f"  wrote {p}" for p in written))
    return 0


def cmd_traverse(args) -> int:
    from genlab.apps.interpolate import traverse, write_walk
    from genlab.apps.runs import open_run
    from genlab.apps.sample import parse_range_list
    from genlab.io import check_output_file

    dims = parse_range_list(args.dims, "dims")
    check_output_file(args.out, "--out")
    run = open_run(args.run, args.device, command="traverse")
    images = traverse(run.model, dims, args.range[0], args.range[1], steps=args.steps, base=args.base, label=args.label)
    written = write_walk(images, args.out, nrow=args.steps)
    _emit(args, {"images": len(images), "written": [str(p) for p in written]},
          f"traversed dims {args.dims} over [{args.range[0]:g}, {args.range[1]:g}]:\n"
          + "\n".join(f"  wrote {p}" for p in written))
    return 0


# -- eval -----------------------------------------------------------------------------------------------

def cmd_eval(args) -> int:
    from genlab.apps.evaluate import check_metric_names, evaluate_images, evaluate_run
    from genlab.train.loop import resolve_device

    if args.run and (args.real or args.fake):
        raise GenlabError("give either a RUN, or --real and --fake, not both")
    check_metric_names(args.metrics)
    device = resolve_device(args.device, "--device")
    if args.run:
        results = evaluate_run(args.run, args.metrics, batch_size=args.batch_size, seed=args.seed,
                               device=device, resize=args.resize, n=args.n, backend=args.backend,
                               guidance=_guidance(args), truncation=args.truncation, hr=args.hr, lr=args.lr)
    elif args.hr or args.lr:
        raise GenlabError("--hr/--lr are the test images of a RUN's paired protocols (psnr_y, ssim_y, kid_patches)")
    elif args.real and args.fake:
        if args.truncation is not None or _guidance(args) is not None:
            raise GenlabError("--truncation, --best-of and --langevin-steps sample a RUN; "
                              "they do not apply to --real/--fake image sets")
        if args.n is not None:
            raise GenlabError("--n applies to the likelihood protocols of a RUN, not to --real/--fake image sets")
        results = evaluate_images(args.real, args.fake, args.metrics, batch_size=args.batch_size,
                                  device=device, resize=args.resize, backend=args.backend)
    else:
        raise GenlabError("eval needs a RUN folder, or both --real and --fake image sets")
    _emit(args, results, "\n".join(f"{k:28s} {v:.4f}" if isinstance(v, float) else f"{k:28s} {v}"
                                   for k, v in results.items()))
    return 0


# -- presets, data --------------------------------------------------------------------------------------

def cmd_presets(args) -> int:
    from genlab.config import load_config, preset_names

    rows = {name: load_config(name).description for name in preset_names()}
    _emit(args, rows, "\n".join(f"{name:24s} {desc}" for name, desc in rows.items()))
    return 0


def cmd_data(args) -> int:
    from genlab import data
    from genlab.data import photos

    if args.action == "list":
        rows = {name: data.DESCRIPTIONS[name] for name in data.DATASETS}
        rows.update(photos.DESCRIPTIONS)  # image collections: photos of any size, not square ImageDatasets
        from genlab.data.text import TEXT_CORPORA
        rows.update(TEXT_CORPORA)  # text corpora for language models
        from genlab.data.audio_sets import DESCRIPTIONS as AUDIO_DESCRIPTIONS
        rows.update(AUDIO_DESCRIPTIONS)
        _emit(args, rows, "\n".join(f"{k:16s} {v}" for k, v in rows.items()))
        return 0
    if not args.name:
        known = ", ".join((*data.DATASETS, *photos.COLLECTIONS))
        raise GenlabError(f"`genlab data {args.action}` needs a dataset name; known: {known}")
    if args.name in ("shakespeare", "fortunes"):  # text corpora: fetched, checked, split
        from genlab.data.text import corpus_info
        info = corpus_info(args.name)
        _emit(args, info, "\n".join(f"{k:12s} {v!r}" if k == "vocab" else f"{k:12s} {v}" for k, v in info.items()))
        return 0
    if args.name.split(":")[0] in ("spoken-digits", "audio-folder", "drums", "drums-folder", "music",
                                     "real-speech"):  # cli_audio.py
        from genlab.cli_audio import data_audio
        return data_audio(args)
    if args.name in photos.COLLECTIONS:
        info = photos.collection_info(args.name)
        if args.action == "fetch":
            info["cache"] = str(photos.collection_dir(args.name))
            info["files"] = photos.collection_files(args.name)
        _emit(args, info, _format_collection_info(info))
        return 0
    from genlab.data import parse_data_spec

    name, kwargs = args.name, {}
    if ":" in args.name or "/" in args.name or args.name.lower().endswith(".npz"):
        name, kwargs = parse_data_spec(args.name)  # "mnist:test", "npz:FILE.npz", "folder:DIR", a path
    if args.action == "fetch":
        info = data.fetch_dataset(name, data_dir=args.data_dir)
    else:
        info = data.dataset_info(name, kwargs.get("split") if ":" in args.name else None, data_dir=args.data_dir,
                                 path=kwargs.get("path"))
    _emit(args, info, _format_data_info(info))
    return 0


def _format_collection_info(info: dict) -> str:
    lines = [f"image collection: {info['name']}: {info['description']}"]
    if info.get("cache"):
        lines.append(f"cache:   {info['cache']}")
    for path, digest in (info.get("files") or {}).items():
        lines.append(f"  {Path(path).name:24s} sha256 {digest}")
    lines.append(f"{info['images']} RGB images, {info['megapixels']} megapixels, from {', '.join(info['sources'])}")
    lines.extend(f"  {name:24s} {size}" for name, size in info["sizes"].items())
    return "\n".join(lines)


def _format_data_info(info: dict) -> str:
    lines = [f"dataset: {info['name']}"]
    if info.get("cache"):
        lines.append(f"cache:   {info['cache']}")
    for path, digest in (info.get("files") or {}).items():
        lines.append(f"  {Path(path).name:20s} sha256 {digest}")
    for split, d in (info.get("splits") or {}).items():
        lines.append(f"{split}: {d['count']} images, shape {tuple(d['shape'])}, {d['num_classes']} classes, "
                     f"pixels {d['pixel_min']}-{d['pixel_max']} (mean {d['pixel_mean']:.1f})")
        if d.get("label_counts"):
            hist = ", ".join(f"{k}: {v}" for k, v in d["label_counts"].items())
            lines.append(f"  labels: {hist}")
        lines.append(f"  source: {d['source']}")
    return "\n".join(lines)


def cmd_studio(args) -> int:
    from genlab.studio.server import serve

    if not Path(args.runs).is_dir():
        raise GenlabError(f"--runs '{args.runs}' is not a folder; expected the folder that holds your run folders")
    serve(args.runs, host=args.host, port=args.port)
    return 0


# -- main -----------------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    from genlab import __version__

    p = _ArgumentParser(prog="genlab", description="Deep generative models of images: train, sample, measure, apply.",
                                epilog="examples:\n  genlab presets\n  genlab train --preset seed-dcgan-mnist --minutes 5\n"
                                       "  genlab sample runs/00000-seed-dcgan-mnist --seeds 0-63 --out grid.png",
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"genlab {__version__}")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    t = _parser(sub, "train", "Train a model from a preset, or resume a run exactly.",
                "  genlab train --preset seed-dcgan-mnist --steps 2000\n"
                "  genlab train --preset seed-dcgan-mnist --set train.batch_size=128 --set model.loss=minimax\n"
                "  genlab train --preset seed-dcgan-mnist --minutes 10 --device cpu --dry-run\n"
                "  genlab train --resume runs/00003-seed-dcgan-mnist --steps 4000\n"
                "  torchrun --nproc_per_node=2 -m genlab train --preset seed-dcgan-mnist --run-dir runs/ddp --steps 2000")
    t.add_argument("--preset", help="preset name (`genlab presets`) or a YAML file")
    t.add_argument("--set", action="append", metavar="KEY=VALUE", help="dotted config override (repeatable)")
    limit = t.add_mutually_exclusive_group()
    limit.add_argument("--steps", type=_int_in(1), help="stop after N optimizer steps in total")
    limit.add_argument("--epochs", type=_float_in(0, above=True), help="stop after N passes over the data")
    limit.add_argument("--minutes", type=_float_in(0, above=True), help="stop after M minutes of training")
    t.add_argument("--seed", type=_int_in(0, 2**32 - 1))
    t.add_argument("--batch-size", type=_int_in(1), dest="batch_size")
    t.add_argument("--precision", choices=["fp32", "bf16", "fp16"])
    t.add_argument("--device", help="auto | cpu | cuda | cuda:N")
    t.add_argument("--out", help="parent folder for run folders (default runs/)")
    t.add_argument("--resume", metavar="RUN_DIR", help="continue this run from its newest checkpoint")
    t.add_argument("--run-dir", dest="run_dir", metavar="DIR",
                   help="use this run folder; continue it when it has a checkpoint (for torchrun --max-restarts)")
    t.add_argument("--dry-run", action="store_true", help="print the resolved config and exit")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.add_argument("--json", action="store_true", help="print the summary as JSON")
    t.set_defaults(func=cmd_train)

    s = _parser(sub, "sample", "Generate images from a run or checkpoint; each depends only on its seed.",
                "  genlab sample runs/00000-seed-dcgan-mnist --seeds 0-63 --out grid.png\n"
                "  genlab sample runs/00000-seed-dcgan-mnist/checkpoints/step_002000 --seeds 0-999 --npz fake.npz\n"
                "  genlab sample RUN --seeds 0-15 --individual samples/\n"
                "  genlab sample RUN --seeds 0-63 --best-of 2 --langevin-steps 40   # D-guided (GANs)\n"
                "  genlab sample runs/00009-wavegan-digits --n 16 --labels 0-9 --out clips/   # WAVs (audio runs)")
    s.add_argument("run", metavar="RUN_OR_CHECKPOINT")
    s.add_argument("--seeds", default="0-63", help="seeds, e.g. 0-63 or 1,5,10-12 (default 0-63)")
    s.add_argument("--n", type=_int_in(1, 1_000_000), help="seeds 0 to N-1 (instead of --seeds)")
    s.add_argument("--labels", help="class labels for conditional models, cycled over the seeds (e.g. 0-9)")
    s.add_argument("--out", help="grid PNG (default samples.png); audio runs: a folder of WAVs (default clips/)")
    s.add_argument("--individual", metavar="DIR", help="also write one PNG per seed into DIR")
    s.add_argument("--npz", metavar="FILE", help="also write uint8 images (x) and seeds to an npz")
    s.add_argument("--truncation", type=_float_in(0, above=True), help="redraw latent values beyond +-T (e.g. 0.7): less variety, more fidelity")
    s.add_argument("--batch-size", type=_int_in(1), default=256, dest="batch_size")
    s.add_argument("--device", default="cpu")
    s.add_argument("--json", action="store_true")
    _add_guidance_args(s)
    s.set_defaults(func=cmd_sample)

    for name, help_, examples in (
            ("reconstruct", "Encode and decode images with an autoencoder or VAE run; PNG rows input | output.",
             "  genlab reconstruct runs/00002-vae-conv-mnist --images mnist:test --n 16\n"
             "  genlab reconstruct RUN digit.png other.png --out recon.png --npz recon.npz"),
            ("denoise", "Add noise to images and remove it with an autoencoder run; PNG rows input | noisy | output.",
             "  genlab denoise runs/00003-dae-mnist --noise gaussian:0.5 --images mnist:test --n 16\n"
             "  genlab denoise RUN --noise saltpepper:0.2 noisy_digits/ --out clean.png"),
            ("inpaint", "Fill a hole by iterating encode -> decode -> paste the known pixels back (kept exactly).",
             "  genlab inpaint runs/00003-dae-mnist --mask center --images mnist:test --n 16\n"
             "  genlab inpaint RUN --mask random:0.5 --iterations 50 digits.npz\n"
             "  genlab inpaint RUN --mask hole.png photo.png --out filled.png")):
        r = _parser(sub, name, help_, examples)
        r.add_argument("run", metavar="RUN_OR_CHECKPOINT")
        r.add_argument("image_files", nargs="*", metavar="IMAGES", help="image files, folders or .npz files")
        r.add_argument("--images", action="append", metavar="SPEC", help="a data spec: mnist:test, a folder, a .npz file")
        r.add_argument("--n", type=_int_in(1), default=16, help="use the first N images (default 16)")
        r.add_argument("--label", type=_int_in(0), help="class label for a conditional model when the images have none")
        if name == "denoise":
            r.add_argument("--noise", default="gaussian:0.5", help="gaussian:S | saltpepper:P | mask:P | block:SIZE")
        if name == "inpaint":
            r.add_argument("--mask", default="center", help="center | left | right | top | bottom | random:P | MASK.png")
            r.add_argument("--iterations", type=_int_in(1, 100_000), default=1,
                           help="encode -> decode -> paste passes (default 1; more help models not trained on holes)")
        if name in ("denoise", "inpaint"):
            r.add_argument("--seed", type=_int_in(0, MAX_SEED), default=0, help="seed of the noise or random mask")
        r.add_argument("--out", help=f"PNG strip (default {name}.png)")
        r.add_argument("--npz", metavar="FILE", help="also write the columns as uint8 arrays to an npz")
        r.add_argument("--device", default="cpu")
        r.add_argument("--json", action="store_true")
        r.set_defaults(func={"reconstruct": cmd_reconstruct, "denoise": cmd_denoise, "inpaint": cmd_inpaint}[name])

    it = _parser(sub, "interpolate", "Decode a path between two latents: seeds (any family) or encoded images.",
                 "  genlab interpolate runs/00000-seed-dcgan-mnist --from 0 --to 1 --steps 10 --slerp --out strip.png\n"
                 "  genlab interpolate runs/00002-vae-conv-mnist --from a.png --to b.png --gif walk.gif\n"
                 "  genlab interpolate RUN --from npz:digits.npz --to 7 --steps 8\n"
                 '  genlab interpolate runs/00004-textvae-shakespeare-char --from "I love thee" --to "Get thee gone"\n'
                 "  genlab interpolate runs/00005-vae-mel-digits --from one.wav --to seven.wav --steps 8 --out walk/")
    it.add_argument("run", metavar="RUN_OR_CHECKPOINT")
    it.add_argument("--from", dest="start", required=True, help="a seed, or an image file / data spec (its first image)")
    it.add_argument("--to", dest="end", required=True, help="a seed, or an image file / data spec")
    it.add_argument("--steps", type=_int_in(2, 10_000), default=10)
    it.add_argument("--slerp", action="store_true", help="spherical instead of linear interpolation")
    it.add_argument("--label", type=_int_in(0), help="class label for a conditional model")
    it.add_argument("--out", help="PNG strip (default interpolate.png); audio runs: a folder for the WAVs and "
                    "spectrograms.png (default interpolate/)")
    it.add_argument("--gif", metavar="FILE", help="also write an animated GIF")
    it.add_argument("--device", default="cpu")
    it.add_argument("--json", action="store_true")
    it.set_defaults(func=cmd_interpolate)

    from genlab import cli_apps, cli_audio
    cli_apps.add_commands(sub)
    from genlab import cli_text
    cli_text.add_commands(sub)
    cli_audio.add_commands(sub)
    from genlab import cli_translate
    cli_translate.add_commands(sub)

    tr = _parser(sub, "traverse", "A latent traversal grid: one row per dimension, values from low to high.",
                 "  genlab traverse runs/00002-vae-conv-mnist --dims 0-9 --range -3 3\n"
                 "  genlab traverse RUN --dims 0,4 --steps 11 --base digit.png --out traverse.png")
    tr.add_argument("run", metavar="RUN_OR_CHECKPOINT")
    tr.add_argument("--dims", default="0-9", help="latent dimensions, e.g. 0-9 or 0,4,7")
    tr.add_argument("--range", nargs=2, type=_float_in(), default=[-3.0, 3.0], metavar=("LOW", "HIGH"))
    tr.add_argument("--steps", type=_int_in(1, 10_000), default=7)
    tr.add_argument("--base", default="0", help="a seed, or an image file / data spec to encode (default seed 0)")
    tr.add_argument("--label", type=_int_in(0), help="class label for a conditional model")
    tr.add_argument("--out", default="traverse.png")
    tr.add_argument("--device", default="cpu")
    tr.add_argument("--json", action="store_true")
    tr.set_defaults(func=cmd_traverse)

    e = _parser(sub, "eval", "Measure a run (EMA weights when present) or two image sets with named protocols.",
                "  genlab eval runs/00000-seed-dcgan-mnist --metrics fid10k,kid10k,pr10k,cls10k\n"
                "  genlab eval runs/00000-seed-dcgan-mnist --metrics fid2k --json\n"
                "  genlab eval --real mnist:test --fake fake.npz --metrics fid10k\n"
                "  genlab eval runs/00004-vae-mlp-bmnist --metrics elbo,nll5000,recon --n 1000\n"
                "  genlab eval --real photos/ --fake samples/ --metrics fid2k,kid10k\n"
                "  genlab eval runs/00000-seed-dcgan-mnist --metrics fid10k --backend onnxruntime\n"
                "  genlab eval RUN --metrics fid10k --best-of 2 --langevin-steps 40   # D-guided sampling\n"
                "  genlab eval RUN --metrics fid10k,pr10k --truncation 1.5             # truncated latents (GANs)\n"
                "  genlab eval runs/00005-edsr-x2-photos --metrics psnr_y,ssim_y       # SR on sr-mini\n"
                "  genlab eval SR_RUN --metrics psnr_y,ssim_y,kid_patches --hr Set14/HR # SR on a folder\n"
                "  genlab eval runs/00002-pix2pix-edges-fashion --metrics pairs500     # pix2pix on test pairs\n"
                "  genlab eval runs/00000-cyclegan-mnist-digits --metrics label_kept,cycle,translated500")
    e.add_argument("run", nargs="?", metavar="RUN_OR_CHECKPOINT")
    e.add_argument("--metrics", default="fid10k", help="comma-separated protocols (default fid10k); see docs/metrics.md")
    e.add_argument("--real", help="real images: mnist:test, fashion-mnist:train, a folder or an .npz")
    e.add_argument("--fake", help="generated images: a folder or an .npz")
    e.add_argument("--hr", metavar="DIR", help="SR runs: a folder of HR test images (default sr-mini)")
    e.add_argument("--lr", metavar="DIR", help="SR runs: their LR images (default: bicubic downscales of --hr)")
    e.add_argument("--resize", default="legacy_tensorflow", choices=["legacy_tensorflow", "clean"],
                   help="299x299 resize: StyleGAN3/TF-compatible (default, as published tables) or clean-fid's PIL bicubic")
    e.add_argument("--backend", default="torch", choices=["torch", "onnxruntime"],
                   help="what runs the Inception net: torch (default) or ONNX Runtime (CPU only; "
                        "pip install 'genlab[onnx]'; its reference statistics are cached separately)")
    e.add_argument("--n", type=_int_in(1), help="likelihood protocols: use the first N test images (default all); "
                   "translation protocols (pairs500, label_kept, cycle, translated500): N instead of 500")
    e.add_argument("--batch-size", type=_int_in(1), default=100, dest="batch_size",
                   help="images generated or read per batch (the Inception net runs 8 at a time on a CPU, 64 on a GPU)")
    e.add_argument("--seed", type=_int_in(0, MAX_SEED), default=0, help="seed of the generated samples")
    e.add_argument("--truncation", type=_float_in(0, above=True),
                   help="GAN runs: sample with latent values beyond +-T redrawn; stored apart from the plain results")
    e.add_argument("--device", default="cpu")
    e.add_argument("--json", action="store_true")
    _add_guidance_args(e)
    e.set_defaults(func=cmd_eval)

    pr = _parser(sub, "presets", "List the shipped presets.", "  genlab presets\n  genlab presets --json")
    pr.add_argument("--json", action="store_true")
    pr.set_defaults(func=cmd_presets)

    d = _parser(sub, "data", "List datasets, show one, or fetch it into the cache.",
                "  genlab data list\n  genlab data info mnist\n  genlab data fetch mnist\n"
                "  genlab data info fashion-mnist --data-dir ~/datasets/fashion\n  genlab data fetch photos\n"
                "  genlab data fetch spoken-digits     # synthesized by espeak-ng (apt-get install espeak-ng)\n"
                "  genlab data fetch drums             # hydrogen-drumkits one-shots (apt-get download, ~143 MB)\n"
                "  genlab data fetch music             # folk tunes (music21 wheel) by fluidsynth (apt-get install abcmidi fluidsynth)\n"
                "  genlab data fetch real-speech       # 14 real utterances (pocketsphinx-testdata, apt-get download, 1.8 MB)\n"
                "  genlab data info audio-folder:recordings/")
    d.add_argument("action", choices=["list", "info", "fetch"])
    d.add_argument("name", nargs="?")
    d.add_argument("--data-dir", help="folder with IDX files instead of the cache")
    d.add_argument("--json", action="store_true")
    d.set_defaults(func=cmd_data)

    st = _parser(sub, "studio", "Open the web studio on your runs: tables, curves, sampling, latent walks, restoration, training.",
                 "  genlab studio                      # http://127.0.0.1:8000/ over runs/\n"
                 "  genlab studio --runs my_runs --port 8080\n"
                 "  genlab studio --host 0.0.0.0       # reachable from other machines: only on a trusted network")
    st.add_argument("--runs", default="runs", help="the folder of run folders (default runs/)")
    st.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    st.add_argument("--port", type=_int_in(1, 65535), default=8000, help="port to serve on (default 8000)")
    st.set_defaults(func=cmd_studio)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run one command; every failure ends as one line on stderr and an exit code, never a traceback
    (unless --debug): 2 for a known failure (a bad value, a missing or damaged file), 1 for a bug."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    argv = (["--debug"] if debug else []) + [a for a in argv if a != "--debug"]  # accepted anywhere
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        print(f"genlab: error: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else 0
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("genlab: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `genlab ... | head`
        sys.stderr.close()
        return 0
    except Exception as exc:
        if debug:
            raise
        code, message = describe_error(exc)
        print(f"genlab: error: {message}", file=sys.stderr)
        return code
