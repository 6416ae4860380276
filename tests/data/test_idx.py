import gzip

import numpy as np
import pytest

from genlab.data import idx
from genlab.errors import DataError


def test_write_idx_bytes_follow_the_format(tmp_path):
    # LeCun's layout: 00 00, type 08 (uint8), ndim, then big-endian uint32 dims, then data
    idx.write_idx(tmp_path / "labels", np.array([1, 2, 3], dtype=np.uint8))
    assert (tmp_path / "labels").read_bytes() == bytes.fromhex("00000801" "00000003" "010203")


@pytest.mark.parametrize("name", ["images", "images.gz"])
def test_round_trip_plain_and_gzip(tmp_path, name):
    images = np.random.default_rng(0).integers(0, 256, (5, 28, 27), dtype=np.uint8)
    idx.write_idx(tmp_path / name, images)
    assert ((tmp_path / name).read_bytes()[:2] == b"\x1f\x8b") == name.endswith(".gz")
    back = idx.read_idx(tmp_path / name)
    assert back.dtype == np.uint8 and back.shape == (5, 28, 27)
    np.testing.assert_array_equal(back, images)


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.float32, np.float64])
def test_round_trip_other_types(tmp_path, dtype):
    values = (np.arange(12).reshape(3, 4) - 5).astype(dtype)
    idx.write_idx(tmp_path / "a", values)
    np.testing.assert_array_equal(idx.read_idx(tmp_path / "a"), values)


def test_truncated_file_names_file_and_sizes(tmp_path):
    idx.write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((10, 28, 28), np.uint8))
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-100])
    expected = 16 + 10 * 28 * 28
    with pytest.raises(DataError, match="truncated") as e:
        idx.read_idx(path)
    assert str(path) in str(e.value) and f"expected {expected} bytes" in str(e.value)
    assert f"got {expected - 100}" in str(e.value)


def test_truncated_inside_gzip_reports_decompressed_sizes(tmp_path):
    data = bytes.fromhex("00000801" "00000005") + bytes(3)
    (tmp_path / "labels.gz").write_bytes(gzip.compress(data))
    with pytest.raises(DataError, match=r"expected 13 bytes .*decompressed\), got 11"):
        idx.read_idx(tmp_path / "labels.gz")


def test_cut_gzip_stream_is_a_data_error(tmp_path):
    idx.write_idx(tmp_path / "a.gz", np.random.default_rng(0).integers(0, 256, (50, 28, 28), dtype=np.uint8))
    raw = (tmp_path / "a.gz").read_bytes()
    (tmp_path / "a.gz").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(DataError, match="truncated or corrupt gzip"):
        idx.read_idx(tmp_path / "a.gz")


def test_wrong_magic(tmp_path):
    (tmp_path / "x").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    with pytest.raises(DataError, match=r"'.*x' is not an IDX file: magic 89504e47"):
        idx.read_idx(tmp_path / "x")


def test_missing_file_in_split_is_named(idx_dir):
    (idx_dir / "t10k-labels-idx1-ubyte.gz").unlink()
    images, labels, _ = idx.load_idx_split(idx_dir, "train", "mnist")
    assert images.shape == (6, 1, 28, 28) and labels.dtype == np.int64
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte\[\.gz\] not found"):
        idx.load_idx_split(idx_dir, "test", "mnist")


def test_mismatched_label_count(idx_dir):
    idx.write_idx(idx_dir / "train-labels-idx1-ubyte.gz", np.zeros(5, np.uint8))
    with pytest.raises(DataError, match=r"expected uint8 \(6,\)"):
        idx.load_idx_split(idx_dir, "train", "mnist")


def test_dotted_mirror_names_are_found(tmp_path):
    idx.write_idx(tmp_path / "train-images.idx3-ubyte", np.zeros((1, 2, 2), np.uint8))
    assert idx.find_idx_file(tmp_path, "train-images-idx3-ubyte") == tmp_path / "train-images.idx3-ubyte"
