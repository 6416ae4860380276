import hashlib

import pytest

from genlab.data.photos import PHOTOS, SR_MINI, load_collection
from genlab.errors import DataError


def test_tables_are_disjoint_and_pinned():
    assert not set(PHOTOS) & set(SR_MINI)
    digests = [v[2] for v in list(PHOTOS.values()) + list(SR_MINI.values())]
    assert len(set(digests)) == len(digests) and all(len(d) == 64 for d in digests)


def test_no_sr_mini_pixels_in_photos_when_cached():
    from genlab.data.photos import _file_path
    if not all(_file_path(c, n).is_file() for c, t in (("photos", PHOTOS), ("sr-mini", SR_MINI)) for n in t):
        pytest.skip("photos/sr-mini not cached (run `genlab data fetch photos`); not downloading in tests")
    pix = lambda imgs: {hashlib.sha256(i.numpy().tobytes()).hexdigest() for i in imgs.values()}
    photos, mini = load_collection("photos"), load_collection("sr-mini")
    assert all(i.dtype.is_floating_point is False and i.shape[0] == 3 for i in photos.values())
    assert not pix(photos) & pix(mini)


def test_unknown_collection():
    with pytest.raises(DataError, match="unknown image collection"):
        load_collection("set5")
