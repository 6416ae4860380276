"""scikit-learn's 8x8 digits: parsing the CSV, the train/test split, and loading through load_dataset."""
import gzip

import numpy as np
import pytest

from genlab.data import sklearn_digits as digits
from genlab.data.dataset import load_dataset
from genlab.errors import DataError


def _write(folder, rows):
    folder.mkdir(parents=True, exist_ok=True)
    with gzip.open(folder / "digits.csv.gz", "wt") as f:
        for row in rows:
            f.write(",".join(map(str, row)) + "\n")
    return folder


def _rows(n, seed=0):
    rng = np.random.default_rng(seed)
    return [list(rng.integers(0, 17, 64)) + [i % 10] for i in range(n)]


def test_pixels_scale_from_17_levels_to_uint8_and_labels_follow(tmp_path):
    rows = [[0] * 63 + [16, 7], [8] * 64 + [3]]
    images, labels = digits.parse_digits(_write(tmp_path, rows) / "digits.csv.gz")
    assert images.shape == (2, 1, 8, 8) and images.dtype == np.uint8
    assert images[0, 0, 7, 7] == 255 and images[0, 0, 0, 0] == 0
    assert images[1, 0, 3, 3] == 128  # round(8 * 255 / 16) = round(127.5)
    assert labels.tolist() == [7, 3]


def test_split_is_the_first_1437_for_train_and_the_rest_for_test(tmp_path):
    folder = _write(tmp_path, _rows(1500))
    train = load_dataset("digits", "train", data_dir=str(folder))
    test = load_dataset("digits", "test", data_dir=str(folder))
    assert len(train) == digits.TRAIN_COUNT and len(test) == 1500 - digits.TRAIN_COUNT
    assert train.num_classes == 10 and test.labels[0] == digits.TRAIN_COUNT % 10
    assert load_dataset("digits", "test", data_dir=str(folder), resolution=28).images.shape == (63, 1, 28, 28)


def test_a_damaged_file_is_a_one_line_error(tmp_path):
    folder = _write(tmp_path, [[0] * 64 + [1], [99] * 64 + [2]])
    with pytest.raises(DataError, match="not 64 pixels in 0..16"):
        load_dataset("digits", "train", data_dir=str(folder))
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "digits.csv.gz").write_bytes(b"not gzip")
    with pytest.raises(DataError, match="cannot be read"):
        load_dataset("digits", "train", data_dir=str(tmp_path / "bad"))
    with pytest.raises(DataError, match="does not exist"):
        load_dataset("digits", "train", data_dir=str(tmp_path / "nowhere"))
