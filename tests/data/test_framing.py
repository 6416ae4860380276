"""Placing digits as MNIST places its own: centring a box by centre of mass in 28x28."""
import numpy as np
import pytest

from genlab.data.framing import center_in_frame
from genlab.errors import DataError


def _mass_center(image: np.ndarray) -> tuple[float, float]:
    mass = image.astype(np.float64)
    ys, xs = np.mgrid[:image.shape[0], :image.shape[1]]
    return float((mass * ys).sum() / mass.sum()), float((mass * xs).sum() / mass.sum())


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
