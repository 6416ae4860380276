"""Placing digits as MNIST places its own: centring a box by centre of mass in 28x28 (OpenCV's digits), and
resizing small digits to a 20x20 box first (scikit-learn's, dataset digits-framed)."""
import gzip
import json

import numpy as np
import pytest
import torch

from genlab.cli import main
from genlab.config import load_config
from genlab.data import parse_data_spec
from genlab.data import sklearn_digits as sd
from genlab.data.dataset import fetch_dataset, load_dataset
from genlab.data.framing import center_in_frame, frame_digits
from genlab.data.sources import build_source
from genlab.errors import DataError


def _mass_center(image: np.ndarray) -> tuple[float, float]:
    mass = image.astype(np.float64)
    ys, xs = np.mgrid[:image.shape[0], :image.shape[1]]
    return float((mass * ys).sum() / mass.sum()), float((mass * xs).sum() / mass.sum())


def _ink_box(image: np.ndarray, level: int = 0) -> tuple[int, int]:
    """(height, width) of the rows and columns holding a pixel above `level`."""
    ink = image > level
    rows, cols = np.nonzero(ink.any(1))[0], np.nonzero(ink.any(0))[0]
    return int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)


def test_centring_moves_the_centre_of_mass_to_14_14_by_a_whole_pixel_shift():
    cell = np.zeros((20, 20), np.uint8)
    cell[5:8, 7:10] = 90  # a 3x3 blob centred at (6, 8): its box goes to (8, 6)
    framed = center_in_frame(cell)
    assert framed.shape == (28, 28) and framed.dtype == np.uint8
    assert _mass_center(framed) == (14.0, 14.0)
    np.testing.assert_array_equal(framed[8:28, 6:26], cell)  # pixel values unchanged
    weighted = np.zeros((20, 20), np.uint8)
    weighted[4, 10], weighted[10, 10] = 200, 100  # centre of mass (6, 10) by intensity, not (7, 10)
    assert _mass_center(center_in_frame(weighted)) == (14.0, 14.0)


def test_centring_keeps_the_box_inside_the_frame_and_a_blank_box_in_the_middle():
    corner = np.zeros((20, 20), np.uint8)
    corner[0:2, 18:20] = 255  # would need the box at (13, -5): clipped to (8, 0)
    np.testing.assert_array_equal(center_in_frame(corner)[8:28, 0:20], corner)
    assert not center_in_frame(np.zeros((20, 20), np.uint8)).any()
    with pytest.raises(DataError, match="does not fit a 28x28 frame"):
        center_in_frame(np.zeros((30, 20), np.uint8))


def _seven() -> np.ndarray:
    """An 8x8 '7' in scikit-learn's manner: ink in all 8 rows, 5 of the 8 columns, 17 levels scaled to uint8."""
    digit = np.zeros((8, 8), np.int64)
    digit[0, 1:6] = 16  # the bar
    for row in range(1, 8):
        digit[row, 5 - (row * 4) // 7] = 12  # the stroke down to the left
    return np.round(digit * 255 / 16).astype(np.uint8)


def test_an_8x8_digit_becomes_20_px_tall_centred_by_mass_in_28x28():
    framed = frame_digits(_seven()[None, None])
    assert framed.shape == (1, 1, 28, 28) and framed.dtype == np.uint8
    assert _ink_box(framed[0, 0])[0] == 20  # 8 inked rows -> the 20 px box, which nothing leaves
    # 5 of 8 columns -> 12.5 px plus the filter's reach of one 2.5 px source pixel at each side, less the
    # cubic's negative lobe; its faint ripples (1-3 levels) further out are not ink
    assert 13 <= _ink_box(framed[0, 0], level=3)[1] <= 17
    center_y, center_x = _mass_center(framed[0, 0])
    assert abs(center_y - 14) <= 0.5 and abs(center_x - 14) <= 0.5  # a whole-pixel shift: within half a pixel
    full = frame_digits(np.full((1, 1, 8, 8), 255, np.uint8))[0, 0]
    assert _ink_box(full) == (20, 20) and (full[full > 0] == 255).all()  # a flat box stays flat, no overshoot
    assert not frame_digits(np.zeros((2, 1, 8, 8), np.uint8)).any()
    assert frame_digits(np.zeros((0, 1, 8, 8), np.uint8)).shape == (0, 1, 28, 28)


def test_only_uint8_single_channel_digits_are_framed():
    with pytest.raises(DataError, match=r"uint8 \(N, 1, H, W\)"):
        frame_digits(np.zeros((1, 3, 8, 8), np.uint8))
    with pytest.raises(DataError, match=r"uint8 \(N, 1, H, W\)"):
        frame_digits(np.zeros((1, 1, 8, 8), np.float32))


def _csv(folder, n=1500, seed=0):
    """A digits.csv.gz of n random 8x8 digits (0..16) labelled i % 10, in scikit-learn's format."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    with gzip.open(folder / "digits.csv.gz", "wt") as f:
        for i in range(n):
            f.write(",".join(map(str, [*rng.integers(0, 17, 64), i % 10])) + "\n")
    return folder


def test_digits_framed_keeps_the_split_and_labels_of_digits(tmp_path):
    folder = str(_csv(tmp_path / "sk"))
    for split in ("train", "test", "all"):
        plain = load_dataset("digits", split, data_dir=folder)
        framed = load_dataset("digits-framed", split, data_dir=folder)
        assert framed.images.shape == (len(plain), 1, 28, 28) and framed.resolution == 28
        assert torch.equal(framed.labels, plain.labels) and framed.class_names == plain.class_names
        np.testing.assert_array_equal(framed.images.numpy(), frame_digits(plain.images.numpy()))
    assert len(load_dataset("digits-framed", "test", data_dir=folder)) == 1500 - sd.TRAIN_COUNT
    assert parse_data_spec("digits-framed:test") == ("digits-framed", {"split": "test"})
    with pytest.raises(DataError, match="does not exist"):
        load_dataset("digits-framed", "train", data_dir=str(tmp_path / "nowhere"))


def test_data_list_info_and_fetch_know_digits_framed(tmp_path, capsys):
    folder = _csv(tmp_path / "sk")
    assert main(["data", "list"]) == 0
    assert "digits-framed" in capsys.readouterr().out
    assert main(["data", "info", "digits-framed", "--data-dir", str(folder), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["splits"]["train"]["count"] == sd.TRAIN_COUNT and info["splits"]["test"]["shape"] == [1, 28, 28]
    fetched = fetch_dataset("digits-framed", data_dir=str(folder))
    assert list(fetched["files"]) == [str(folder / "digits.csv.gz")]


def test_it_is_domain_b_of_the_framed_preset(tmp_path, monkeypatch, tiny_npz):
    monkeypatch.setattr(sd, "digits_file", lambda: _csv(tmp_path / "sk", n=1440) / "digits.csv.gz")
    cfg = load_config("cyclegan-mnist-digits-framed", ["data.name=npz", f"data.path={tiny_npz}"])
    assert cfg.data.domain_b == "digits-framed"
    batch = build_source(cfg.data, batch_size=8, seed=0).next()
    assert batch["a"].shape == batch["b"].shape == (8, 1, 28, 28)
    assert ((batch["b"] > -1).any(3).sum(2) == 20).all()  # every B digit is 20 rows tall in its 28x28 frame
