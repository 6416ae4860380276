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


def add_commands(sub) -> None:
    """The audio subcommands."""


def data_audio(args) -> int:
    """`genlab data fetch|info spoken-digits` and `genlab data info audio-folder:DIR`."""
    from genlab.data import digits
    from genlab.data.audio_sets import load_audio_dataset

    name, _, path = args.name.partition(":")
    if name == "spoken-digits" and path and path not in ("train", "test"):
        raise GenlabError(f"spoken-digits has splits train and test, not '{path}'")
    if args.action == "fetch":
        if name != "spoken-digits":
            raise GenlabError("dataset 'audio-folder' is read from your own files; nothing to fetch (use audio-folder:DIR)")
        files = digits.digits_files()
        info = {"name": name, "cache": str(digits.digits_dir()), "files": files}
        _emit(args, info, f"{name}: cached in {info['cache']}\n" + "\n".join(f"  {p}  sha256 {d}" for p, d in files.items()))
        return 0
    splits = ([path] if path else ["train", "test"]) if name == "spoken-digits" else ["train"]
    described = {}
    for split in splits:
        ds = load_audio_dataset(name, split, path=(path or None) if name == "audio-folder" else None)
        described[ds.split] = ds.describe()
    lines = [f"{name}:{s}: {d['count']} clips of {d['samples']} samples ({d['seconds']} s at {d['sample_rate']} Hz), "
             f"{d['num_classes']} classes, rms {d['rms']}, peak {d['peak']}\n  source: {d['source']}"
             for s, d in described.items()]
    _emit(args, {"name": name, "splits": described}, "\n".join(lines))
    return 0
