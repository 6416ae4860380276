"""Configs: dataclasses whose fields are the YAML keys, presets shipped in the package, dotted overrides.

A config has four sections: `data`, `model` (the family's own dataclass, chosen by `family`), `train`
and a few top-level fields. `load_config("seed-dcgan-mnist", ["train.batch_size=128"])` resolves a
preset with overrides; every value is cast to its field's type, and unknown keys are rejected with a
suggestion.
"""
from __future__ import annotations

import dataclasses
import math
import types
import typing
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from genlab.errors import ConfigError, suggest, unknown
from genlab.models import FAMILIES


@dataclass
class DataConfig:
    name: str = "mnist"              # dataset: mnist, fashion-mnist, folder, npz, digits, digits-framed, opencv-digits; text: shakespeare, fortunes, text; audio: spoken-digits, audio-folder, drums, drums-folder, music
    split: str = "train"             # train | test | all
    data_dir: str | None = None      # folder with IDX files (mnist, fashion-mnist), instead of the cache
    path: str | None = None          # image folder (folder) or .npz file (npz)
    resolution: int | None = None    # resize to this many pixels square; None keeps the data's size
    channels: int | None = None      # 1 (gray) or 3 (RGB); None keeps the data's channels
    strict: bool = False             # folder: fail on an unreadable image instead of skipping it
    binarize: str = "none"           # none | dynamic (Bernoulli pixels per batch) | fixed (drawn once)
    patch_size: int | None = None    # train on random patches this many pixels square (images of any size)
    augment: bool = False            # random patches: also a random flip and quarter turn (the square's 8 symmetries)
    degradation: str | None = None   # make {inputs, targets} pairs: bicubic-x2, ... (data/degrade.py); audio: noise:-5:15
    workers: int = 0                 # stream an image folder with this many reader processes (0: load it into memory)
    block_size: int | None = None    # text corpora (shakespeare, fortunes, text): characters per window (default 256)
    audio_length: int | None = None  # audio sets: samples per clip (cut or padded, centred); None keeps the set's
    recording_length: int | None = None  # audio sets: windows of this many samples of clips joined with random pauses (data/recordings.py)
    domain_b: str | None = None      # unpaired translation: the second domain, a data spec (digits, digits-framed, opencv-digits, fashion-mnist, npz:FILE)


@dataclass
class TrainConfig:
    batch_size: int = 64             # images per optimizer step (global batch)
    steps: int | None = None         # stop after this many steps ...
    epochs: float | None = None      # ... or this many passes over the data ...
    minutes: float | None = None     # ... or this much wall time (the first limit reached wins)
    seed: int = 0                    # seeds weights, noise, dropout and data order
    device: str = "auto"             # auto | cpu | cuda | cuda:N
    precision: str = "fp32"          # fp32 | bf16 (autocast) | fp16 (autocast + grad scaler, CUDA)
    channels_last: bool = False      # NHWC memory format for conv nets
    compile: bool = False            # torch.compile the nets (first steps are slow)
    sync_batchnorm: bool = False     # under torchrun on CUDA: BatchNorm statistics over the global batch
    grad_clip: float | None = None   # clip each net's gradient norm to this value
    lr_decay_epochs: float = 0.0     # lr falls linearly to 0 over the last N epochs of the run (0: constant)
    log_every: int = 50              # steps between metrics.jsonl lines
    sample_every: int = 500          # steps between sample grids from a fixed noise batch
    checkpoint_every: int = 1000     # steps between checkpoints (one is always written at the end)
    keep_checkpoints: int = 2        # newest checkpoints kept on disk
    n_samples: int = 64              # images in each sample grid
    eval_every_steps: int = 0        # run eval_metrics every N steps (0: never)
    eval_metrics: list[str] = field(default_factory=list)  # protocol names, e.g. [fid2k]
    out: str = "runs"                # parent folder of run folders
    tensorboard: bool = True         # write TensorBoard events when tensorboard is installed


@dataclass
class Config:
    preset: str = ""                 # the preset this config came from ('' for none)
    family: str = "gan"              # model family: see genlab.models.FAMILIES
    description: str = ""            # one line shown by `genlab presets`
    data: DataConfig = field(default_factory=DataConfig)
    model: Any = None                # the family's config dataclass (GANConfig, ...)
    train: TrainConfig = field(default_factory=TrainConfig)

    def to_dict(self) -> dict:
        return asdict(self)


# ---------------------------------------------------------------------------------------------- presets

def preset_names() -> list[str]:
    files = resources.files("genlab") / "presets"
    return sorted(p.name[:-5] for p in files.iterdir() if p.name.endswith(".yaml"))


# torch seeds are 64-bit; the loop derives more seeds by multiplying train.seed, so it stays within 32 bits
MAX_SEED = 2**63 - 1
MAX_TRAIN_SEED = 2**32 - 1


def _preset_text(name: str) -> str:
    if name.endswith((".yaml", ".yml")) or "/" in name or "\\" in name:  # a file, not a shipped name
        path = Path(name)
        if not path.exists():
            raise ConfigError(f"preset file '{name}' does not exist (shipped presets: {', '.join(preset_names())})")
        if not path.is_file():
            raise ConfigError(f"preset file '{name}' is a folder; expected a YAML file")
        try:
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise ConfigError(f"preset file '{name}' is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
        except OSError as exc:
            raise ConfigError(f"preset file '{name}' cannot be read: {exc.strerror or exc}") from None
    names = preset_names()
    if name not in names:
        raise ConfigError(unknown("preset", name, names))
    return (resources.files("genlab") / "presets" / f"{name}.yaml").read_text(encoding="utf-8")


def load_config(preset: str | None = None, overrides: list[str] | None = None, base: dict | None = None) -> Config:
    """A validated Config from a preset name (or YAML path), a plain dict, and `key.sub=value` overrides."""
    raw: dict = {}
    if preset:
        loaded = parse_yaml(_preset_text(preset), f"preset '{preset}'") or {}
        if not isinstance(loaded, dict):
            raise ConfigError(f"preset '{preset}' must be a YAML mapping, got {type(loaded).__name__}")
        raw = loaded
        raw.setdefault("preset", Path(preset).stem if preset.endswith((".yaml", ".yml")) else preset)
    if base:
        raw = _merge(raw, base)
    apply_overrides(raw, overrides or [])
    return config_from_dict(raw)


def apply_overrides(raw: dict, overrides: list[str]) -> dict:
    """Set each `key.sub=value` override (YAML values) in the plain config dict `raw`, in place; returns it."""
    for item in overrides:
        key, sep, _ = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"override '{item}' is not of the form key.sub=value")
        _set_dotted(raw, key.strip(), override_value(item))
    return raw


def parse_yaml(text: str, where: str) -> Any:
    """yaml.safe_load with a one-line ConfigError naming `where` and the line of a syntax error."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{where} is not valid YAML{at}: {problem}") from None


def override_value(item: str) -> Any:
    """The YAML value of one `key.sub=value` override (None for an empty value)."""
    key, _, value = item.partition("=")
    return parse_yaml(value, f"the value of --set '{item}'") if value.strip() else None


def config_from_dict(raw: dict) -> Config:
    raw = dict(raw)
    family = raw.get("family", "gan")
    if family not in FAMILIES:
        raise ConfigError(unknown("family", str(family), FAMILIES))
    model_cls = FAMILIES[family].Config
    cfg = Config(
        preset=_cast("preset", raw.pop("preset", ""), str),
        family=family,
        description=_cast("description", raw.pop("description", ""), str),
        data=_build(DataConfig, raw.pop("data", {}) or {}, "data"),
        model=_build(model_cls, raw.pop("model", {}) or {}, "model"),
        train=_build(TrainConfig, raw.pop("train", {}) or {}, "train"),
    )
    raw.pop("family", None)
    for key in raw:
        known = ["preset", "family", "description", "data", "model", "train"]
        raise ConfigError(f"config key '{key}' is unknown{suggest(key, known)}; known: {', '.join(known)}")
    validate(cfg)
    return cfg


def validate(cfg: Config) -> None:
    t = cfg.train
    if not 0 <= t.seed <= MAX_TRAIN_SEED:
        raise ConfigError(f"train.seed must be in 0-{MAX_TRAIN_SEED}, got {t.seed}")
    for name in ("epochs", "minutes", "grad_clip", "lr_decay_epochs"):
        value = getattr(t, name)
        if value is not None and not math.isfinite(value):
            raise ConfigError(f"train.{name} must be a finite number, got {value}")
    if t.grad_clip is not None and t.grad_clip <= 0:
        raise ConfigError(f"train.grad_clip must be > 0 (or null for none), got {t.grad_clip}")
    if t.n_samples < 1:
        raise ConfigError(f"train.n_samples must be >= 1, got {t.n_samples}")
    if t.eval_every_steps < 0:
        raise ConfigError(f"train.eval_every_steps must be >= 0, got {t.eval_every_steps}")
    if t.batch_size < 1:
        raise ConfigError(f"train.batch_size must be >= 1, got {t.batch_size}")
    if t.precision not in ("fp32", "bf16", "fp16"):
        raise ConfigError(f"train.precision '{t.precision}' is unknown; known: bf16, fp16, fp32")
    for name in ("steps", "epochs", "minutes"):
        value = getattr(t, name)
        if value is not None and value <= 0:
            raise ConfigError(f"train.{name} must be > 0, got {value}")
    for name in ("log_every", "sample_every", "checkpoint_every", "keep_checkpoints"):
        if getattr(t, name) < 1:
            raise ConfigError(f"train.{name} must be >= 1, got {getattr(t, name)}")
    if t.lr_decay_epochs < 0:
        raise ConfigError(f"train.lr_decay_epochs must be >= 0, got {t.lr_decay_epochs}")
    d = cfg.data
    for name in ("resolution", "channels"):
        value = getattr(d, name)
        if value is not None and value < 1:
            raise ConfigError(f"data.{name} must be >= 1 (or null to keep the data's), got {value}")
    if cfg.data.binarize not in ("none", "dynamic", "fixed"):
        raise ConfigError(f"data.binarize '{cfg.data.binarize}' is unknown; known: dynamic, fixed, none")
    _validate_model_numbers(cfg.model)
    _validate_data_sources(cfg.data)
    _validate_modality(cfg)
    check = getattr(cfg.model, "validate", None)
    if check:
        check()


def _validate_model_numbers(model: Any) -> None:
    """What holds for every family's config: finite numbers, learning rates > 0, Adam betas in [0, 1),
    no negative sizes in net_args (each family's own validate() checks the rest)."""
    if not is_dataclass(model):
        return
    for f in fields(model):
        value = getattr(model, f.name)
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"model.{f.name} must be a finite number, got {value}")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if (f.name == "lr" or f.name.startswith("lr_")) and value <= 0:
                raise ConfigError(f"model.{f.name} (a learning rate) must be > 0, got {value}")
            if f.name in ("beta1", "beta2") and not 0 <= value < 1:
                raise ConfigError(f"model.{f.name} (an Adam beta) must be in [0, 1), got {value}")
    for key, value in (getattr(model, "net_args", None) or {}).items():
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            continue
        size = key in ("width", "hidden", "depth", "blocks") or key.endswith(("_width", "_dim", "_size"))
        if value < (1 if size else 0):
            raise ConfigError(f"model.net_args.{key} must be >= {1 if size else 0}, got {value}")


def _validate_modality(cfg: Config) -> None:
    """A text family needs a text corpus and an image family images (data/text.py names the corpora)."""
    from genlab.data.text import TEXT_CORPORA

    family = FAMILIES[cfg.family].modality
    data = "text" if cfg.data.name in TEXT_CORPORA else "images"
    if family != data:
        fix = (f"use a text corpus (data.name: {', '.join(TEXT_CORPORA)})" if family == "text"
               else "use family lm (e.g. --preset gpt-shakespeare-char) for text")
        raise ConfigError(f"family '{cfg.family}' models {family}, but data '{cfg.data.name}' gives {data}; {fix}")
    if data == "images" and cfg.data.block_size is not None:
        raise ConfigError(f"data.block_size is for text corpora ({', '.join(TEXT_CORPORA)}), not '{cfg.data.name}'")


def _validate_data_sources(d: DataConfig) -> None:
    """data.patch_size, data.degradation and data.workers: how batches are made (data/sources.py)."""
    from genlab.data.degrade import parse_degradation

    if d.patch_size is not None and d.patch_size < 1:
        raise ConfigError(f"data.patch_size must be a number of pixels >= 1 (or null), got {d.patch_size}")
    if d.workers < 0:
        raise ConfigError(f"data.workers must be >= 0, got {d.workers}")
    if d.block_size is not None and d.block_size < 1:
        raise ConfigError(f"data.block_size must be a number of characters >= 1 (or null), got {d.block_size}")
    if d.workers and d.name != "folder":
        raise ConfigError(f"data.workers streams an image folder (data.name: folder), not '{d.name}'")
    if not isinstance(d.augment, bool):
        raise ConfigError(f"data.augment must be true or false, got {d.augment!r}")
    if d.augment and d.patch_size is None:
        raise ConfigError("data.augment flips and turns random patches; set data.patch_size too (or unset data.augment)")
    if (d.patch_size is not None or d.workers) and d.binarize != "none":
        raise ConfigError(f"data.binarize '{d.binarize}' works on whole in-memory images; "
                          "it cannot be combined with data.patch_size or data.workers")
    if d.domain_b is not None and (d.patch_size is not None or d.degradation or d.workers):
        raise ConfigError("data.domain_b (unpaired domains) works on whole in-memory images; unset "
                          "data.patch_size, data.degradation and data.workers")
    if d.recording_length is not None:
        from genlab.data.audio_sets import AUDIO_DATASETS
        if d.name not in AUDIO_DATASETS:
            raise ConfigError(f"data.recording_length joins clips of audio sets ({', '.join(AUDIO_DATASETS)}), "
                              f"not '{d.name}'; unset it")
        if isinstance(d.recording_length, bool) or not isinstance(d.recording_length, int) or d.recording_length < 1:
            raise ConfigError(f"data.recording_length must be a number of samples >= 1 (or null), "
                              f"got {d.recording_length!r}")
    if d.degradation is not None and d.name in ("spoken-digits", "audio-folder", "drums", "drums-folder", "music"):
        from genlab.data.noise import parse_noise
        parse_noise(d.degradation)  # audio: noise:LOW:HIGH
    elif d.degradation is not None:
        _, scale = parse_degradation(d.degradation)
        if d.patch_size is not None and d.patch_size % scale:
            raise ConfigError(f"data.patch_size {d.patch_size} is not a multiple of the scale {scale} of "
                              f"data.degradation '{d.degradation}'")


# ---------------------------------------------------------------------------------------------- casting

def _merge(a: dict, b: dict) -> dict:
    out = dict(a)
    for k, v in b.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _set_dotted(raw: dict, key: str, value: Any) -> None:
    node = raw
    parts = key.split(".")
    for part in parts[:-1]:
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        if not isinstance(child, dict):
            raise ConfigError(f"override '{key}': '{part}' is a value, not a section")
        node = child
    node[parts[-1]] = value


def _build(cls: type, values: dict, where: str) -> Any:
    if not isinstance(values, dict):
        raise ConfigError(f"config section '{where}' must be a mapping, got {values!r}")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in fields(cls)]
    kwargs = {}
    for key, value in values.items():
        if key not in names:
            raise ConfigError(
                f"config key '{where}.{key}' is unknown{suggest(key, names)}; known: {', '.join(names)}")
        kwargs[key] = _cast(f"{where}.{key}", value, hints[key])
    return cls(**kwargs)


def _cast(where: str, value: Any, tp: Any) -> Any:
    """Cast a YAML value to a field type (int, float, bool, str, list[...], dict, X | None)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _cast(where, value, arg)
            except ConfigError as exc:
                errors.append(exc)
        raise errors[0]
    if tp is Any:
        return value
    if origin is list:
        (item_tp,) = typing.get_args(tp) or (Any,)
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where} must be a list, got {value!r}")
        return [_cast(where, v, item_tp) for v in value]
    if origin is dict or tp is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where} must be a mapping, got {value!r}")
        return dict(value)
    if origin is tuple:
        item_tps = typing.get_args(tp)
        if not isinstance(value, (list, tuple)) or len(value) != len(item_tps):
            raise ConfigError(f"{where} must be a list of {len(item_tps)} values, got {value!r}")
        return tuple(_cast(where, v, t) for v, t in zip(value, item_tps))
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{where} must be true or false, got {value!r}")
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value:
            raise ConfigError(f"{where} must be an integer, got {value!r}")
        return int(value)
    if tp is float:
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**1023:
            raise ConfigError(f"{where} must be a number of a sensible size, got {value}")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where} must be a number, got {value!r}")
        return float(value)
    if tp is str:
        if isinstance(value, (dict, list)) or value is None:
            raise ConfigError(f"{where} must be a string, got {value!r}")
        return str(value)
    if is_dataclass(tp):
        return _build(tp, value, where)
    return value


def config_to_yaml(cfg: Config) -> str:
    return yaml.safe_dump(cfg.to_dict(), sort_keys=False)


def replace(cfg: Config, **sections: Any) -> Config:
    return dataclasses.replace(cfg, **sections)
