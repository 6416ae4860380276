"""Unpaired domains for translation without pairs (CycleGAN): batches {"a", "b"} of two image sets.

Domain A is the run's dataset (data.name, data.split); domain B is `data.domain_b`, a data spec
("digits", "fashion-mnist:train", "npz:FILE", a folder), loaded at A's resolution and channels. Each
domain has its own seeded batch order, so a batch pairs no particular images: the model never sees
which B image belongs to which A image. The position of both orders is the whole state.
"""
from __future__ import annotations

import torch

from genlab.data.dataset import load_dataset
from genlab.data.sources import Batch, InMemorySource, Source, mix_seed
from genlab.data.spec import parse_data_spec
from genlab.errors import DataError


class UnpairedSource(Source):
    """{"a": (B, C, H, W), "b": (B, C, H, W)} in [-1, 1] from two in-memory sources with their own orders."""

    kind = "unpaired"

    def __init__(self, a: InMemorySource, b: InMemorySource):
        if (a.channels, a.resolution) != (b.channels, b.resolution):
            raise DataError(f"domains A ({a.channels}x{a.resolution}px) and B ({b.channels}x{b.resolution}px) "
                            "differ in shape; load B at A's data.resolution and data.channels")
        self.a, self.b = a, b
        self.order, self.rank, self.world = a.order, a.rank, a.world  # epochs are counted in domain A
        self.channels, self.resolution, self.num_classes = a.channels, a.resolution, 0

    def next(self) -> Batch:
        return {"a": self.a.next()["images"], "b": self.b.next()["images"]}

    def preview_batch(self, n: int) -> Batch:
        return {"a": self.a.preview_batch(n)["images"], "b": self.b.preview_batch(n)["images"]}

    def state(self) -> dict:
        return {"kind": self.kind, "a": self.a.state(), "b": self.b.state()}

    def load_state(self, state: dict) -> None:
        if state.get("kind") != self.kind:
            raise DataError(f"the data position was saved by a '{state.get('kind', 'memory')}' source, but this "
                            "run's data is unpaired (data.domain_b); resume with the run's own data settings")
        self.a.load_state(state["a"])
        self.b.load_state(state["b"])


def load_domain(spec: str, *, split: str, resolution: int, channels: int, data_dir: str | None = None):
    """Domain B's ImageDataset from a data spec; a spec without a split takes `split` (A's)."""
    name, kwargs = parse_data_spec(spec)
    if ":" not in spec and name not in ("folder", "npz"):
        kwargs["split"] = split
    return load_dataset(name, kwargs.pop("split", "all" if name in ("folder", "npz") else split),
                        data_dir=data_dir, resolution=resolution, channels=channels, **kwargs)


def build_unpaired(data, *, batch_size: int, seed: int, rank: int = 0, world: int = 1) -> UnpairedSource:
    """The unpaired source of a run's data config: data.name as domain A, data.domain_b as domain B."""
    if data.patch_size is not None or data.degradation or data.workers:
        raise DataError("data.domain_b (unpaired domains) works on whole in-memory images; unset "
                        "data.patch_size, data.degradation and data.workers")
    ds_a = load_dataset(data.name, data.split, data_dir=data.data_dir, path=data.path,
                        resolution=data.resolution, channels=data.channels, strict=data.strict)
    ds_b = load_domain(data.domain_b, split=data.split, resolution=ds_a.resolution, channels=ds_a.channels)
    ranks = dict(rank=rank, world=world)
    a = InMemorySource(ds_a, batch_size=batch_size, seed=seed, binarize=data.binarize, **ranks)
    b = InMemorySource(ds_b, batch_size=batch_size, seed=mix_seed(seed, "domain-b") % 2**32,
                       binarize=data.binarize, **ranks)
    return UnpairedSource(a, b)


def domain_images(data, split: str) -> dict[str, tuple[torch.Tensor, torch.Tensor | None, str]]:
    """{"a"|"b": (uint8 images, labels or None, dataset name)} of both domains' `split`, at A's shape."""
    ds_a = load_dataset(data.name, split, data_dir=data.data_dir, path=data.path,
                        resolution=data.resolution, channels=data.channels, strict=data.strict)
    b_spec = data.domain_b.split(":")[0] if ":" in data.domain_b and data.domain_b.split(":")[0] not in (
        "folder", "npz") else data.domain_b
    ds_b = load_domain(b_spec, split=split, resolution=ds_a.resolution, channels=ds_a.channels)
    return {"a": (ds_a.images, ds_a.labels, ds_a.name), "b": (ds_b.images, ds_b.labels, ds_b.name)}
