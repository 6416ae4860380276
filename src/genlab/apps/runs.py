"""Run folders as the applications see them: open one for its model, list a folder of them, read a
run's config, curves and sample grids as they are written (for a live view of a training run)."""
from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from genlab.errors import CheckpointError, GenlabError
from genlab.train.checkpoint import list_checkpoints
from genlab.train.run import Run, load_run, read_summary

LIVE_SECONDS = 120  # a run without summary.json whose metrics.jsonl changed this recently is "running"


def open_run(path: str | os.PathLike, device: str = "cpu", modality: str | None = "images",
             command: str | None = None) -> Run:
    """A run folder (its newest checkpoint) or a checkpoint folder, loaded on `device` ready to use;
    GenlabError when its model is not of `modality` (images, text; None: any). command: a latent-space
    command (sample, reconstruct, interpolate, ...); a run without a sampler (super-resolution, style
    transfer) is then refused in one line."""
    from genlab.train.loop import resolve_device

    return check_run_kind(load_run(path, device=resolve_device(device, "--device")), path, modality, command)


def check_run_kind(run: Run, path: str | os.PathLike, modality: str | None = "images",
                   command: str | None = None) -> Run:
    """`run` when its model is of `modality` and, given a latent-space `command`, has a sampler; else the
    GenlabError open_run raises (`path`: the run as the user named it)."""
    if modality is not None and run.model.modality != modality:
        if run.model.modality == "text":
            raise GenlabError(f"run '{run.path}' is a language-model (lm) run of text; this command needs an image "
                              "run; use `genlab generate` for text")
        raise GenlabError(f"run '{run.path}' is a {run.config.family} run of images; this command needs a "
                          "language-model run (family lm, e.g. --preset gpt-shakespeare-char)")
    if command not in (None, "sample", "interpolate") and run.model.sample_rate:
        raise GenlabError(f"run '{path}' is an audio ({run.config.family}) run; genlab {command} works on image runs "
                          "(audio runs: sample, interpolate, eval)")
    if command and not hasattr(run.model, "sample"):
        raise GenlabError(f"run '{path}' is a {run.config.family} run; genlab {command} needs a GAN, VAE or "
                          "autoencoder run")
    return run


@dataclass
class RunInfo:
    """What a table of runs shows, read from the run folder's files without loading the model."""
    name: str
    preset: str | None
    family: str | None
    dataset: str | None
    step: int
    status: str  # finished | interrupted | running | incomplete
    metrics: dict = field(default_factory=dict)
    losses: dict = field(default_factory=dict)
    thumbnail: str | None = None  # path relative to the run folder
    checkpoints: int = 0
    modified: float = 0.0

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return asdict(self)


def read_config(run_dir: str | os.PathLike) -> dict:
    """The run's resolved config (config.yaml) as a plain dict; {} when it has none yet."""
    path = Path(run_dir) / "config.yaml"
    if not path.is_file():
        return {}
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"'{path}' is not valid YAML ({type(exc).__name__})") from None
    return loaded if isinstance(loaded, dict) else {}


def run_info(run_dir: str | os.PathLike) -> RunInfo:
    """A RunInfo for one run folder; CheckpointError when it is not a run folder."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise CheckpointError(f"run '{run_dir.name}' does not exist (deleted or moved?)")
    config = read_config(run_dir)
    if not config and not (run_dir / "checkpoints").is_dir():
        raise CheckpointError(f"'{run_dir.name}' is not a run folder (no config.yaml or checkpoints/)")
    try:
        summary = read_summary(run_dir)
    except CheckpointError:
        summary = {}
    records = tail_records(run_dir)
    metrics_path = run_dir / "metrics.jsonl"
    modified = metrics_path.stat().st_mtime if metrics_path.is_file() else run_dir.stat().st_mtime
    last_step = max((r.get("step", 0) for r in records if isinstance(r.get("step"), int)), default=0)
    if summary.get("status"):
        status = summary["status"]
    else:
        status = "running" if time.time() - modified < LIVE_SECONDS else "incomplete"
    losses = summary.get("final_losses") or {k: v for r in records for k, v in r.items()
                                              if k.startswith(("loss", "d_", "elbo", "kl", "rec"))}
    thumb = "samples.png" if (run_dir / "samples.png").is_file() else None
    return RunInfo(name=run_dir.name, preset=config.get("preset") or summary.get("preset"),
                   family=config.get("family") or summary.get("family"),
                   dataset=(config.get("data") or {}).get("name") if isinstance(config.get("data"), dict) else None,
                   step=int(summary.get("step", last_step) or 0), status=status,
                   metrics={k: v for k, v in (summary.get("metrics") or {}).items() if isinstance(v, (int, float))},
                   losses={k: v for k, v in losses.items() if isinstance(v, (int, float))}, thumbnail=thumb,
                   checkpoints=len(list_checkpoints(run_dir / "checkpoints")), modified=modified)


def list_runs(root: str | os.PathLike) -> list[RunInfo]:
    """Every run folder directly under `root`, newest name first; folders that are not runs are skipped."""
    root = Path(root)
    if not root.is_dir():
        raise GenlabError(f"runs folder '{root}' does not exist")
    infos = []
    for path in sorted(root.iterdir(), reverse=True):
        if path.is_dir() and not path.name.startswith("."):
            try:
                infos.append(run_info(path))
            except (GenlabError, OSError):  # not a run, or deleted while we looked
                continue
    return infos


def read_metrics_since(run_dir: str | os.PathLike, offset: int = 0) -> tuple[list[dict], int]:
    """The complete metrics.jsonl records after byte `offset`, and the offset to ask from next time
    (a line still being written is left for the next call)."""
    path = Path(run_dir) / "metrics.jsonl"
    if not path.is_file():
        return [], 0
    with open(path, "rb") as f:
        size = f.seek(0, os.SEEK_END)
        if offset > size:  # the file was rewritten (a resumed run): read it again from the start
            offset = 0
        f.seek(offset)
        data = f.read()
    end = data.rfind(b"\n") + 1
    records = []
    for line in data[:end].splitlines():
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue
        if isinstance(record, dict):
            records.append(record)
    return records, offset + end


def tail_records(run_dir: str | os.PathLike, nbytes: int = 65536) -> list[dict]:
    """The complete records in the last `nbytes` of metrics.jsonl: the newest step and losses of a run
    without reading a long log whole (a table of many runs is refreshed every few seconds)."""
    path = Path(run_dir) / "metrics.jsonl"
    if not path.is_file():
        return []
    size = path.stat().st_size
    start = max(0, size - nbytes)
    records, _ = read_metrics_since(run_dir, start)
    return records[1:] if start else records  # the first line may be cut at `start`


def sample_grids(run_dir: str | os.PathLike) -> list[dict]:
    """The sample grids written during training, oldest first: [{"step": 200, "path": "samples/step_000200.png"}]."""
    folder = Path(run_dir) / "samples"
    grids = []
    for p in sorted(folder.glob("step_*.png")) if folder.is_dir() else []:
        digits = p.stem[5:]
        if digits.isdigit():
            grids.append({"step": int(digits), "path": f"samples/{p.name}"})
    return grids

