"""A trained run: its folder, config and model, loaded from a checkpoint for sampling, eval and apps."""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from genlab.config import Config, config_from_dict
from genlab.errors import CheckpointError, ConfigError, GenlabError
from genlab.io import read_json_file
from genlab.models import FAMILIES
from genlab.train.checkpoint import check_weights_fit, load_model_state, resolve_checkpoint, run_dir_of

log = logging.getLogger("genlab")


@dataclass
class Run:
    """A run folder and its model. `sample` uses EMA weights when the run has them."""
    path: Path
    config: Config
    model: nn.Module
    step: int = 0
    checkpoint: Path | None = None
    summary: dict = field(default_factory=dict)

    @property
    def num_classes(self) -> int:
        return getattr(self.model, "num_classes", 0)

    def sample(self, n: int, labels: torch.Tensor | None = None,
               generator: torch.Generator | None = None) -> torch.Tensor:
        """n images in [-1, 1], (n, C, H, W)."""
        return self.model.sample(n, labels=labels, generator=generator)

    def generate(self, prompt: str = "\n", max_new_tokens: int = 500, temperature: float = 0.8,
                 top_k: int | None = None, seed: int = 0) -> str:
        """Language-model runs: the text generated after `prompt` (genlab.generate_text streams it)."""
        if self.model.modality != "text":
            raise GenlabError(f"run '{self.path}' is a {self.config.family} run of images; generate needs a "
                              "language-model run (family lm)")
        return "".join(self.model.stream(prompt, max_new_tokens, temperature=temperature, top_k=top_k, seed=seed))

    def upscale(self, images: torch.Tensor) -> torch.Tensor:
        """SR runs: (B, C, h, w) in [-1, 1] -> (B, C, h*s, w*s) in [-1, 1], in one pass (EMA weights when
        present). For image files of any size, tile by tile, use genlab.upscale_image / upscale_paths."""
        if not hasattr(self.model, "upscale"):
            raise GenlabError(f"run '{self.path}' is a {self.config.family} run; upscale needs a "
                              "super-resolution (family: sr) run")
        return self.model.upscale(images)


def build_model(config: Config, **interface) -> nn.Module:
    """The family named by config.family, built for the data's interface: images (img_channels,
    img_resolution, num_classes) or text (vocab, seq_len)."""
    family = FAMILIES[config.family]
    data_modality = "text" if "vocab" in interface else "images"
    if family.modality != data_modality:
        raise ConfigError(f"family '{config.family}' models {family.modality}, but data '{config.data.name}' gives "
                          f"{data_modality}; " + ("use a text corpus (data.name: shakespeare, fortunes or text)"
                                                  if family.modality == "text" else "use family lm for text"))
    try:
        return family(config.model, **interface)
    except GenlabError:
        raise
    except (ValueError, TypeError, RuntimeError) as exc:  # e.g. a width that makes a layer of negative size
        raise ConfigError(f"the {config.family} model cannot be built from model.{'/'.join(_set_fields(config))} "
                          f"({type(exc).__name__}: {' '.join(str(exc).split())[:200]})") from None


def interface_of(shape: dict) -> dict:
    """A family's interface arguments from a checkpoint's data_shape (text runs store their vocabulary there)."""
    if shape.get("kind") == "text":
        return {"vocab": shape["vocab"], "seq_len": shape["seq_len"]}
    return {"img_channels": shape["channels"], "img_resolution": shape["resolution"],
            "num_classes": shape.get("num_classes", 0) or 0}


def _set_fields(config: Config) -> list[str]:
    return ["net", "net_args"] if hasattr(config.model, "net_args") else ["*"]


def read_summary(run_dir: str | os.PathLike) -> dict:
    """A run's summary.json ({} when it has none); CheckpointError when it is damaged."""
    path = Path(run_dir) / "summary.json"
    if not path.is_file():
        return {}
    try:
        return read_json_file(path, "run summary", hint="delete it or restore it from a copy "
                              "(training rewrites it at the end; eval results in it are lost)")
    except GenlabError as exc:
        raise CheckpointError(str(exc)) from None


def config_from_checkpoint(ckpt: Path, meta: dict) -> Config:
    """The Config saved in a checkpoint's config.json; CheckpointError naming the file when it is invalid."""
    try:
        return config_from_dict(meta["config"])
    except ConfigError as exc:
        raise CheckpointError(f"checkpoint file '{Path(ckpt) / 'config.json'}' holds an invalid config ({exc}); "
                              "restore it, or use another checkpoint of the run") from None


def load_run(path: str | os.PathLike, device: str | torch.device = "cpu") -> Run:
    """Load a run folder (its newest checkpoint) or a checkpoint folder, ready to sample."""
    ckpt = resolve_checkpoint(path)
    meta, weights = load_model_state(ckpt)
    config = config_from_checkpoint(ckpt, meta)
    shape = meta["data_shape"]
    try:
        model = build_model(config, **interface_of(shape))
    except (ConfigError, KeyError, TypeError) as exc:
        raise CheckpointError(f"checkpoint file '{ckpt / 'config.json'}' describes a model that cannot be built "
                              f"({exc}); restore it, or use another checkpoint") from None
    check_weights_fit(ckpt, model, weights)
    model.load_state_dict(weights, strict=False)
    model.to(device).eval()
    run_dir = run_dir_of(ckpt)
    try:
        summary = read_summary(run_dir)
    except CheckpointError as exc:  # the weights are fine: sampling need not fail for a damaged summary
        log.warning("%s", exc)
        summary = {}
    step = meta.get("step", 0)
    return Run(path=run_dir, config=config, model=model, step=step if isinstance(step, int) else 0,
               checkpoint=ckpt, summary=summary)
