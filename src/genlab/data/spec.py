"""`parse_data_spec`: the one-string dataset names the CLI and configs accept."""
from __future__ import annotations

import os
from pathlib import Path

from genlab.data.dataset import DATASETS, SPLITS
from genlab.errors import DataError, unknown

_NAMED = tuple(d for d in DATASETS if d not in ("folder", "npz"))


def parse_data_spec(spec: str) -> tuple[str, dict]:
    """Split a data spec into (dataset name, load_dataset keyword arguments).

    "mnist" -> ("mnist", {"split": "train"}); "mnist:test" -> ("mnist", {"split": "test"});
    "folder:DIR" or an existing directory -> ("folder", {"path": DIR});
    "npz:FILE" or a path ending in .npz -> ("npz", {"path": FILE}).
    """
    spec = spec.strip()
    name, sep, rest = spec.partition(":")
    if name in _NAMED:
        split = rest if sep else "train"
        if split not in SPLITS:
            raise DataError(unknown("split", split, SPLITS) + f" (in data spec '{spec}')")
        return name, {"split": split}
    if name in ("folder", "npz") and sep:
        if not rest:
            expected = f"{name}:{'DIR' if name == 'folder' else 'FILE.npz'}"
            raise DataError(f"data spec '{spec}' has no path; expected {expected}")
        return name, {"path": rest}
    if spec.lower().endswith(".npz"):
        return "npz", {"path": spec}
    if os.path.isdir(spec):
        return "folder", {"path": spec}
    if os.sep in spec or "/" in spec or Path(spec).exists():
        raise DataError(f"data spec '{spec}' is neither a folder nor a .npz file; expected a dataset name "
                        f"({', '.join(_NAMED)}), a folder of images or a .npz file")
    raise DataError(unknown("dataset", name, DATASETS) + "; or give a folder of images or a .npz file")
