import hashlib

import pytest

import torch

from genlab.data.photos import PACKAGES, PHOTOS, SR_MINI, WALLPAPERS, fit_within, load_collection
from genlab.errors import DataError


def test_tables_are_disjoint_and_pinned():
    assert not set(PHOTOS) & set(SR_MINI) and not set(WALLPAPERS) & (set(PHOTOS) | set(SR_MINI))
    digests = [v[2] for v in list(PHOTOS.values()) + list(SR_MINI.values()) + list(WALLPAPERS.values())]
    assert len(set(digests)) == len(digests) and all(len(d) == 64 for d in digests)
    assert len(WALLPAPERS) == 25 and {v[0] for v in WALLPAPERS.values()} <= set(PACKAGES)
    assert all(v[1].startswith("./usr/share/backgrounds/") for v in WALLPAPERS.values())


def test_photos_xl_shares_the_photos_cache_and_has_its_own_for_wallpapers(genlab_home):
    from genlab.data.photos import _file_path
    assert _file_path("photos-xl", "china") == _file_path("photos", "china")
    assert _file_path("photos-xl", "ladybird").parent.name == "photos-xl"
    assert _file_path("photos-xl", "ladybird").suffix == ".jpg"


def test_fit_within_scales_the_longer_side_down_keeping_aspect_and_level():
    big = torch.full((3, 300, 4080), 77, dtype=torch.uint8)
    out = fit_within(big, 2040)
    assert out.shape == (3, 150, 2040) and out.dtype == torch.uint8 and bool((out == 77).all())
    tall = torch.randint(0, 256, (3, 5000, 1000), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    out = fit_within(tall, 2040)
    assert out.shape == (3, 2040, 408)
    # antialiased: a 5:1 reduction of noise averages it (an unfiltered resampling would keep its spread)
    assert out.float().std() < 0.5 * tall.float().std()
    small = torch.zeros(3, 100, 2040, dtype=torch.uint8)
    assert fit_within(small, 2040) is small


def test_no_sr_mini_pixels_in_photos_when_cached():
    from genlab.data.photos import _file_path
    if not all(_file_path(c, n).is_file() for c, t in (("photos", PHOTOS), ("sr-mini", SR_MINI)) for n in t):
        pytest.skip("photos/sr-mini not cached (run `genlab data fetch photos`); not downloading in tests")
    pix = lambda imgs: {hashlib.sha256(i.numpy().tobytes()).hexdigest() for i in imgs.values()}
    photos, mini = load_collection("photos"), load_collection("sr-mini")
    assert all(i.dtype.is_floating_point is False and i.shape[0] == 3 for i in photos.values())
    assert not pix(photos) & pix(mini)


def test_photos_xl_when_cached_is_photos_plus_wallpapers_within_2040_pixels():
    from genlab.data.photos import _file_path
    if not all(_file_path("photos-xl", n).is_file() for n in {**PHOTOS, **WALLPAPERS}):
        pytest.skip("photos-xl not cached (run `genlab data fetch photos-xl`); not downloading in tests")
    xl, photos = load_collection("photos-xl"), load_collection("photos")
    assert list(xl) == list(photos) + list(WALLPAPERS)
    assert all(torch.equal(xl[n], photos[n]) for n in photos)  # the 27 photos are all smaller than 2040 px
    assert max(max(im.shape[1:]) for im in xl.values()) == 2040
    assert xl["ladybird"].shape == (3, 1275, 2040)  # 2560x1600 in mate-backgrounds


def test_unknown_collection():
    with pytest.raises(DataError, match="unknown image collection"):
        load_collection("set5")


def test_bad_cached_file_is_deleted_and_refetched_from_its_package(genlab_home, monkeypatch, caplog):
    from genlab.data import photos
    path = photos._file_path("photos", "china")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not the photo")
    calls = []
    monkeypatch.setattr(photos, "_extract", lambda package, wanted: calls.append((package, list(wanted))))
    photos.ensure_collection("photos", ["china"])
    assert not path.exists() and "checksum mismatch" in caplog.text
    assert calls == [("scikit-learn", [path])]


def test_extract_checks_each_file_against_the_table(genlab_home, monkeypatch, tmp_path):
    import zipfile
    from genlab.data import photos
    from genlab.errors import ChecksumError
    wheel = tmp_path / "fake.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("sklearn/datasets/images/china.jpg", b"tampered")
    monkeypatch.setattr(photos, "pip_download", lambda req, dest: wheel)
    monkeypatch.setattr(photos, "verify_sha256", _verify_only_extracted(photos.verify_sha256, wheel))
    with pytest.raises(ChecksumError, match="china.jpg"):
        photos.ensure_collection("photos", ["china"])
    assert not photos._file_path("photos", "china").exists()


def _verify_only_extracted(verify, wheel):
    """Skip the package's own checksum (a fake wheel), keep the per-file one."""
    return lambda path, expected, name=None: None if str(path) == str(wheel) else verify(path, expected, name)


def test_photos_split_and_cli_list(capsys):
    from genlab.cli import main
    from genlab.data.photos import load_photos
    with pytest.raises(DataError, match="only the split 'train'"):
        load_photos("test")
    assert main(["data", "list"]) == 0
    out = capsys.readouterr().out
    assert "sr-mini" in out and "1 of Set5's images, 2 of Set14's, 6 Kodak" in out
