"""OpenCV's digits.png: slicing the sheet into labelled 20x20 cells, the per-class split and the cache, on a
synthetic sheet in the real file's layout (the centring itself: test_framing.py)."""
import hashlib

import numpy as np
import pytest
from PIL import Image

from genlab.cli import main
from genlab.config import load_config
from genlab.data import opencv_digits as cv
from genlab.data import parse_data_spec
from genlab.data.dataset import fetch_dataset, load_dataset
from genlab.data.sources import build_source
from genlab.errors import DataError


def _sheet() -> np.ndarray:
    """A (1000, 2000) sheet whose cell (row r, column c) is black but for one pixel of value 1 + c at
    (r % 20, c % 20): each cell says where it sat."""
    sheet = np.zeros((cv.ROWS * cv.CELL, cv.COLUMNS * cv.CELL), np.uint8)
    for r in range(cv.ROWS):
        for c in range(cv.COLUMNS):
            sheet[r * cv.CELL + r % 20, c * cv.CELL + c % 20] = 1 + c
    return sheet


@pytest.fixture
def sheet_dir(tmp_path):
    folder = tmp_path / "cv"
    folder.mkdir()
    Image.fromarray(_sheet()).save(folder / "digits.png")
    return folder


def test_cells_are_read_row_by_row_and_each_class_holds_five_rows():
    cells, labels = cv.slice_sheet(_sheet())
    assert cells.shape == (5000, 20, 20) and cells.dtype == np.uint8 and labels.dtype == np.int64
    for index in (0, 99, 100, 499, 500, 2345, 4999):
        r, c = divmod(index, cv.COLUMNS)
        assert cells[index, r % 20, c % 20] == 1 + c and cells[index].sum() == 1 + c
        assert labels[index] == r // 5  # rows 0-4 are zeros, ..., rows 45-49 nines
    assert np.bincount(labels).tolist() == [500] * 10


def test_splits_take_the_first_400_and_last_100_of_each_class(sheet_dir):
    train = load_dataset("opencv-digits", "train", data_dir=str(sheet_dir))
    test = load_dataset("opencv-digits", "test", data_dir=str(sheet_dir))
    assert len(train) == 4000 and len(test) == 1000 and train.images.shape[1:] == (1, 28, 28)
    assert train.labels.bincount().tolist() == [400] * 10 and test.labels.bincount().tolist() == [100] * 10
    assert train.num_classes == 10 and train.class_names == [str(d) for d in range(10)]
    # classes take turns; each image holds its cell's one pixel (value 1 + column, white on black): train
    # image j is the (j // 10)-th digit of class j % 10, test image i the (400 + i // 10)-th of class i % 10
    assert train.labels[:12].tolist() == test.labels[:12].tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
    assert [int(train.images[j].sum()) for j in (0, 9, 10, 999, 1000, 3999)] == [1, 1, 2, 100, 1, 100]
    assert [int(test.images[i].sum()) for i in (0, 9, 10, 575, 999)] == [1, 1, 2, 58, 100]
    assert test.labels[:100].bincount().tolist() == [10] * 10
    both = load_dataset("opencv-digits", "all", data_dir=str(sheet_dir))
    assert len(both) == 5000
    assert parse_data_spec("opencv-digits:test") == ("opencv-digits", {"split": "test"})


def test_bad_or_missing_sheets_are_one_line_errors(sheet_dir, tmp_path):
    with pytest.raises(DataError, match="digits sheet '.*digits.png' does not exist"):
        load_dataset("opencv-digits", "train", data_dir=str(tmp_path / "nowhere"))
    Image.fromarray(_sheet()[:500]).save(sheet_dir / "digits.png")
    with pytest.raises(DataError, match=r"is 2000x500 pixels; expected 2000x1000 \(50 rows of 100 digits"):
        load_dataset("opencv-digits", "train", data_dir=str(sheet_dir))
    Image.fromarray(255 - _sheet()).save(sheet_dir / "digits.png")
    with pytest.raises(DataError, match="mostly white; expected white digits on black"):
        load_dataset("opencv-digits", "train", data_dir=str(sheet_dir))
    (sheet_dir / "digits.png").write_bytes(b"not a png")
    with pytest.raises(DataError, match="digits.png. is not an image genlab can read"):
        load_dataset("opencv-digits", "train", data_dir=str(sheet_dir))


def test_cli_names_a_missing_sheet_in_one_line(tmp_path, capsys):
    assert main(["data", "info", "opencv-digits", "--data-dir", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "digits.png' does not exist" in err


def test_fetch_reports_the_sheet_and_its_sha256(sheet_dir):
    info = fetch_dataset("opencv-digits", data_dir=str(sheet_dir))
    path = sheet_dir / "digits.png"
    assert info["files"] == {str(path): hashlib.sha256(path.read_bytes()).hexdigest()}
    assert info["splits"]["test"]["count"] == 1000


def test_a_damaged_cached_sheet_is_fetched_again(sheet_dir, genlab_home, monkeypatch):
    good = (sheet_dir / "digits.png").read_bytes()
    monkeypatch.setattr(cv, "SHA256", hashlib.sha256(good).hexdigest())
    fetched = []

    def fake_extract(package, wanted):
        (dest, (member, _)), = wanted.items()
        fetched.append((package, member))
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(good)
    monkeypatch.setattr("genlab.data.photos._extract", fake_extract)  # what cached_member calls
    cached = genlab_home / "opencv-digits" / "digits.png"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(good[:-10])
    assert cv.digits_png() == cached and cached.read_bytes() == good
    assert fetched == [("opencv-doc", "./usr/share/doc/opencv-doc/examples/data/digits.png")]
    cv.digits_png()
    assert len(fetched) == 1  # a good cached file is not fetched again


def test_it_is_domain_b_of_the_cvdigits_preset(sheet_dir, monkeypatch, tiny_npz):
    monkeypatch.setattr(cv, "digits_png", lambda: sheet_dir / "digits.png")
    cfg = load_config("cyclegan-mnist-cvdigits", ["data.name=npz", f"data.path={tiny_npz}"])
    assert cfg.data.domain_b == "opencv-digits"
    batch = build_source(cfg.data, batch_size=8, seed=0).next()
    assert batch["a"].shape == batch["b"].shape == (8, 1, 28, 28)
    assert batch["b"].min() == -1 and batch["b"].max() < -0.2  # black frames with one dim pixel each
