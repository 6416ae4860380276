"""The CLI's audio commands: `sample` on audio runs (WAV files) and `enhance`. Each parses, calls one apps
function, prints; kept apart from cli.py so that audio adds its commands here."""
from __future__ import annotations

from genlab.cli import _emit
from genlab.errors import GenlabError


def sample_audio(args, run, seeds: list[int], labels: list[int] | None) -> int:
    """`genlab sample` on an audio run: one WAV per seed and a spectrogram grid in --out DIR."""
    from genlab.apps.audio import write_audio_samples
    from genlab.apps.sample import sample_seeds
    from genlab.io import check_output_dir

    if args.individual or args.npz or args.truncation is not None or args.best_of != 1 or args.langevin_steps:
        raise GenlabError("audio runs write WAV files into --out DIR; --individual, --npz, --truncation and "
                          "discriminator guidance are for image runs")
    out = check_output_dir(args.out or "clips", "--out")
    clips = sample_seeds(run.model, seeds, labels, batch_size=args.batch_size)
    if run.model.num_classes and labels is None:
        labels = list(range(run.model.num_classes))
    written = write_audio_samples(clips, out, seeds=seeds, labels=labels, sample_rate=run.model.sample_rate)
    _emit(args, {"clips": len(seeds), "out": str(out), "spectrograms": str(written[-1])},
          f"wrote {len(seeds)} clips ({clips.shape[-1] / run.model.sample_rate:.2f} s at "
          f"{run.model.sample_rate} Hz) from {run.checkpoint} into {out}/; spectrograms: {written[-1]}")
    return 0


def _real_speech(args) -> int:
    """`genlab data fetch|info real-speech`: the recordings, fetched and checked, with their durations."""
    from genlab.data.audio import SAMPLE_RATE
    from genlab.data.real_speech import RECORDINGS, ensure_real_speech, read_recording, real_speech_dir

    paths = ensure_real_speech()  # fetched and checked once
    files = {str(p): RECORDINGS[n][1] for n, p in paths.items()}
    seconds = {n: round(len(read_recording(p)) / SAMPLE_RATE, 2) for n, p in paths.items()}
    info = {"name": "real-speech", "cache": str(real_speech_dir()), "files": files, "seconds": seconds}
    text = (f"real-speech: {len(files)} recordings, {sum(seconds.values()):.1f} s at {SAMPLE_RATE} Hz, "
            f"cached in {info['cache']}\n" + "\n".join(f"  {p}  {s:.2f} s  sha256 {d}" for (p, d), s
                                                       in zip(files.items(), seconds.values())))
    _emit(args, info, text)
    return 0


def _fetch_audio(args, name: str) -> int:
    from genlab.data import digits, drums, music
    from genlab.data.drumkits import licence_markdown

    if name not in CACHED_SETS:
        raise GenlabError(f"dataset '{name}' is read from your own files; nothing to fetch (use {name}:DIR)")
    if name == "spoken-digits":
        files, cache = digits.digits_files(), digits.digits_dir()
    elif name == "music":
        files, cache = music.music_files(), music.music_dir()
    else:
        files, cache = drums.drums_files(), drums.drums_dir()
    info = {"name": name, "cache": str(cache), "files": files}
    text = f"{name}: cached in {info['cache']}\n" + "\n".join(f"  {p}  sha256 {d}" for p, d in files.items())
    if name == "drums":
        info["kits"] = drums.drum_kits()
        text += "\n" + licence_markdown(info["kits"])
    if name == "music":
        info["tunes"] = music.tune_counts(music.music_tunes())
        text += "\n" + "\n".join(f"  {c}: {n['tunes']} tunes ({n['train']} train, {n['test']} test), {n['clips']} clips"
                                  for c, n in info["tunes"].items())
    _emit(args, info, text)
    return 0


CACHED_SETS = ("spoken-digits", "drums", "music")  # built once into the cache; the folder sets are read each time
LABELLED_SETS = ("drums", "drums-folder", "music")  # `data info` lists their clips per class


def interpolate_audio_report(args, run) -> int:
    """`genlab interpolate` on an audio run: step WAVs, the walk in one WAV and a spectrogram strip in --out DIR."""
    from genlab.apps.audio_walk import interpolate_clips, write_audio_walk
    from genlab.io import check_output_dir

    if args.gif:
        raise GenlabError("--gif is for image runs; an audio run writes WAV files and spectrograms.png into --out DIR")
    out = check_output_dir(args.out or "interpolate", "--out")
    clips = interpolate_clips(run.model, args.start, args.end, steps=args.steps, spherical=args.slerp, label=args.label)
    written = write_audio_walk(clips, out, run.model.sample_rate)
    _emit(args, {"clips": len(clips), "out": str(out), "walk": str(written[-2]), "spectrograms": str(written[-1])},
          f"interpolated {args.start} -> {args.end} in {args.steps} steps ({'slerp' if args.slerp else 'linear'}): "
          f"{len(clips)} clips in {out}/, the walk in {written[-2]}, spectrograms: {written[-1]}")
    return 0


def data_audio(args) -> int:
    """`genlab data fetch|info spoken-digits|drums|music|real-speech` and `genlab data info audio-folder:DIR|drums-folder:DIR`."""
    from genlab.data.audio_sets import load_audio_dataset

    name, _, path = args.name.partition(":")
    if name == "real-speech":
        return _real_speech(args)
    if name in CACHED_SETS and path and path not in ("train", "test"):
        raise GenlabError(f"{name} has splits train and test, not '{path}'")
    if args.action == "fetch":
        return _fetch_audio(args, name)
    splits = ([path] if path else ["train", "test"]) if name in CACHED_SETS else ["train"]
    described = {}
    for split in splits:
        ds = load_audio_dataset(name, split, path=None if name in CACHED_SETS else (path or None))
        described[ds.split] = ds.describe()
    lines = [f"{name}:{s}: {d['count']} clips of {d['samples']} samples ({d['seconds']} s at {d['sample_rate']} Hz), "
             f"{d['num_classes']} classes, rms {d['rms']}, peak {d['peak']}\n  source: {d['source']}"
             + (f"\n  classes: {', '.join(f'{c} {n}' for c, n in d['label_counts'].items())}" if name in LABELLED_SETS else "")
             for s, d in described.items()]
    _emit(args, {"name": name, "splits": described}, "\n".join(lines))
    return 0


BASELINES = ("spectral-subtraction", "wiener")


def enhancer_for(spec: str, device: str = "cpu"):
    """(enhance function (B, 1, T) -> (B, 1, T), description) for a run folder or baseline:NAME."""
    import torch

    from genlab.apps.runs import open_run
    from genlab.models.nets import NETS

    if spec.startswith("baseline:"):
        name = spec.split(":", 1)[1]
        if name not in BASELINES:
            raise GenlabError(f"baseline '{name}' is unknown; known: {', '.join(BASELINES)}")
        net = NETS[name]["enhancer"]()
        return (lambda x: torch.no_grad()(net)(x)), f"the {name} baseline"
    run = open_run(spec, device)
    if run.config.family != "enhance":
        raise GenlabError(f"'{run.path}' is a {run.config.family} run; enhance needs an enhance run "
                          f"(genlab train --preset enhance-digits) or baseline:{'|'.join(BASELINES)}")
    return (lambda x: run.model.enhance(x.to(device))), f"{run.checkpoint}"


def cmd_enhance(args) -> int:
    from genlab.apps.enhance import enhance_file
    from genlab.io import check_output_file

    check_output_file(args.out, "--out")
    enhance, what = enhancer_for(args.run, args.device)
    result = enhance_file(enhance, args.input, args.out, chunk_seconds=args.chunk, overlap_seconds=args.overlap)
    _emit(args, result, f"wrote {result['out']} ({result['seconds']:.2f} s at 16000 Hz) enhanced by {what}")
    return 0


def add_commands(sub) -> None:
    """The audio subcommands: enhance."""
    from genlab.cli import _float_in, _parser

    en = _parser(sub, "enhance", "Remove noise from a speech recording of any length with an enhance run "
                 "(or a classical baseline), chunk by chunk with overlap-add.",
                 "  genlab enhance runs/00007-enhance-digits noisy.wav --out clean.wav\n"
                 "  genlab enhance RUN interview.flac --out clean.wav --chunk 8 --overlap 1\n"
                 "  genlab enhance baseline:wiener noisy.wav --out wiener.wav")
    en.add_argument("run", metavar="RUN_OR_BASELINE", help="an enhance run or checkpoint, or baseline:wiener, "
                    "baseline:spectral-subtraction")
    en.add_argument("input", metavar="NOISY", help="a WAV/FLAC/OGG/AIFF file (any rate and channels: 16 kHz mono out)")
    en.add_argument("--out", required=True, metavar="OUT.wav")
    en.add_argument("--chunk", type=_float_in(0, above=True), default=4.0, help="seconds per window (default 4)")
    en.add_argument("--overlap", type=_float_in(0), default=0.5, help="seconds of cross-fade between windows (default 0.5)")
    en.add_argument("--device", default="cpu")
    en.add_argument("--json", action="store_true")
    en.set_defaults(func=cmd_enhance)
