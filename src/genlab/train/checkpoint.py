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

from genlab.errors import CheckpointError, GenlabError
from genlab.io import read_json_file, remove_stale_temp_files, write_json

MODEL_FILE, CONFIG_FILE = "model.safetensors", "config.json"
STATE_FILE, STATE_JSON = "train_state.safetensors", "train_state.json"
_STEP_DIR = re.compile(r"^step_(\d+)$")
# what save_checkpoint leaves behind when it is killed: its temp folder and the swapped-out old one
_TEMP_DIR = re.compile(r"^\.(step_\d+\..+|old-step_\d+)$")


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


def run_dir_of(ckpt: Path) -> Path:
    """The run folder that holds a checkpoint folder (RUN/checkpoints/step_N -> RUN); else the folder itself."""
    ckpt = Path(ckpt)
    return ckpt.parent.parent if ckpt.parent.name == "checkpoints" and _STEP_DIR.match(ckpt.name) else ckpt


def remove_stale_temps(run_dir: Path) -> list[Path]:
    """Delete what interrupted writes left in a run folder: checkpoint temp folders and .NAME.XXXX.tmp files."""
    run_dir = Path(run_dir)
    removed = []
    for folder in (run_dir, run_dir / "samples", run_dir / "checkpoints"):
        removed += remove_stale_temp_files(folder)
    checkpoints = run_dir / "checkpoints"
    if checkpoints.is_dir():
        for p in checkpoints.iterdir():
            if p.is_dir() and _TEMP_DIR.match(p.name):
                shutil.rmtree(p, ignore_errors=True)
                removed.append(p)
    return removed


_DAMAGED = "use another checkpoint of the run (checkpoints/step_*) or the run's previous copy"


def _read_json(ckpt: Path, name: str) -> dict:
    try:
        return read_json_file(ckpt / name, "checkpoint file", hint=_DAMAGED)
    except CheckpointError:
        raise
    except GenlabError as exc:
        raise CheckpointError(str(exc)) from None


def _read_tensors(ckpt: Path, name: str) -> dict[str, torch.Tensor]:
    path = ckpt / name
    if not path.is_file():
        raise CheckpointError(f"checkpoint '{ckpt}' lacks {name}; {_DAMAGED}")
    try:
        return load_file(str(path))
    except Exception as exc:  # safetensors raises its own SafetensorError for truncated or corrupt files
        raise CheckpointError(f"checkpoint file '{path}' is damaged ({type(exc).__name__}: "
                              f"{str(exc).splitlines()[0] if str(exc) else 'unreadable'}); {_DAMAGED}") from None


def load_checkpoint_meta(ckpt: Path) -> dict:
    """A checkpoint's config.json, checked: CheckpointError names the damaged file and what to do."""
    ckpt = Path(ckpt)
    meta = _read_json(ckpt, CONFIG_FILE)
    for key, kind in (("config", dict), ("data_shape", dict)):
        if not isinstance(meta.get(key), kind):
            raise CheckpointError(f"checkpoint file '{ckpt / CONFIG_FILE}' is damaged: its '{key}' is missing "
                                  f"or not an object; {_DAMAGED}")
    shape = meta["data_shape"]
    text = shape.get("kind") == "text"  # a language model's data: its vocabulary and window length
    if text and not (isinstance(shape.get("vocab"), str) and shape["vocab"]):
        raise CheckpointError(f"checkpoint file '{ckpt / CONFIG_FILE}' is damaged: data_shape.vocab is "
                              f"{shape.get('vocab')!r}, expected the run's characters as a string; {_DAMAGED}")
    for key in ("seq_len",) if text else ("channels", "resolution"):
        if not isinstance(shape.get(key), int) or isinstance(shape.get(key), bool) or shape[key] < 1:
            raise CheckpointError(f"checkpoint file '{ckpt / CONFIG_FILE}' is damaged: data_shape.{key} is "
                                  f"{shape.get(key)!r}, expected a positive integer; {_DAMAGED}")
    return meta


def load_model_state(ckpt: Path) -> tuple[dict, dict[str, torch.Tensor]]:
    """(config.json contents, weights) of a checkpoint folder, each file checked: CheckpointError names
    the damaged file and what to do."""
    return load_checkpoint_meta(ckpt), _read_tensors(Path(ckpt), MODEL_FILE)


def load_train_state(ckpt: Path) -> tuple[dict, dict[str, torch.Tensor]]:
    """(train_state.json, train_state tensors) of a checkpoint folder."""
    ckpt = Path(ckpt)
    if not (ckpt / STATE_JSON).is_file() or not (ckpt / STATE_FILE).is_file():
        raise CheckpointError(f"checkpoint '{ckpt}' has no training state ({STATE_JSON}, {STATE_FILE}); "
                              "it can be sampled from but not resumed")
    state = _read_json(ckpt, STATE_JSON)
    missing = [k for k in ("step", "images_seen", "elapsed_s", "data_position", "optimizers") if k not in state]
    if missing:
        raise CheckpointError(f"checkpoint file '{ckpt / STATE_JSON}' is damaged: it lacks {', '.join(missing)}; "
                              f"{_DAMAGED}")
    return state, _read_tensors(ckpt, STATE_FILE)


def check_weights_fit(ckpt: Path, model: torch.nn.Module, weights: dict[str, torch.Tensor],
                      allow_missing: tuple[str, ...] = ("ema.",)) -> None:
    """CheckpointError unless the weights have the names and shapes of the model built from the checkpoint's
    config (an edited config.json or a file from another run shows here, not as a PyTorch traceback)."""
    expected = model.state_dict()
    wrong = [(k, tuple(v.shape), tuple(expected[k].shape)) for k, v in weights.items()
             if k in expected and tuple(v.shape) != tuple(expected[k].shape)]
    if wrong:
        name, got, want = wrong[0]
        raise CheckpointError(f"checkpoint '{ckpt}' does not fit its config.json: tensor '{name}' is {list(got)} "
                              f"in {MODEL_FILE} but the config builds {list(want)} ({len(wrong)} such); "
                              "was config.json edited? Restore it, or use the config the weights were trained with")
    unexpected = [k for k in weights if k not in expected]
    missing = [k for k in expected if k not in weights and not k.startswith(allow_missing)]
    if unexpected or missing:
        raise CheckpointError(f"checkpoint '{ckpt}' does not fit its config.json: missing {missing[:3]}, "
                              f"unexpected {unexpected[:3]}; {_DAMAGED}")


def check_resume_fits(ckpt: Path, saved: dict, config_dict: dict) -> None:
    """CheckpointError unless `config_dict` (the config asked to continue) can continue the run whose
    checkpoint config.json holds `saved`: same family and batch size (the weights' shapes are checked when
    they are loaded)."""
    old = saved.get("config", {})
    if old.get("family") != config_dict.get("family"):
        raise CheckpointError(f"run '{run_dir_of(ckpt)}' is of family '{old.get('family')}' (preset "
                              f"'{old.get('preset')}'); a '{config_dict.get('family')}' config (preset "
                              f"'{config_dict.get('preset')}') cannot resume it: resume it with its own config")
    old_batch = old.get("train", {}).get("batch_size")
    new_batch = config_dict.get("train", {}).get("batch_size")
    if old_batch != new_batch:
        raise CheckpointError(f"run '{run_dir_of(ckpt)}' was trained with batch size {old_batch}; it cannot be "
                              f"resumed with batch size {new_batch} (the data order depends on it): drop --batch-size "
                              "or start a new run")


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
