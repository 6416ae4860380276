import numpy as np
import pytest

from genlab.data import dataset_info, load_dataset
from genlab.errors import DataError


def write(path, **arrays):
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    return str(path)


def test_channels_last_rgb_with_labels_and_names(tmp_path):
    x = np.random.default_rng(0).integers(0, 256, (4, 6, 5, 3), dtype=np.uint8)
    path = write(tmp_path / "d.npz", x=x, y=np.array([2, 0, 1, 2], np.int32), class_names=np.array(["a", "b", "c"]))
    ds = load_dataset("npz", path=path)
    assert ds.images.shape == (4, 3, 6, 5) and (ds.height, ds.width) == (6, 5)
    assert ds.images[2, 1, 4, 3] == x[2, 4, 3, 1]
    assert ds.labels.dtype.is_floating_point is False and ds.labels.tolist() == [2, 0, 1, 2]
    assert ds.class_names == ["a", "b", "c"] and ds.describe()["label_counts"] == {"a": 1, "b": 1, "c": 2}
    assert ds.split == "all" and ds.source == path


def test_gray_unlabeled_resized_to_rgb(tmp_path):
    path = write(tmp_path / "g.npz", x=np.full((3, 28, 28), 9, np.uint8))
    ds = load_dataset("npz", "train", path=path, resolution=32, channels=3)
    assert ds.images.shape == (3, 3, 32, 32) and (ds.images == 9).all() and ds.labels is None
    assert dataset_info("npz", path=path)["splits"]["all"]["count"] == 3


@pytest.mark.parametrize("arrays, message", [
    ({"images": np.zeros((2, 4, 4), np.uint8)}, r"has no array 'x' \(found: images\)"),
    ({"x": np.zeros((2, 4, 4), np.float32)}, "x has dtype float32, expected uint8"),
    ({"x": np.zeros((2, 16), np.uint8)}, r"x has shape \(2, 16\); expected x: \(N, H, W\)"),
    ({"x": np.zeros((2, 3, 8, 8), np.uint8)}, r"channels first\?"),
    ({"x": np.zeros((0, 8, 8), np.uint8)}, r"x has shape \(0, 8, 8\)"),
    ({"x": np.zeros((2, 8, 8), np.uint8), "y": np.zeros(3, np.int64)}, r"y has dtype int64 and shape \(3,\); expected \(2,\)"),
    ({"x": np.zeros((2, 8, 8), np.uint8), "y": np.zeros(2, np.float32)}, "y has dtype float32"),
])
def test_bad_contents_name_file_and_expectation(tmp_path, arrays, message):
    path = write(tmp_path / "bad.npz", **arrays)
    with pytest.raises(DataError, match=message) as e:
        load_dataset("npz", path=path)
    assert path in str(e.value)


def test_unreadable_files(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        load_dataset("npz", path=str(tmp_path / "none.npz"))
    (tmp_path / "junk.npz").write_bytes(b"junk" * 10)
    with pytest.raises(DataError, match="cannot read npz file"):
        load_dataset("npz", path=str(tmp_path / "junk.npz"))
    with open(tmp_path / "obj.npz", "wb") as f:
        np.savez(f, x=np.array([{"a": 1}], dtype=object))
    with pytest.raises(DataError, match="cannot read npz file .*allow_pickle"):  # never unpickled
        load_dataset("npz", path=str(tmp_path / "obj.npz"))
    with open(tmp_path / "arr.npz", "wb") as f:
        np.save(f, np.zeros((2, 4, 4), np.uint8))
    with pytest.raises(DataError, match="is a .npy array, not a .npz archive"):
        load_dataset("npz", path=str(tmp_path / "arr.npz"))
    with pytest.raises(DataError, match="has no test split"):
        load_dataset("npz", "test", path=str(tmp_path / "arr.npz"))
