import json

import pytest
import torch

from genlab.data import ImageDataset, dataset_info, fetch_dataset
from genlab.errors import DataError


def test_properties_and_describe():
    images = torch.zeros((4, 3, 2, 5), dtype=torch.uint8)
    images[0] = 255  # 30 of 120 values are 255: mean 63.75, std 255 * sqrt(0.25 * 0.75)
    ds = ImageDataset(images, torch.tensor([1, 1, 0, 2]), "npz", "all", ["a", "b", "c"], "x.npz")
    assert (len(ds), ds.channels, ds.height, ds.width, ds.resolution, ds.num_classes) == (4, 3, 2, 5, 2, 3)
    info = ds.describe()
    json.dumps(info)
    assert info["count"] == 4 and info["shape"] == [3, 2, 5] and info["label_counts"] == {"a": 1, "b": 2, "c": 1}
    assert (info["pixel_min"], info["pixel_max"], info["pixel_mean"]) == (0, 255, 63.75)
    assert info["pixel_std"] == pytest.approx(255 * (0.25 * 0.75) ** 0.5, abs=1e-4)


def test_unlabeled_and_unnamed():
    ds = ImageDataset(torch.zeros((2, 1, 4, 4), dtype=torch.uint8), None, "folder", "all")
    assert ds.num_classes == 0 and ds.describe()["label_counts"] is None
    labeled = ImageDataset(torch.zeros((2, 1, 4, 4), dtype=torch.uint8), torch.tensor([0, 3]), "npz", "all")
    assert labeled.num_classes == 4 and labeled.describe()["label_counts"] == {"0": 1, "1": 0, "2": 0, "3": 1}


def test_validation():
    with pytest.raises(DataError, match="images must be uint8"):
        ImageDataset(torch.zeros((2, 1, 4, 4)), None, "npz", "all")
    with pytest.raises(DataError, match=r"labels must be int64 \(2,\)"):
        ImageDataset(torch.zeros((2, 1, 4, 4), dtype=torch.uint8), torch.zeros(3, dtype=torch.int64), "npz", "all")


def test_fetch_is_for_named_datasets_only():
    with pytest.raises(DataError, match="nothing to fetch"):
        fetch_dataset("folder")
    with pytest.raises(DataError, match="did you mean 'mnist'"):
        dataset_info("mnis")
