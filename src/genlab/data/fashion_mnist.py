"""Fashion-MNIST (Xiao et al. 2017): 60,000 train + 10,000 test 28x28 gray clothes, as IDX files.

Read from `data_dir`, else from where Debian's `dataset-fashion-mnist` package installs them
(/usr/share/datasets/fashion-mnist), else from genlab's cache folder `fashion-mnist/`.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np

from genlab.data import idx
from genlab.errors import DataError
from genlab.io import cache_dir

CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
DEBIAN_PACKAGE = "dataset-fashion-mnist"
SEARCH_DIRS = ("/usr/share/datasets/fashion-mnist", "/usr/share/dataset-fashion-mnist",
               "/usr/share/fashion-mnist", "/usr/local/share/datasets/fashion-mnist")


def find_fashion_dir(data_dir: str | None = None) -> Path:
    """The folder holding the four Fashion-MNIST IDX files, or a DataError that says how to get them."""
    if data_dir is not None:
        return Path(data_dir)  # load_idx_split names any missing file
    candidates = [Path(d) for d in SEARCH_DIRS] + [cache_dir() / "fashion-mnist"]
    found = next((d for d in candidates if idx.has_idx_files(d)), None) or _dpkg_dir()
    if found is None:
        raise DataError(f"fashion-mnist IDX files not found (looked in {', '.join(map(str, candidates))}); "
                        f"install them with `apt-get install {DEBIAN_PACKAGE}`, or pass --data-dir DIR holding "
                        + ", ".join(n + ".gz" for n in idx.ALL_IDX_NAMES))
    return found


def _dpkg_dir() -> Path | None:
    """Where dpkg says the Debian package put the files, if it is installed somewhere unusual."""
    if shutil.which("dpkg") is None:
        return None
    try:
        listing = subprocess.run(["dpkg", "-L", DEBIAN_PACKAGE], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    for line in listing.splitlines():
        if Path(line).name.startswith(idx.IDX_FILES["train"][0]) and idx.has_idx_files(Path(line).parent):
            return Path(line).parent
    return None


def load_fashion_mnist(split: str, data_dir: str | None = None) -> tuple[np.ndarray, np.ndarray, str]:
    """(images (N, 1, 28, 28) uint8, labels (N,) int64, source folder) for split "train" or "test"."""
    folder = find_fashion_dir(data_dir)
    images, labels, _ = idx.load_idx_split(folder, split, "fashion-mnist")
    return images, labels, str(folder)


def fashion_files(data_dir: str | None = None) -> list[Path]:
    """The four IDX files, for `data fetch`."""
    folder = find_fashion_dir(data_dir)
    files = [idx.find_idx_file(folder, name) for name in idx.ALL_IDX_NAMES]
    missing = [n for n, f in zip(idx.ALL_IDX_NAMES, files) if f is None]
    if missing:
        raise DataError(f"fashion-mnist: {', '.join(missing)} not found in '{folder}'")
    return files
