"""A trained run: its folder, config and model, loaded from a checkpoint for sampling, eval and apps."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from genlab.config import Config, config_from_dict
from genlab.errors import CheckpointError
from genlab.io import read_json
from genlab.models import FAMILIES
from genlab.train.checkpoint import load_model_state, resolve_checkpoint


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


def build_model(config: Config, *, img_channels: int, img_resolution: int, num_classes: int = 0) -> nn.Module:
    """The family named by config.family, built for images of the given shape."""
    family = FAMILIES[config.family]
    return family(config.model, img_channels=img_channels, img_resolution=img_resolution, num_classes=num_classes)


def load_run(path: str | os.PathLike, device: str | torch.device = "cpu") -> Run:
    """Load a run folder (its newest checkpoint) or a checkpoint folder, ready to sample."""
    ckpt = resolve_checkpoint(path)
    meta, weights = load_model_state(ckpt)
    try:
        config = config_from_dict(meta["config"])
        shape = meta["data_shape"]
    except KeyError as exc:
        raise CheckpointError(f"checkpoint '{ckpt}' config.json lacks {exc}") from None
    model = build_model(config, img_channels=shape["channels"], img_resolution=shape["resolution"],
                        num_classes=shape.get("num_classes", 0))
    missing, unexpected = model.load_state_dict(weights, strict=False)
    if unexpected or [k for k in missing if not k.startswith("ema.")]:
        raise CheckpointError(f"checkpoint '{ckpt}' does not fit its config: missing {missing[:3]}, "
                              f"unexpected {unexpected[:3]}")
    model.to(device).eval()
    run_dir = ckpt.parent.parent if ckpt.parent.name == "checkpoints" else ckpt
    summary_file = run_dir / "summary.json"
    summary = read_json(summary_file) if summary_file.is_file() else {}
    return Run(path=run_dir, config=config, model=model, step=meta.get("step", 0), checkpoint=ckpt, summary=summary)
