"""scikit-learn's handwritten digits (UCI optdigits, Alpaydin & Kaynak 1998): 1,797 8x8 digits, 17 gray levels.

A second writing style for MNIST's ten classes (unpaired translation, CycleGAN). The data is the CSV
file scikit-learn's wheel ships (`sklearn/datasets/data/digits.csv.gz`): on first use we download the
pinned wheel (the one the `photos` set already uses), check its sha256, extract only that file into
the cache and check it; scikit-learn itself is never installed or imported.

Splits: the file is one set, in its own order; "train" is the first 1,437 digits (80 %), "test" the
last 360. Pixels 0..16 become uint8 round(v * 255 / 16).

Two views of the same digits, labels and split: `digits`, the 8x8 images as they are (a run resizes them to
its resolution, so at 28 px they fill the frame), and `digits-framed`, each one placed as MNIST places its
digits (`framing.frame_digits`: resized to 20x20, centred by centre of mass in 28x28).
"""
from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from genlab.data.framing import frame_digits
from genlab.data.photos import cached_member
from genlab.errors import DataError
from genlab.io import cache_dir

MEMBER = "sklearn/datasets/data/digits.csv.gz"
SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"
CLASS_NAMES = [str(d) for d in range(10)]
COUNT, TRAIN_COUNT = 1797, 1437


def digits_file() -> Path:
    """The cached digits.csv.gz, fetched from the scikit-learn wheel and checked on first use."""
    return cached_member(cache_dir() / "digits" / "digits.csv.gz", "scikit-learn", MEMBER, SHA256)


def parse_digits(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """(images (N, 1, 8, 8) uint8, labels (N,) int64) from the gzipped CSV (64 pixels 0..16, then the label)."""
    try:
        with gzip.open(path, "rt") as f:
            table = np.loadtxt(f, delimiter=",", dtype=np.int64, ndmin=2)
    except (OSError, ValueError, EOFError) as exc:
        raise DataError(f"digits file '{path}' cannot be read: {exc}") from None
    if table.shape[1] != 65 or table[:, :64].min() < 0 or table[:, :64].max() > 16:
        raise DataError(f"digits file '{path}' is not 64 pixels in 0..16 and a label per row")
    images = np.round(table[:, :64] * (255 / 16)).astype(np.uint8).reshape(-1, 1, 8, 8)
    return images, table[:, 64].astype(np.int64)


def load_digits(split: str, data_dir: str | None = None) -> tuple[np.ndarray, np.ndarray, str]:
    """(images (N, 1, 8, 8) uint8, labels (N,) int64, source) for split "train" or "test".

    data_dir: a folder holding digits.csv.gz, instead of the cache."""
    path = Path(data_dir) / "digits.csv.gz" if data_dir else digits_file()
    if not path.is_file():
        raise DataError(f"digits file '{path}' does not exist; expected scikit-learn's digits.csv.gz there")
    images, labels = parse_digits(path)
    part = slice(0, TRAIN_COUNT) if split == "train" else slice(TRAIN_COUNT, None)
    return images[part], labels[part], str(path)


def load_framed_digits(split: str, data_dir: str | None = None) -> tuple[np.ndarray, np.ndarray, str]:
    """`load_digits` with each digit resized to 20x20 and centred by mass in 28x28, as MNIST's are:
    (images (N, 1, 28, 28) uint8, labels (N,) int64, source)."""
    images, labels, source = load_digits(split, data_dir)
    return frame_digits(images), labels, source
