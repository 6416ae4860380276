"""Checkpoints as folders, written atomically.

    checkpoints/step_000500/
      model.safetensors        raw (and EMA) weights: what sample, eval and the apps need
      config.json              the resolved config, the data interface and versions
      train_state.safetensors  optimizer tensors and RNG states
      train_state.json         step, data position, optimizer hyperparameters, versions

The folder is written under a temporary name and renamed into place, so a crash or Ctrl-C never
leaves a half-written checkpoint; only folders named step_NNNNNN count.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from genlab.errors import CheckpointError
from genlab.io import read_json, write_json

MODEL_FILE, CONFIG_FILE = "model.safetensors", "config.json"
STATE_FILE, STATE_JSON = "train_state.safetensors", "train_state.json"
_STEP_DIR = re.compile(r"^step_(\d+)$")


def _contiguous(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k: v.detach().to("cpu").contiguous().clone() for k, v in tensors.items()}


def save_checkpoint(checkpoints_dir: Path, step: int, *, model_state: dict[str, torch.Tensor], config: dict,
                    state_tensors: dict[str, torch.Tensor], state: dict) -> Path:
    """Write checkpoints_dir/step_{step:06d}/ atomically and return its path."""
    checkpoints_dir = Path(checkpoints_dir)
    checkpoints_dir.mkdir(parents=True, exist_ok=True)
    final = checkpoints_dir / f"step_{step:06d}"
    tmp = Path(tempfile.mkdtemp(prefix=f".step_{step:06d}.", dir=checkpoints_dir))
    try:
        save_file(_contiguous(model_state), str(tmp / MODEL_FILE))
        write_json(tmp / CONFIG_FILE, config)
        save_file(_contiguous(state_tensors), str(tmp / STATE_FILE))
        write_json(tmp / STATE_JSON, state)
        if final.exists():  # re-saving the same step (e.g. at the end): swap, then drop the old one
            old = checkpoints_dir / f".old-{final.name}"
            shutil.rmtree(old, ignore_errors=True)
            os.replace(final, old)
            os.replace(tmp, final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, final)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return final


def list_checkpoints(checkpoints_dir: Path) -> list[Path]:
    """Complete checkpoint folders, oldest first."""
    if not Path(checkpoints_dir).is_dir():
        return []
    found = []
    for p in Path(checkpoints_dir).iterdir():
        m = _STEP_DIR.match(p.name)
        if m and p.is_dir() and all((p / f).is_file() for f in (MODEL_FILE, CONFIG_FILE)):
            found.append((int(m.group(1)), p))
    return [p for _, p in sorted(found)]


def prune_checkpoints(checkpoints_dir: Path, keep: int) -> None:
    for old in list_checkpoints(checkpoints_dir)[:-keep]:
        shutil.rmtree(old, ignore_errors=True)


def resolve_checkpoint(path: str | os.PathLike) -> Path:
    """A checkpoint folder from a run folder (its newest checkpoint) or a checkpoint folder itself."""
    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"run or checkpoint '{path}' does not exist")
    if (path / MODEL_FILE).is_file() and (path / CONFIG_FILE).is_file():
        return path
    found = list_checkpoints(path / "checkpoints")
    if not found:
        raise CheckpointError(f"'{path}' is neither a checkpoint folder (with {MODEL_FILE} and {CONFIG_FILE}) "
                              f"nor a run folder with checkpoints/step_*/")
    return found[-1]


def load_model_state(ckpt: Path) -> tuple[dict, dict[str, torch.Tensor]]:
    """(config.json contents, weights) of a checkpoint folder."""
    try:
        return read_json(ckpt / CONFIG_FILE), load_file(str(ckpt / MODEL_FILE))
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"checkpoint '{ckpt}' cannot be read: {exc}") from None


def load_train_state(ckpt: Path) -> tuple[dict, dict[str, torch.Tensor]]:
    """(train_state.json, train_state tensors) of a checkpoint folder."""
    if not (ckpt / STATE_JSON).is_file() or not (ckpt / STATE_FILE).is_file():
        raise CheckpointError(f"checkpoint '{ckpt}' has no training state ({STATE_JSON}, {STATE_FILE}); "
                              "it can be sampled from but not resumed")
    try:
        return read_json(ckpt / STATE_JSON), load_file(str(ckpt / STATE_FILE))
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"checkpoint '{ckpt}' training state cannot be read: {exc}") from None


# -- optimizer state <-> (json, tensors) ------------------------------------------------------------

def optimizer_to_flat(name: str, opt: torch.optim.Optimizer) -> tuple[dict, dict[str, torch.Tensor]]:
    sd = opt.state_dict()
    tensors, plain = {}, {}
    for idx, slots in sd["state"].items():
        for key, value in slots.items():
            if isinstance(value, torch.Tensor):
                tensors[f"opt.{name}.{idx}.{key}"] = value
            else:
                plain[f"{idx}.{key}"] = value
    return {"param_groups": sd["param_groups"], "plain": plain}, tensors


def optimizer_from_flat(name: str, opt: torch.optim.Optimizer, meta: dict, tensors: dict[str, torch.Tensor]) -> None:
    state: dict[int, dict[str, Any]] = {}
    prefix = f"opt.{name}."
    for key, value in tensors.items():
        if key.startswith(prefix):
            idx, slot = key[len(prefix):].split(".", 1)
            state.setdefault(int(idx), {})[slot] = value
    for key, value in meta.get("plain", {}).items():
        idx, slot = key.split(".", 1)
        state.setdefault(int(idx), {})[slot] = value
    opt.load_state_dict({"state": state, "param_groups": meta["param_groups"]})
