import logging

import numpy as np
import pytest
import torch
from PIL import Image

from genlab.data import load_dataset
from genlab.data.folder import load_folder
from genlab.errors import DataError


def save(path, array, mode=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(array, dtype=np.uint8), mode).save(path)


def stripes(h=20, w=40):
    """Red | green | red columns: the centre square of a wide image is all green."""
    img = np.zeros((h, w, 3), np.uint8)
    img[:, :, 0] = 255
    img[:, w // 4: 3 * w // 4] = (0, 255, 0)
    return img


@pytest.fixture
def pets(tmp_path):
    root = tmp_path / "pets"
    for i in range(3):
        save(root / "cats" / f"{i}.png", stripes())
    save(root / "dogs" / "a.jpg", np.full((40, 20, 3), 200))
    save(root / "dogs" / "deep" / "b.bmp", np.full((30, 30, 3), 100))
    save(root / ".hidden" / "c.png", np.zeros((8, 8, 3)))
    (root / "dogs" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    (root / "notes.txt").write_text("not an image")
    return root


def test_labels_from_subfolders_and_skip_count(pets, caplog):
    with caplog.at_level(logging.WARNING):
        ds = load_dataset("folder", path=str(pets), resolution=16)
    assert ds.images.shape == (5, 3, 16, 16) and ds.split == "all"
    assert ds.class_names == ["cats", "dogs"] and ds.labels.tolist() == [0, 0, 0, 1, 1]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and warnings[0].startswith("skipped 1 unreadable images, first: ")
    assert "broken.png" in warnings[0]


def test_strict_raises_naming_the_file(pets):
    with pytest.raises(DataError, match=r"cannot read image '.*dogs/broken\.png'"):
        load_dataset("folder", path=str(pets), resolution=16, strict=True)


def test_resize_then_centre_crop(pets):
    (pets / "dogs" / "broken.png").unlink()
    ds = load_dataset("folder", path=str(pets), resolution=16, channels=3)
    cat = ds.images[0].permute(1, 2, 0).reshape(-1, 3)
    assert (cat == torch.tensor([0, 255, 0], dtype=torch.uint8)).all()  # the red sides were cropped off
    assert (ds.images[3] == 200).all() and (ds.images[4] == 100).all()


def test_gray_and_default_resolution(pets):
    (pets / "dogs" / "broken.png").unlink()
    ds = load_dataset("folder", path=str(pets), channels=1)
    assert ds.images.shape == (5, 1, 64, 64)
    assert ds.images[0].unique().tolist() == [150]  # PIL luma of pure green: 255 * 587 / 1000


def test_images_at_root_make_it_unlabeled(pets):
    save(pets / "loose.png", np.zeros((8, 8, 3)))
    ds = load_dataset("folder", path=str(pets), resolution=8)
    assert ds.labels is None and ds.num_classes == 0 and len(ds) == 6


def test_a_single_subfolder_is_unlabeled(tmp_path):
    for i in range(2):
        save(tmp_path / "faces" / "all" / f"{i}.png", np.zeros((8, 8, 3)))
    assert load_dataset("folder", path=str(tmp_path / "faces"), resolution=8).labels is None


def test_transparency_is_flattened_on_white_and_gray_becomes_rgb(tmp_path):
    rgba = np.zeros((8, 8, 4), np.uint8)  # fully transparent black
    save(tmp_path / "a.png", rgba, "RGBA")
    save(tmp_path / "b.png", np.full((8, 8), 77), "L")
    images, labels, _ = load_folder(str(tmp_path), resolution=8, channels=3)
    assert (images[0] == 255).all() and (images[1] == 77).all() and labels is None


def test_thread_pool_keeps_order(tmp_path):
    for i in range(70):
        save(tmp_path / f"{i:03d}.png", np.full((4, 4), i), "L")
    (tmp_path / "050.png").write_bytes(b"junk")
    images, _, _ = load_folder(str(tmp_path), resolution=4, channels=1)
    assert images[:, 0, 0, 0].tolist() == [i for i in range(70) if i != 50]


@pytest.mark.parametrize("make, message", [
    (lambda p: p.mkdir(), "holds no images"),
    (lambda p: None, "does not exist"),
    (lambda p: p.write_text("x"), "is not a folder"),
])
def test_empty_missing_or_file(tmp_path, make, message):
    path = tmp_path / "imgs"
    make(path)
    with pytest.raises(DataError, match=f"'{path}'.*{message}|'{path}' {message}"):
        load_dataset("folder", path=str(path))


def test_all_unreadable(tmp_path):
    (tmp_path / "a.jpg").write_bytes(b"nope")
    with pytest.raises(DataError, match="no readable images .* all 1 failed, first: .*a.jpg"):
        load_dataset("folder", path=str(tmp_path))


def test_test_split_and_missing_path(tmp_path):
    with pytest.raises(DataError, match="has no test split"):
        load_dataset("folder", "test", path=str(tmp_path))
    with pytest.raises(DataError, match="needs a path: folder:DIR"):
        load_dataset("folder")
