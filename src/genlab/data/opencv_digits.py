"""OpenCV's handwritten digits (`samples/data/digits.png`): 5,000 digits of 20x20 pixels, 500 per class.

The file is one 2000x1000 gray sheet, white digits on black (MNIST's polarity): 50 rows of 100 cells,
each class taking 5 consecutive rows (rows 0-4 are zeros, 5-9 ones, ... 45-49 nines), the digits of a
class in reading order. Debian's opencv-doc package ships it; on first use we `apt-get download` the
pinned .deb (the one the `photos` set uses), check its sha256, extract only this file into the cache
and check it. The package is never installed.

Where the digits come from: each cell is, to within 1.7/255 RMS, the k-th MNIST *training* digit of its
class (k < 500, all among MNIST's first 5,848 training images) resized from 28x28 to 20x20 (bicubic;
benchmarks/opencv_digits_provenance.py). So this is not a new set of writers: it is MNIST's own digits,
about 0.71 times as large (digits 14-16 px tall where MNIST's are 20) and softer. Keep in mind that genlab's MNIST classifier, and any
run with MNIST train as the other domain, has seen their originals.

Each cell is placed in a 28x28 frame as MNIST places its 20x20 digit boxes (`framing.center_in_frame`). Splits,
per class: the first 400 digits are "train" (4,000), the last 100 "test" (1,000); labels are kept, and
each split lists its classes in turn (0, 1, ..., 9, 0, ...), so its first n images cover every class.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from genlab.data.framing import center_in_frame
from genlab.data.images import read_image
from genlab.data.photos import _CV, cached_member
from genlab.errors import DataError
from genlab.io import cache_dir

MEMBER = _CV + "data/digits.png"
SHA256 = "60c917758ef97cc090f35cd8e293e4de691ef942847da0ff80dedab33d57c662"
FILE_NAME = "digits.png"
CLASS_NAMES = [str(d) for d in range(10)]
CELL, ROWS, COLUMNS, ROWS_PER_CLASS = 20, 50, 100, 5  # the sheet's layout
PER_CLASS, TRAIN_PER_CLASS = 500, 400


def digits_png() -> Path:
    """The cached digits.png, fetched from Debian's opencv-doc package and checked on first use."""
    return cached_member(cache_dir() / "opencv-digits" / FILE_NAME, "opencv-doc", MEMBER, SHA256)


def slice_sheet(sheet: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(cells (5000, 20, 20) uint8, labels (5000,) int64) of a (1000, 2000) sheet, in reading order."""
    shape = (ROWS * CELL, COLUMNS * CELL)
    if sheet.shape != shape:
        raise DataError(f"the digits sheet is {sheet.shape[1]}x{sheet.shape[0]} pixels; expected {shape[1]}x"
                        f"{shape[0]} (50 rows of 100 digits of 20x20)")
    cells = sheet.reshape(ROWS, CELL, COLUMNS, CELL).transpose(0, 2, 1, 3).reshape(-1, CELL, CELL)
    labels = np.repeat(np.arange(ROWS // ROWS_PER_CLASS, dtype=np.int64), ROWS_PER_CLASS * COLUMNS)
    return np.ascontiguousarray(cells), labels


def parse_sheet(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """(images (5000, 1, 28, 28) uint8, labels (5000,) int64) of a digits.png sheet."""
    sheet = read_image(path, mode="L")[0].numpy()
    if np.median(sheet) >= 128:
        raise DataError(f"digits sheet '{path}' is mostly white; expected white digits on black, as OpenCV "
                        "ships it (and MNIST stores digits)")
    cells, labels = slice_sheet(sheet)
    return np.stack([center_in_frame(c) for c in cells])[:, None], labels


def split_indices(split: str, labels: np.ndarray) -> np.ndarray:
    """Indices of a split: per class, the first 400 digits ("train") or the last 100 ("test"), with the
    classes interleaved (0, 1, ..., 9, 0, 1, ...), so that the first n test images, what the held-out
    protocols measure, hold every class about equally, as MNIST's test set does."""
    rank = np.arange(len(labels)) % PER_CLASS  # position within its class: the sheet holds classes in order
    keep = np.nonzero(rank < TRAIN_PER_CLASS if split == "train" else rank >= TRAIN_PER_CLASS)[0]
    return keep[np.lexsort((labels[keep], rank[keep]))]


def sheet_path(data_dir: str | None = None) -> Path:
    """digits.png in `data_dir` when given (it must exist there), else the cached one (fetched on first use)."""
    path = Path(data_dir) / FILE_NAME if data_dir else digits_png()
    if not path.is_file():
        raise DataError(f"digits sheet '{path}' does not exist; expected OpenCV's samples/data/digits.png there")
    return path


def load_opencv_digits(split: str, data_dir: str | None = None) -> tuple[np.ndarray, np.ndarray, str]:
    """(images (N, 1, 28, 28) uint8, labels (N,) int64, source) for split "train" or "test".

    data_dir: a folder holding digits.png, instead of the cache."""
    path = sheet_path(data_dir)
    images, labels = parse_sheet(path)
    keep = split_indices(split, labels)
    return images[keep], labels[keep], str(path)
