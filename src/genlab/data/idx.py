"""The IDX format of MNIST and Fashion-MNIST (LeCun et al.): a magic number, big-endian dims, raw data.

Magic: two zero bytes, a type code (0x08 = uint8, ...) and the number of dimensions; then one
big-endian uint32 per dimension; then the values, big-endian, row-major. Files may be gzipped.
"""
from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import numpy as np

from genlab.errors import DataError
from genlab.io import atomic_path

TYPE_CODES = {0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"),
              0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}

# split -> (images file, labels file), the names LeCun's site and Zalando's repo use
IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
ALL_IDX_NAMES = tuple(name for pair in IDX_FILES.values() for name in pair)


def _read_bytes(path: Path) -> tuple[bytes, bool]:
    """The file's (decompressed) bytes and whether it was gzipped (by its magic, not its name)."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise DataError(f"cannot read IDX file '{path}': {e.strerror or e}") from e
    if raw[:2] != b"\x1f\x8b":
        return raw, False
    try:
        return gzip.decompress(raw), True
    except (EOFError, OSError, zlib.error) as e:
        raise DataError(f"IDX file '{path}' is a truncated or corrupt gzip file ({len(raw)} bytes): {e}") from e


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (gzipped or not) into a native-endian numpy array."""
    path = Path(path)
    data, gzipped = _read_bytes(path)
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in TYPE_CODES:
        raise DataError(f"'{path}' is not an IDX file: magic {data[:4].hex() or 'empty'}, "
                        f"expected 0000 then a type code ({', '.join(f'{c:02x}' for c in TYPE_CODES)}) and ndim")
    dtype, ndim = TYPE_CODES[data[2]], data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataError(f"IDX file '{path}' is truncated: expected at least {header} header bytes, got {len(data)}")
    dims = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    expected = header + int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    if len(data) != expected:
        shape = "x".join(map(str, dims))
        what = "truncated" if len(data) < expected else "too long"
        raise DataError(f"IDX file '{path}' is {what}: expected {expected} bytes ({header} header + {shape} "
                        f"{dtype.name}{', decompressed' if gzipped else ''}), got {len(data)}")
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(dims).astype(dtype.newbyteorder("="))


def write_idx(path: str | os.PathLike, array: np.ndarray) -> None:
    """Write `array` as an IDX file, gzipped when `path` ends in .gz (atomic)."""
    codes = {dt.newbyteorder("="): code for code, dt in TYPE_CODES.items()}
    array = np.asarray(array)
    code = codes.get(array.dtype.newbyteorder("="))
    if code is None:
        raise DataError(f"IDX cannot store dtype {array.dtype}; "
                        "expected one of uint8, int8, int16, int32, float32, float64")
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    data = header + np.ascontiguousarray(array, dtype=TYPE_CODES[code]).tobytes()
    if str(path).endswith(".gz"):
        data = gzip.compress(data, compresslevel=6, mtime=0)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def find_idx_file(folder: Path, name: str) -> Path | None:
    """`name` or `name.gz` in `folder`; also the `train-images.idx3-ubyte` spelling some mirrors use."""
    dotted = name.replace("-idx", ".idx")
    for candidate in (name, name + ".gz", dotted, dotted + ".gz"):
        if (folder / candidate).is_file():
            return folder / candidate
    return None


def has_idx_files(folder: str | os.PathLike) -> bool:
    """Whether `folder` holds all four MNIST-style IDX files."""
    return all(find_idx_file(Path(folder), name) is not None for name in ALL_IDX_NAMES)


def load_idx_split(folder: str | os.PathLike, split: str, dataset: str) -> tuple[np.ndarray, np.ndarray, list[Path]]:
    """(images (N, 1, H, W) uint8, labels (N,) int64, files read) for `split` ("train" or "test")."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{dataset}: data dir '{folder}' does not exist; expected a folder holding "
                        f"{', '.join(n + '[.gz]' for n in ALL_IDX_NAMES)}")
    images_name, labels_name = IDX_FILES[split]
    paths = [find_idx_file(folder, images_name), find_idx_file(folder, labels_name)]
    missing = [n for n, p in zip((images_name, labels_name), paths) if p is None]
    if missing:
        raise DataError(f"{dataset}: {', '.join(m + '[.gz]' for m in missing)} not found in '{folder}'; "
                        f"expected the four IDX files {', '.join(ALL_IDX_NAMES)} (gzipped or not)")
    images, labels = read_idx(paths[0]), read_idx(paths[1])
    if images.dtype != np.uint8 or images.ndim != 3:
        raise DataError(f"IDX file '{paths[0]}' holds {images.dtype} of shape {images.shape}; expected uint8 (N, H, W)")
    if labels.dtype != np.uint8 or labels.ndim != 1 or len(labels) != len(images):
        raise DataError(f"IDX file '{paths[1]}' holds {labels.dtype} of shape {labels.shape}; "
                        f"expected uint8 ({len(images)},) to match '{paths[0].name}'")
    return images[:, None], labels.astype(np.int64), paths
