"""Input images for the applications: image files, folders, .npz files or named datasets, checked
against the model's image shape so that a mismatch is an error a user can act on, never a silent resize."""
from __future__ import annotations

from pathlib import Path

import torch

from genlab.data.images import EXTENSIONS as IMAGE_EXTENSIONS
from genlab.data.images import read_image
from genlab.errors import GenlabError


def model_shape(model) -> tuple[int, int, int]:
    """(C, H, W) of the images a model takes."""
    return tuple(model.img_shape)


def _check(images: torch.Tensor, model, where: str) -> None:
    c, h, w = model_shape(model)
    _, ic, ih, iw = images.shape
    if (ih, iw) != (h, w):
        raise GenlabError(f"{where} holds {ih}x{iw} images, but the model takes {h}x{w}; resize them first "
                          f"(e.g. load with `folder` at resolution {h}) or use a model trained at {ih}x{iw}")
    if ic != c:
        what = {1: "gray", 3: "RGB"}
        raise GenlabError(f"{where} holds {what.get(ic, ic)} images ({ic} channels), but the model takes "
                          f"{what.get(c, c)} images ({c} channels); convert them first")


def _read_file(path: Path, model) -> torch.Tensor:
    """(1, C, H, W) uint8 from one image file, checked against the model's shape."""
    c = model_shape(model)[0]
    x = read_image(path)  # (C, H, W) uint8 at the file's own channels: 1, 3 or 4
    if c == 1 and x.shape[0] > 1:
        rgb = read_image(path, "RGB")
        if not (torch.equal(rgb[0], rgb[1]) and torch.equal(rgb[1], rgb[2])):
            raise GenlabError(f"'{path}' is a color image, but the model takes gray images (1 channel); "
                              "convert it first")
        x = rgb[:1]
    elif c == 3 and x.shape[0] != 3:
        x = read_image(path, "RGB")
    x = x[None]
    _check(x, model, f"'{path}'")
    return x


def load_inputs(model, sources: list[str], n: int | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(images (N, C, H, W) in [-1, 1], labels or None) from image files and data specs
    ('mnist:test', a folder, a .npz file), the first `n` in all when n is given."""
    from genlab.data import load_dataset, parse_data_spec
    from genlab.data.folder import list_images

    if n is not None and n < 1:
        raise GenlabError(f"the number of images must be >= 1, got {n}")
    chunks, labels, unlabeled = [], [], False
    for source in sources:
        path = Path(source)
        if path.suffix.lower() in IMAGE_EXTENSIONS and not path.is_dir():  # read_image says what is wrong
            chunks.append(_read_file(path, model))
            unlabeled = True
            continue
        if path.is_dir():  # read at each file's own size, so a wrong size is reported rather than resized
            files = list_images(path)
            if not files:
                raise GenlabError(f"folder '{path}' holds no images ({', '.join(IMAGE_EXTENSIONS)})")
            chunks.extend(_read_file(f, model) for f in files[:n])
            unlabeled = True
            continue
        name, kwargs = parse_data_spec(source)
        ds = load_dataset(name, **kwargs)
        _check(ds.images, model, f"'{source}'")
        chunks.append(ds.images[:n] if n else ds.images)
        if ds.labels is None:
            unlabeled = True
        else:
            labels.append(ds.labels[:n] if n else ds.labels)
    if not chunks:
        raise GenlabError("no input images: give image files, a folder, a .npz file or a dataset like mnist:test")
    images = torch.cat(chunks)[:n] if n else torch.cat(chunks)
    label_tensor = None if unlabeled else torch.cat(labels)[:len(images)]
    return images.float() / 127.5 - 1, label_tensor


def labels_for(model, labels: torch.Tensor | None, n: int, label: int | None = None) -> torch.Tensor | None:
    """Labels to pass a conditional model: the data's, else `label` for every image; None otherwise."""
    if not getattr(model, "num_classes", 0):
        return None
    if label is not None:
        if not 0 <= label < model.num_classes:
            raise GenlabError(f"label {label} is out of range; this model has classes 0-{model.num_classes - 1}")
        return torch.full((n,), label, dtype=torch.long)
    if labels is None:
        raise GenlabError("this model is class-conditional and these images have no labels: pass --label N")
    return labels


def held_out_images(config, n: int = 16) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The first `n` images (in [-1, 1]) and labels of a run's test split (its own data when the dataset
    has no separate test split: a folder or an .npz), at the run's resolution and channels."""
    from genlab.data import load_dataset

    d = config.data
    split = "test" if d.name in ("mnist", "fashion-mnist") else d.split
    ds = load_dataset(d.name, split, data_dir=d.data_dir, path=d.path, resolution=d.resolution, channels=d.channels)
    labels = ds.labels[:n] if ds.labels is not None else None
    return ds.images[:n].float() / 127.5 - 1, labels
