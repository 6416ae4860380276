"""Images from a .npz file: `x` (N, H, W) or (N, H, W, C) uint8, optional `y` (N,) integer labels and
optional `class_names` (a string array). Loaded with allow_pickle=False: never unpickles anything."""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from genlab.errors import DataError

EXPECTED = "x: (N, H, W) or (N, H, W, C) uint8 with C 1 or 3, optional y: (N,) integer labels"


def load_npz(path: str) -> tuple[np.ndarray, np.ndarray | None, list[str] | None]:
    """(images (N, C, H, W) uint8, labels (N,) int64 or None, class names or None) from a .npz file."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"npz file '{path}' does not exist")
    try:
        archive = np.load(path, allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise DataError(f"'{path}' is a .npy array, not a .npz archive; expected {EXPECTED}")
        with archive:
            arrays = {k: archive[k] for k in archive.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as e:
        raise DataError(f"cannot read npz file '{path}': {e}") from e
    if "x" not in arrays:
        found = ", ".join(arrays) or "none"
        raise DataError(f"npz file '{path}' has no array 'x' (found: {found}); expected {EXPECTED}")
    x = arrays["x"]
    if x.dtype != np.uint8:
        raise DataError(f"npz file '{path}': x has dtype {x.dtype}, expected uint8 (0..255); "
                        "convert with (x * 255).round().astype(np.uint8) for floats in [0, 1]")
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4 or x.shape[0] == 0 or x.shape[-1] not in (1, 3):
        hint = " (channels first? expected channels last)" if x.ndim == 4 and x.shape[1] in (1, 3) else ""
        raise DataError(f"npz file '{path}': x has shape {tuple(arrays['x'].shape)}{hint}; expected {EXPECTED}")
    images = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    labels = _labels(arrays.get("y"), len(images), path)
    class_names = _class_names(arrays.get("class_names"), labels, path)
    return images, labels, class_names


def _labels(y: np.ndarray | None, n: int, path: Path) -> np.ndarray | None:
    if y is None:
        return None
    if y.dtype.kind not in "iu" or y.shape != (n,) or (n and y.min() < 0):
        raise DataError(f"npz file '{path}': y has dtype {y.dtype} and shape {y.shape}; "
                        f"expected ({n},) non-negative integer labels")
    return y.astype(np.int64)


def _class_names(names: np.ndarray | None, labels: np.ndarray | None, path: Path) -> list[str] | None:
    if names is None:
        return None
    if names.dtype.kind != "U" or names.ndim != 1:
        raise DataError(f"npz file '{path}': class_names has dtype {names.dtype}; expected a 1-D string array")
    if labels is not None and len(labels) and labels.max() >= len(names):
        raise DataError(f"npz file '{path}': label {labels.max()} but only {len(names)} class_names")
    return [str(n) for n in names]
