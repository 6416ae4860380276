"""Batch sources: the data side makes the batches a family trains on, as named CPU tensors.

    {"images", "labels"}   InMemorySource: a whole ImageDataset in memory (MNIST ...), with binarization
    {"images"}             PatchSource: random square patches of images of any size (photos, not resized)
    {"images"}             FolderStreamSource: a folder read by DataLoader workers, for sets beyond memory
    {"inputs", "targets"}  PairedSource: any of the above, its images degraded on the fly into inputs

Images are float (B, C, H, W) in [-1, 1]. Every batch depends only on (seed, epoch, index): the image
order of an epoch is a permutation seeded by (seed, epoch), and every random choice within a batch (crop
positions, Bernoulli pixels, degradations) comes from a generator seeded by its position, never from
the global RNG, the worker count or timing. So `state()` (the position) is all a resume needs.
`batch_size` is the global batch; under DDP each rank gets its slice rank::world of every batch.
"""
from __future__ import annotations

import hashlib
import itertools
import math
from pathlib import Path
from typing import Callable, Iterator

import torch

from genlab.data.dataset import ImageDataset, load_dataset
from genlab.data.photos import load_photos
from genlab.data.degrade import Degradation as Degrade, make_degradation, parse_degradation
from genlab.data.folder import list_images
from genlab.data.images import read_image
from genlab.data.transforms import fit_images
from genlab.errors import ConfigError, DataError

Batch = dict[str, torch.Tensor]


def mix_seed(*parts) -> int:
    """A 63-bit seed from any tuple of ints and strings, stable across processes and platforms."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


def position_generator(*parts) -> torch.Generator:
    """A CPU generator seeded by a position such as (seed, "crop", epoch, index, item)."""
    return torch.Generator().manual_seed(mix_seed(*parts))


def concat_batches(batches: list[Batch]) -> Batch:
    """Several batches as one, key by key (a GAN with n_critic takes several real batches a step)."""
    if len(batches) == 1:
        return batches[0]
    return {k: torch.cat([b[k] for b in batches]) for k in batches[0]}


class BatchOrder:
    """Indices of the batches of an in-memory set, in an order that depends only on (seed, epoch).

    The whole state is the position (epoch, index). Incomplete last batches are dropped, as most GAN code does.
    """

    def __init__(self, n: int, batch_size: int, seed: int):
        if batch_size > n:
            raise DataError(f"train.batch_size {batch_size} is larger than the dataset ({n} images)")
        self.n, self.batch_size, self.seed = n, batch_size, seed
        self.batches_per_epoch = n // batch_size
        self.epoch, self.index = 0, 0
        self._perm_epoch, self._perm = -1, None

    def permutation(self, epoch: int) -> torch.Tensor:
        if self._perm_epoch != epoch:
            g = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
            self._perm, self._perm_epoch = torch.randperm(self.n, generator=g), epoch
        return self._perm

    def indices(self, epoch: int, index: int) -> torch.Tensor:
        """The batch at (epoch, index), (batch_size,) int64."""
        start = index * self.batch_size
        return self.permutation(epoch)[start:start + self.batch_size]

    def next(self) -> torch.Tensor:
        """Indices of the next batch, (batch_size,) int64 on the CPU."""
        idx = self.indices(self.epoch, self.index)
        self.index += 1
        if self.index == self.batches_per_epoch:
            self.epoch, self.index = self.epoch + 1, 0
        return idx

    @property
    def epochs_done(self) -> float:
        return self.epoch + self.index / self.batches_per_epoch

    def state(self) -> dict:
        return {"epoch": self.epoch, "index": self.index, "seed": self.seed, "batch_size": self.batch_size, "n": self.n}

    def load_state(self, state: dict) -> None:
        if (state["n"], state["batch_size"]) != (self.n, self.batch_size):
            raise DataError(f"the data position was saved for {state['n']} items in batches of {state['batch_size']}, "
                            f"but this run has {self.n} in batches of {self.batch_size}")
        self.epoch, self.index, self.seed = state["epoch"], state["index"], state["seed"]


class Source:
    """What every batch source offers the loop (see the module docstring)."""

    kind = "source"
    channels: int
    resolution: int  # image side (or patch side) of the batches' images / targets
    num_classes: int = 0

    def __init__(self, order: BatchOrder, *, rank: int = 0, world: int = 1):
        if not 0 <= rank < world:
            raise ValueError(f"rank {rank} is not in [0, {world})")
        self.order, self.rank, self.world = order, rank, world

    def next(self) -> Batch:
        """The next batch (this rank's slice of it)."""
        epoch, index = self.order.epoch, self.order.index
        batch = self.make_batch(epoch, index, self.order.next())
        return batch

    def make_batch(self, epoch: int, index: int, idx: torch.Tensor) -> Batch:
        raise NotImplementedError

    def preview_batch(self, n: int) -> Batch:
        """n fixed items (the same for the whole run), for the run's sample grid."""
        raise NotImplementedError

    @property
    def batches_per_epoch(self) -> int:
        return self.order.batches_per_epoch

    @property
    def epochs_done(self) -> float:
        return self.order.epochs_done

    @property
    def position(self) -> tuple[int, int]:
        """(epoch, index) of the next batch."""
        return self.order.epoch, self.order.index

    def state(self) -> dict:
        """The position, JSON-able: what a checkpoint stores to resume exactly."""
        return {"kind": self.kind, **self.order.state()}

    def load_state(self, state: dict) -> None:
        """Continue from a state() (a DataError when it was saved for other data or batches)."""
        kind = state.get("kind", "memory")  # runs before sources: an in-memory BatchOrder position
        if kind != self.kind:
            raise DataError(f"the data position was saved by a '{kind}' source, but this run's data is a "
                            f"'{self.kind}' source; resume with the run's own data settings")
        self.order.load_state(state)

    @property
    def shape(self) -> dict:
        """What models are built for: the checkpoint's data_shape."""
        return {"channels": self.channels, "resolution": self.resolution, "num_classes": self.num_classes}

    @property
    def interface(self) -> dict:
        """The interface arguments of a family: img_channels, img_resolution, num_classes."""
        return {"img_channels": self.channels, "img_resolution": self.resolution, "num_classes": self.num_classes}

    def close(self) -> None:
        """Release worker processes, if any."""

    def _mine(self, items: list) -> list:
        return items[self.rank::self.world]


class InMemorySource(Source):
    """Batches of a whole ImageDataset held in memory: {"images", "labels" (when labelled)}.

    binarize: "none"; "fixed" (Bernoulli pixels drawn once from the seed); "dynamic" (fresh Bernoulli
    pixels every batch, Burda et al. 2016), drawn from a generator seeded by the batch's position.
    """

    kind = "memory"

    def __init__(self, data: ImageDataset, *, batch_size: int, seed: int, binarize: str = "none",
                 rank: int = 0, world: int = 1):
        super().__init__(BatchOrder(len(data), batch_size, seed), rank=rank, world=world)
        if binarize not in ("none", "fixed", "dynamic"):
            raise ConfigError(f"data.binarize '{binarize}' is unknown; known: dynamic, fixed, none")
        self.data, self.seed, self.binarize = data, seed, binarize
        self.images, self.labels = data.images, data.labels  # (N, C, H, W) uint8, (N,) int64 | None
        if binarize == "fixed":
            g = torch.Generator().manual_seed(seed)
            self.images = (torch.bernoulli(data.images.float() / 255, generator=g) * 255).to(torch.uint8)
        self.channels, self.resolution, self.num_classes = data.channels, data.resolution, data.num_classes

    def make_batch(self, epoch: int, index: int, idx: torch.Tensor) -> Batch:
        if self.binarize == "dynamic":  # binarize the global batch, so the pixels do not depend on the world size
            g = position_generator(self.seed, "binarize", epoch, index)
            x = torch.bernoulli(self.images[idx].float() / 255, generator=g)[self.rank::self.world] * 255
        else:
            x = self.images[idx[self.rank::self.world]].float()
        return self._named(x, idx[self.rank::self.world])

    def _named(self, x: torch.Tensor, idx: torch.Tensor) -> Batch:
        batch = {"images": x / 127.5 - 1}  # (B, C, H, W) in [-1, 1]
        if self.labels is not None:
            batch["labels"] = self.labels[idx]
        return batch

    def preview_batch(self, n: int) -> Batch:
        idx = torch.arange(n) % len(self.images)
        x = self.images[idx].float()
        if self.binarize == "dynamic":
            x = torch.bernoulli(x / 255, generator=position_generator(self.seed, "preview")) * 255
        return self._named(x, idx)


def random_patch(image: torch.Tensor, size: int, generator: torch.Generator, augment: bool = False) -> torch.Tensor:
    """A size x size crop of a uint8 (C, H, W) image at a random place; with `augment`, also a random
    flip and quarter turn (the eight symmetries of the square)."""
    _, h, w = image.shape
    top = int(torch.randint(0, h - size + 1, (1,), generator=generator))
    left = int(torch.randint(0, w - size + 1, (1,), generator=generator))
    patch = image[:, top:top + size, left:left + size]
    if augment:
        flip, turns = torch.randint(0, 2, (2,), generator=generator).tolist(), int(torch.randint(0, 4, (1,), generator=generator))
        if flip[0]:
            patch = patch.flip(-1)
        patch = torch.rot90(patch, turns, (-2, -1))
    return patch


def _check_patchable(images: list[torch.Tensor], size: int, names: list[str] | None = None) -> None:
    for i, image in enumerate(images):
        if image.dtype != torch.uint8 or image.ndim != 3:
            raise DataError(f"image {names[i] if names else i} must be uint8 (C, H, W), got {image.dtype} "
                            f"{tuple(image.shape)}")
        if min(image.shape[1:]) < size:
            raise DataError(f"image {names[i] if names else i} is {image.shape[2]}x{image.shape[1]} pixels, "
                            f"smaller than data.patch_size {size}")


def _repeats(n: int, batch_size: int) -> int:
    """Passes over n images in one epoch, so that an epoch holds at least one batch."""
    return max(1, math.ceil(batch_size / n))


class PatchSource(Source):
    """Random patch_size x patch_size patches of in-memory uint8 (C, H, W) images of any size: {"images"}.

    An epoch visits every image once in a seeded order (several times when the batch is larger than the
    set); each visit takes one patch at a place drawn from the item's own seeded generator.
    """

    kind = "patches"

    def __init__(self, images: list[torch.Tensor], *, patch_size: int, batch_size: int, seed: int,
                 augment: bool = False, rank: int = 0, world: int = 1):
        if not images:
            raise DataError("a patch source needs at least one image")
        _check_patchable(images, patch_size)
        channels = {im.shape[0] for im in images}
        if len(channels) > 1:
            raise DataError(f"images have different channel counts {sorted(channels)}; set data.channels")
        n = len(images)
        super().__init__(BatchOrder(n * _repeats(n, batch_size), batch_size, seed), rank=rank, world=world)
        self.images, self.seed, self.augment = images, seed, augment
        self.channels, self.resolution, self.num_classes = channels.pop(), patch_size, 0

    def make_batch(self, epoch: int, index: int, idx: torch.Tensor) -> Batch:
        patches = [random_patch(self.images[int(i) % len(self.images)], self.resolution,
                                position_generator(self.seed, "patch", epoch, index, j), self.augment)
                   for j, i in self._mine(list(enumerate(idx.tolist())))]
        return {"images": torch.stack(patches).float() / 127.5 - 1}

    def preview_batch(self, n: int) -> Batch:
        patches = [random_patch(self.images[i % len(self.images)], self.resolution,
                                position_generator(self.seed, "preview", i)) for i in range(n)]
        return {"images": torch.stack(patches).float() / 127.5 - 1}


class _StreamedBatches(torch.utils.data.Dataset):
    """Batch number k of the run (epoch k // batches_per_epoch) read from files: what a DataLoader worker runs."""

    def __init__(self, files: list[Path], order: BatchOrder, *, mode: str, patch_size: int | None,
                 resolution: int | None, augment: bool, rank: int, world: int):
        self.files, self.order, self.mode = files, order, mode
        self.patch_size, self.resolution, self.augment = patch_size, resolution, augment
        self.rank, self.world = rank, world

    def __len__(self) -> int:  # batches are numbered without end; the loop decides when to stop
        return 2 ** 62

    def read(self, i: int, generator: torch.Generator) -> torch.Tensor:
        """File i as uint8 (C, S, S): a random patch, or the whole image fitted to the resolution."""
        path = self.files[i % len(self.files)]
        image = read_image(path, self.mode)
        if self.patch_size is None:
            return fit_images(image[None], self.resolution)[0]
        _check_patchable([image], self.patch_size, [f"'{path}'"])
        return random_patch(image, self.patch_size, generator, self.augment)

    def batch(self, epoch: int, index: int) -> Batch:
        idx = self.order.indices(epoch, index).tolist()
        seed = self.order.seed
        items = [self.read(i, position_generator(seed, "patch", epoch, index, j))
                 for j, i in list(enumerate(idx))[self.rank::self.world]]
        return {"images": torch.stack(items).float() / 127.5 - 1}

    def __getitem__(self, k: int) -> Batch:
        per_epoch = self.order.batches_per_epoch
        return self.batch(k // per_epoch, k % per_epoch)


class FolderStreamSource(Source):
    """An image folder read batch by batch, in `workers` DataLoader processes (0: in this process):
    {"images"}, random patches (patch_size) or whole images fitted to `resolution` square.

    Workers only read ahead: batch k is a function of (seed, k), so the batches do not depend on the
    number of workers, and a resume restarts the readers at the saved batch.
    """

    kind = "folder-stream"

    def __init__(self, path: str | Path, *, batch_size: int, seed: int, patch_size: int | None = None,
                 resolution: int | None = None, channels: int | None = None, workers: int = 0,
                 augment: bool = False, rank: int = 0, world: int = 1):
        files = list_images(Path(path)) if Path(path).is_dir() else []
        if not files:
            raise DataError(f"image folder '{path}' holds no images (png, jpg, webp, bmp)")
        if (patch_size is None) == (resolution is None):
            raise ConfigError("a streamed folder needs exactly one of data.patch_size and data.resolution")
        if channels not in (None, 1, 3):
            raise ConfigError(f"data.channels must be 1 or 3, got {channels}")
        mode = {1: "L", 3: "RGB"}.get(channels) or ("L" if read_image(files[0]).shape[0] == 1 else "RGB")
        n = len(files)
        super().__init__(BatchOrder(n * (_repeats(n, batch_size) if patch_size else 1), batch_size, seed),
                         rank=rank, world=world)
        self.files, self.workers, self.seed = files, workers, seed
        self.channels, self.resolution = (1 if mode == "L" else 3), patch_size or resolution
        self.dataset = _StreamedBatches(files, self.order, mode=mode, patch_size=patch_size, resolution=resolution,
                                        augment=augment, rank=rank, world=world)
        self._batches: Iterator[Batch] | None = None

    def _start(self) -> Iterator[Batch]:
        first = self.order.epoch * self.order.batches_per_epoch + self.order.index
        if self.workers == 0:
            return (self.dataset[k] for k in itertools.count(first))
        loader = torch.utils.data.DataLoader(self.dataset, batch_size=None, sampler=itertools.count(first),
                                             num_workers=self.workers, prefetch_factor=2,
                                             persistent_workers=False)
        return iter(loader)

    def next(self) -> Batch:
        if self._batches is None:
            self._batches = self._start()
        batch = next(self._batches)
        self.order.next()  # the position advances with what the loop has taken, not with what is read ahead
        return batch

    def preview_batch(self, n: int) -> Batch:
        items = [self.dataset.read(i, position_generator(self.seed, "preview", i)) for i in range(n)]
        return {"images": torch.stack(items).float() / 127.5 - 1}

    def load_state(self, state: dict) -> None:
        super().load_state(state)
        self.close()

    def close(self) -> None:
        self._batches = None  # the DataLoader iterator shuts its workers down when it is dropped


class PairedSource(Source):
    """{"inputs", "targets"}: another source's images as targets, `degrade(targets, generator)` as inputs;
    the generator is seeded by the batch's position (and rank), so random degradations resume exactly."""

    kind = "paired"

    def __init__(self, source: Source, degrade: Degrade, *, seed: int, scale: int = 1):
        self.source, self.degrade, self.seed, self.scale = source, degrade, seed, scale
        self.order, self.rank, self.world = source.order, source.rank, source.world
        self.channels, self.resolution, self.num_classes = source.channels, source.resolution, 0
        if self.resolution % scale:
            raise ConfigError(f"images of {self.resolution} pixels cannot be downscaled by {scale}: "
                              f"use a patch size or resolution that {scale} divides")

    def next(self) -> Batch:
        epoch, index = self.source.position
        targets = self.source.next()["images"]
        inputs = self.degrade(targets, position_generator(self.seed, "degrade", epoch, index, self.rank))
        return {"inputs": inputs, "targets": targets}

    def preview_batch(self, n: int) -> Batch:
        targets = self.source.preview_batch(n)["images"]
        return {"inputs": self.degrade(targets, position_generator(self.seed, "preview-degrade")),
                "targets": targets}

    def state(self) -> dict:
        return {**self.source.state(), "paired": True}

    def load_state(self, state: dict) -> None:
        if not state.get("paired"):
            raise DataError("the data position was saved without data.degradation; resume with the run's own "
                            "data settings")
        self.source.load_state({k: v for k, v in state.items() if k != "paired"})

    @property
    def shape(self) -> dict:
        return {**super().shape, "scale": self.scale}

    def close(self) -> None:
        self.source.close()


def _folder_images(data) -> list[torch.Tensor]:
    """Every image of data.path at its own size, uint8 (C, H, W)."""
    files = list_images(Path(data.path)) if data.path and Path(data.path).is_dir() else []
    if not files:
        raise DataError(f"image folder '{data.path}' holds no images (png, jpg, webp, bmp)")
    mode = {1: "L", 3: "RGB", None: None}[data.channels]
    images = [read_image(f, mode) for f in files]
    if mode is None and len({im.shape[0] for im in images}) > 1:  # mixed gray and colour: all RGB
        images = [read_image(f, "RGB") for f in files]
    return images


# dataset name -> its images at their own sizes, for patch sources (data.patch_size); other names
# use load_dataset's images
IMAGE_LISTS: dict[str, Callable[..., list[torch.Tensor]]] = {
    "folder": _folder_images,
    "photos": lambda data: load_photos(data.split),  # real photos of many sizes (data/photos.py)
    "photos-xl": lambda data: load_photos(data.split, "photos-xl"),  # and 25 wallpaper photographs
}


def build_source(data, *, batch_size: int, seed: int, rank: int = 0, world: int = 1) -> Source:
    """The batch source a run's `data` config (a config.DataConfig) describes; batch_size is the global batch."""
    ranks = dict(rank=rank, world=world)
    from genlab.data.text import TEXT_CORPORA, build_text_source
    if data.name in TEXT_CORPORA:  # text: token windows for language models (data/text.py)
        return build_text_source(data, batch_size=batch_size, seed=seed, **ranks)
    if data.block_size is not None:
        raise ConfigError(f"data.block_size is for text corpora ({', '.join(TEXT_CORPORA)}), not '{data.name}'")
    from genlab.data.audio_sets import AUDIO_DATASETS, build_audio_source  # audio_sets builds on this module
    if data.name in AUDIO_DATASETS:
        return build_audio_source(data, batch_size=batch_size, seed=seed, **ranks)
    if getattr(data, "domain_b", None):  # two unpaired domains: {"a", "b"} batches (data/unpaired.py)
        from genlab.data.unpaired import build_unpaired
        return build_unpaired(data, batch_size=batch_size, seed=seed, **ranks)
    if data.workers > 0:
        if data.name != "folder":
            raise ConfigError(f"data.workers streams an image folder (data.name: folder), not '{data.name}'")
        if data.binarize != "none":
            raise ConfigError("data.binarize works on in-memory data; set data.workers=0")
        source: Source = FolderStreamSource(
            data.path, batch_size=batch_size, seed=seed, patch_size=data.patch_size,
            resolution=None if data.patch_size else (data.resolution or 64), channels=data.channels,
            workers=data.workers, augment=data.augment, **ranks)
    elif data.patch_size is not None:
        if data.binarize != "none":
            raise ConfigError("data.binarize works on whole in-memory images; unset data.patch_size")
        if data.name in IMAGE_LISTS:
            images = IMAGE_LISTS[data.name](data)
        else:
            ds = load_dataset(data.name, data.split, data_dir=data.data_dir, path=data.path,
                              resolution=data.resolution, channels=data.channels, strict=data.strict)
            images = list(ds.images)
        source = PatchSource(images, patch_size=data.patch_size, batch_size=batch_size, seed=seed,
                             augment=data.augment, **ranks)
    else:
        ds = load_dataset(data.name, data.split, data_dir=data.data_dir, path=data.path,
                          resolution=data.resolution, channels=data.channels, strict=data.strict)
        source = InMemorySource(ds, batch_size=batch_size, seed=seed, binarize=data.binarize, **ranks)
    if data.degradation:
        _, scale = parse_degradation(data.degradation)
        source = PairedSource(source, make_degradation(data.degradation), seed=seed, scale=scale)
    return source
