"""Batch sources: names and shapes of their batches, and exact resume (the batch after load_state equals
the uninterrupted one), independent of the worker count and of how the global batch is split over ranks."""
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from genlab.config import load_config
from genlab.data import ImageDataset
from genlab.data.degrade import bicubic_degrade, make_degradation
from genlab.data.sources import (FolderStreamSource, InMemorySource, PairedSource, PatchSource, build_source)
from genlab.errors import ConfigError, DataError


def _dataset(n=40, labels=True):
    g = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (n, 1, 8, 8), generator=g, dtype=torch.uint8)
    return ImageDataset(images, torch.arange(n) % 4 if labels else None, "npz", "all")


def _photos(sizes=((3, 40, 50), (3, 33, 70), (3, 64, 32), (3, 20, 20))):
    g = torch.Generator().manual_seed(1)
    return [torch.randint(0, 256, s, generator=g, dtype=torch.uint8) for s in sizes]


def _take(source, k):
    return [source.next() for _ in range(k)]


def _assert_batches_equal(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x.keys() == y.keys()
        assert all(torch.equal(x[k], y[k]) for k in x)


def _check_resume(make, k_before=3, k_after=4):
    """A fresh source, moved to another's state after k_before batches, continues exactly like it."""
    straight = _take(make(), k_before + k_after)
    first = make()
    _take(first, k_before)
    state = first.state()
    resumed = make()
    resumed.load_state(state)
    _assert_batches_equal(_take(resumed, k_after), straight[k_before:])
    return straight


def test_in_memory_batches_are_named_scaled_and_resume_exactly():
    data = _dataset()
    make = lambda: InMemorySource(data, batch_size=16, seed=3)  # noqa: E731  2 batches an epoch
    batches = _check_resume(make)  # crosses two epoch boundaries
    b = batches[0]
    assert set(b) == {"images", "labels"} and b["images"].shape == (16, 1, 8, 8) and b["labels"].shape == (16,)
    assert b["images"].min() >= -1 and b["images"].max() <= 1
    # the images are dataset rows scaled as x / 127.5 - 1, with their own labels
    order = make().order.indices(0, 0)
    assert torch.equal(b["images"], data.images[order].float() / 127.5 - 1)
    assert torch.equal(b["labels"], data.labels[order])
    assert make().epochs_done == 0 and make().batches_per_epoch == 2


def test_in_memory_source_loads_a_position_saved_before_sources_existed():
    source = InMemorySource(_dataset(), batch_size=16, seed=3)
    source.load_state({"epoch": 1, "index": 1, "seed": 3, "batch_size": 16, "n": 40})  # BatchOrder.state()
    assert source.epochs_done == 1.5
    with pytest.raises(DataError, match="saved for 41 items in batches of 16"):
        source.load_state({"epoch": 1, "index": 1, "seed": 3, "batch_size": 16, "n": 41})
    with pytest.raises(DataError, match="'patches' source"):
        source.load_state({"kind": "patches", "epoch": 0, "index": 0, "seed": 3, "batch_size": 16, "n": 40})


@pytest.mark.parametrize("binarize", ["none", "dynamic"])
def test_ranks_get_interleaved_slices_of_the_global_batch(binarize):
    data = _dataset()
    whole = InMemorySource(data, batch_size=16, seed=3, binarize=binarize).next()
    parts = [InMemorySource(data, batch_size=16, seed=3, binarize=binarize, rank=r, world=2).next() for r in (0, 1)]
    for key in whole:
        assert torch.equal(whole[key][0::2], parts[0][key]) and torch.equal(whole[key][1::2], parts[1][key])


def test_binarization_fixed_once_or_fresh_per_batch_from_the_position():
    data = _dataset()
    fixed = InMemorySource(data, batch_size=40, seed=3, binarize="fixed")
    g = torch.Generator().manual_seed(3)  # the loop's formula before sources: one draw from the seed
    assert torch.equal(fixed.images, (torch.bernoulli(data.images.float() / 255, generator=g) * 255).to(torch.uint8))
    dynamic = InMemorySource(data, batch_size=40, seed=3, binarize="dynamic")
    a, b = dynamic.next()["images"], dynamic.next()["images"]  # the same 40 images, one epoch each
    assert set(a.unique().tolist()) == {-1.0, 1.0} and not torch.equal(a, b)
    rng = torch.get_rng_state()
    _check_resume(lambda: InMemorySource(data, batch_size=16, seed=3, binarize="dynamic"))
    assert torch.equal(torch.get_rng_state(), rng)  # never the global RNG


def test_batch_larger_than_the_data_is_a_data_error():
    with pytest.raises(DataError, match="batch_size 64 is larger than the dataset \\(40 images\\)"):
        InMemorySource(_dataset(), batch_size=64, seed=0)


def test_patches_of_images_of_any_size_resume_exactly_and_come_from_the_images():
    photos = _photos()
    make = lambda: PatchSource(photos, patch_size=16, batch_size=6, seed=5)  # noqa: E731
    batches = _check_resume(make)
    assert set(batches[0]) == {"images"} and batches[0]["images"].shape == (6, 3, 16, 16)
    source = make()
    assert source.batches_per_epoch == 1  # the 4 images twice an epoch: 8 // 6
    assert source.interface == {"img_channels": 3, "img_resolution": 16, "num_classes": 0}
    # every patch is a crop of one of the photos (checked by exhaustive search over the places)
    for patch in batches[0]["images"]:
        pixels = ((patch + 1) * 127.5).round().to(torch.uint8)
        windows = [p.unfold(1, 16, 1).unfold(2, 16, 1) for p in photos]  # (C, H', W', 16, 16)
        assert any((w == pixels[:, None, None]).all(dim=(0, 3, 4)).any() for w in windows)
    whole = make().next()["images"]
    halves = [PatchSource(photos, patch_size=16, batch_size=6, seed=5, rank=r, world=2).next()["images"] for r in (0, 1)]
    assert torch.equal(whole[0::2], halves[0]) and torch.equal(whole[1::2], halves[1])


def _symmetries(patch):
    """The eight symmetries of a square (C, S, S) patch: four quarter turns, each mirrored or not."""
    return [torch.rot90(p, k, (-2, -1)) for p in (patch, patch.flip(-1)) for k in range(4)]


def test_augmented_patches_are_the_plain_patches_flipped_and_turned_and_resume_exactly():
    photos = _photos()
    make = lambda augment: PatchSource(photos, patch_size=16, batch_size=6, seed=5, augment=augment)  # noqa: E731
    augmented = _check_resume(lambda: make(True), k_before=2, k_after=6)
    plain = _take(make(False), 8)
    seen = set()
    for a, p in zip(augmented, plain):
        for x, y in zip(a["images"], p["images"]):  # the same place, then one of the 8 symmetries
            matches = [i for i, sym in enumerate(_symmetries(y)) if torch.equal(sym, x)]
            assert matches, "an augmented patch is not a symmetry of the plain patch at the same place"
            seen.add(matches[0])
    assert len(seen) == 8  # 48 patches use every symmetry


def test_an_image_smaller_than_the_patch_is_named():
    with pytest.raises(DataError, match="image 3 is 20x20 pixels, smaller than data.patch_size 24"):
        PatchSource(_photos(), patch_size=24, batch_size=4, seed=0)


def test_paired_source_degrades_targets_into_inputs_and_resumes_exactly():
    photos = _photos()
    make = lambda: PairedSource(PatchSource(photos, patch_size=16, batch_size=4, seed=5),  # noqa: E731
                                make_degradation("bicubic-x2"), seed=5, scale=2)
    b = _check_resume(make)[0]
    assert set(b) == {"inputs", "targets"} and b["inputs"].shape == (4, 3, 8, 8) and b["targets"].shape == (4, 3, 16, 16)
    expected = F.interpolate(b["targets"], size=(8, 8), mode="bicubic", antialias=True, align_corners=False)
    assert torch.allclose(b["inputs"], expected.clamp(-1, 1), atol=1 / 127.5)  # within 8-bit rounding
    assert torch.equal(b["inputs"], bicubic_degrade(b["targets"], 2))
    preview = make().preview_batch(5)
    assert preview["inputs"].shape == (5, 3, 8, 8) and torch.equal(preview["targets"], make().preview_batch(5)["targets"])
    assert make().shape == {"channels": 3, "resolution": 16, "num_classes": 0, "scale": 2}


@pytest.fixture
def photo_folder(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for i, image in enumerate(_photos()):
        Image.fromarray(image.permute(1, 2, 0).numpy()).save(folder / f"p{i}.png")
    return folder


def test_streamed_folder_batches_do_not_depend_on_the_worker_count(photo_folder):
    make = lambda workers: FolderStreamSource(photo_folder, batch_size=3, seed=2, patch_size=16,  # noqa: E731
                                              workers=workers)
    in_process = _take(make(0), 5)
    with_workers = make(2)
    _assert_batches_equal(_take(with_workers, 5), in_process)
    with_workers.close()
    # resume with workers from an in-process state
    first = make(0)
    _take(first, 2)
    resumed = make(2)
    resumed.load_state(first.state())
    _assert_batches_equal(_take(resumed, 3), in_process[2:])
    resumed.close()
    # the streamed patches are the in-memory patch source's (same files, same seed)
    memory = PatchSource(_photos(), patch_size=16, batch_size=3, seed=2)
    _assert_batches_equal(_take(memory, 5), in_process)


def test_streamed_whole_images_are_fitted_to_the_resolution(photo_folder):
    source = FolderStreamSource(photo_folder, batch_size=2, seed=0, resolution=12, channels=1)
    assert source.next()["images"].shape == (2, 1, 12, 12) and source.batches_per_epoch == 2


def _cfg(*overrides):
    return load_config(None, ["train.batch_size=4", *overrides]).data


def test_build_source_picks_the_source_from_the_data_config(tiny_npz, photo_folder):
    memory = build_source(_cfg("data.name=npz", f"data.path={tiny_npz}"), batch_size=4, seed=0)
    assert isinstance(memory, InMemorySource) and memory.shape == {"channels": 1, "resolution": 28, "num_classes": 4}
    patches = build_source(_cfg("data.name=folder", f"data.path={photo_folder}", "data.patch_size=16"),
                           batch_size=4, seed=0)
    assert isinstance(patches, PatchSource) and patches.next()["images"].shape == (4, 3, 16, 16)
    assert patches.augment is False
    augmented = build_source(_cfg("data.name=folder", f"data.path={photo_folder}", "data.patch_size=16",
                                  "data.augment=true"), batch_size=4, seed=0)
    assert augmented.augment is True
    streamed_aug = build_source(_cfg("data.name=folder", f"data.path={photo_folder}", "data.patch_size=16",
                                     "data.workers=1", "data.augment=true"), batch_size=4, seed=0)
    assert streamed_aug.dataset.augment is True
    streamed_aug.close()
    streamed = build_source(_cfg("data.name=folder", f"data.path={photo_folder}", "data.patch_size=16",
                                 "data.workers=1", "data.degradation=bicubic-x4"), batch_size=4, seed=0)
    assert isinstance(streamed, PairedSource) and isinstance(streamed.source, FolderStreamSource)
    assert streamed.next()["inputs"].shape == (4, 3, 4, 4)
    streamed.close()


@pytest.mark.parametrize("overrides, message", [
    (["data.patch_size=0"], "data.patch_size must be a number of pixels >= 1"),
    (["data.workers=-1"], "data.workers must be >= 0"),
    (["data.workers=2"], "data.workers streams an image folder"),
    (["data.degradation=bicubic"], "data.degradation 'bicubic' is unknown.*known: bicubic-x2"),
    (["data.degradation=bicubc-x2"], "did you mean 'bicubic-x2'"),
    (["data.degradation=bicubic-x5"], "'bicubic-x5' is unknown"),
    (["data.patch_size=30", "data.degradation=bicubic-x4"], "data.patch_size 30 is not a multiple of the scale 4"),
    (["data.patch_size=32", "data.binarize=dynamic"], "cannot be combined with data.patch_size"),
    (["data.augment=true"], "data.augment flips and turns random patches; set data.patch_size too"),
    (["data.patch_size=32", "data.augment=3"], "data.augment must be true or false, got 3"),
])
def test_bad_source_settings_are_config_errors(overrides, message):
    with pytest.raises(ConfigError, match=message):
        load_config(None, overrides)


def test_old_configs_get_the_new_data_keys_with_defaults():
    data = load_config(None, ["data.name=mnist"]).data
    assert (data.patch_size, data.degradation, data.workers, data.augment) == (None, None, 0, False)
