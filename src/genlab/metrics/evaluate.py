"""Evaluate a model, or compare two image sets, under named protocols (see protocols.py).

    evaluate_model(model, "mnist", ["fid10k", "kid10k", "pr10k", "cls10k"])
    evaluate_sets("mnist:test", "samples/", ["fid10k"])      # as `python -m pytorch_fid A B`

Result keys: "<protocol>" for FID; "<p>_mean", "<p>_std" for KID; "<p>_precision", "<p>_recall",
"<p>_density", "<p>_coverage"; "<p>_kl", "<p>_classes_covered", "<p>_acc" (conditional models) and
"<p>_hist_<class>" for the classifier. When a set holds fewer images than a protocol asks for, all of them
are used and "<p>_num_fake" / "<p>_num_real" say how many.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable, Iterable, Iterator

import torch
from tqdm.auto import tqdm

from ..errors import GenlabError
from .classifier import class_report, load_classifier, predict
from .features import FeatureExtractor, iter_batches, to_uint8
from .fid import FeatureStats, frechet_distance
from .kid import kernel_inception_distance
from .precision_recall import prdc
from .protocols import Protocol, content_digest, parse_protocols, reference_stats

log = logging.getLogger(__name__)

NAMED_DATASETS = ("mnist", "fashion-mnist")  # fixed contents: reference stats cached by name alone


def sample_images(model, n: int, *, labels: torch.Tensor | None, batch_size: int, seed: int,
                  device: str | torch.device) -> Iterator[torch.Tensor]:
    """uint8 (B, C, H, W) batches of model.sample with one seeded generator, on the CPU."""
    generator = torch.Generator(device=device).manual_seed(seed)
    for start in range(0, n, batch_size):
        count = min(batch_size, n - start)
        batch_labels = None if labels is None else labels[start:start + count].to(device)
        with torch.no_grad():
            images = model.sample(count, labels=batch_labels, generator=generator)
        yield to_uint8(images.detach().cpu())


def balanced_labels(n: int, num_classes: int) -> torch.Tensor:
    """0, 1, ..., C-1, 0, 1, ...: every class gets n / C samples (±1)."""
    return torch.arange(n) % num_classes


def evaluate_model(model, dataset_name: str, protocols: str | list[str], *, data_dir: str | None = None,
                   batch_size: int = 100, seed: int = 0, device: str | torch.device = "cpu",
                   resize: str = "legacy_tensorflow", backend: str = "torch") -> dict[str, float]:
    """Evaluate `model` (anything with .sample(n, labels, generator) and .num_classes) on a dataset.

    Samples as many images as the largest protocol needs, once, with torch.Generator seeded by `seed`;
    conditional models get labels balanced over their classes. `backend` runs the Inception network
    ("torch", or "onnxruntime" with the onnx extra; see features.py).
    """
    from ..data import load_dataset

    protos = parse_protocols(protocols, kind="samples")
    num_fake = max(p.num_fake for p in protos)
    num_classes = int(getattr(model, "num_classes", 0) or 0)
    labels = balanced_labels(num_fake, num_classes) if num_classes else None
    extractor = FeatureExtractor(resize, device=device, backend=backend)
    fake = sample_images(model, num_fake, labels=labels, batch_size=batch_size, seed=seed, device=device)
    return _evaluate(protos, fake_batches=fake, fake_count=num_fake, fake_labels=labels,
                     real_name=dataset_name,
                     load_real=lambda split: load_dataset(dataset_name, split, data_dir=data_dir),
                     extractor=extractor, data_dir=data_dir)


def evaluate_sets(real_spec: str, fake_spec: str, protocols: str | list[str], *,
                  data_dir: str | None = None, batch_size: int = 50, device: str | torch.device = "cpu",
                  resize: str = "legacy_tensorflow", resolution: int | None = None,
                  backend: str = "torch") -> dict[str, float]:
    """Compare two image sets given as data specs ("mnist:test", a folder, a .npz file).

    The real spec's split is used for every protocol ("mnist" alone means each protocol's own split).
    Folders are read at `resolution`, by default their first image's size and channels (gray or RGB),
    the fake set at the real set's channels. The fake set's labels, when it has any, count as requested labels.
    """
    from ..data import load_dataset, parse_data_spec

    protos = parse_protocols(protocols, kind="samples")
    extractor = FeatureExtractor(resize, device=device, backend=backend)
    real_name, real_kwargs = parse_data_spec(real_spec)
    fake_name, fake_kwargs = parse_data_spec(fake_spec)
    spec_split = real_kwargs.pop("split", None)
    if real_name not in NAMED_DATASETS:
        fixed_split = "all"  # a folder or .npz file is one set
    else:
        fixed_split = spec_split if ":" in real_spec else None  # "mnist" alone: each protocol's split
    if real_name == "folder":
        size, channels = _folder_shape(real_kwargs["path"])
        real_kwargs.update(resolution=resolution or size, channels=channels)

    def load_real(split: str):
        return load_dataset(real_name, fixed_split or split, data_dir=data_dir, **real_kwargs)

    probe = load_real(protos[0].real_split)
    if fake_name == "folder":
        fake_kwargs.update(resolution=resolution or _folder_shape(fake_kwargs["path"])[0],
                           channels=probe.channels)
    fake = load_dataset(fake_name, fake_kwargs.pop("split", "train"), data_dir=data_dir, **fake_kwargs)
    if (fake.resolution, fake.channels) != (probe.resolution, probe.channels):
        log.warning("the sets differ: real %s is %dpx with %d channel(s), fake %s %dpx with %d; the features "
                    "see them resized to 299px RGB, so the distance also measures that difference",
                    real_spec, probe.resolution, probe.channels, fake_spec, fake.resolution, fake.channels)
    num_fake = min(max(p.num_fake for p in protos), len(fake))
    return _evaluate(protos, fake_batches=iter_batches(fake.images[:num_fake], batch_size),
                     fake_count=num_fake,
                     fake_labels=None if fake.labels is None else fake.labels[:num_fake],
                     real_name=real_name, load_real=load_real, extractor=extractor, data_dir=data_dir)


def evaluate_paired(model: Callable[[torch.Tensor], torch.Tensor], pairs: Iterable[dict[str, torch.Tensor]],
                    protocols: str | list[str], *, progress: bool = False) -> dict[str, float]:
    """The named "paired" protocols (psnr_y, ssim_y, kid_patches) of `model`, a function from one input
    image to its output (uint8 (C, h, w) -> uint8 (C, H, W)), on {"inputs", "targets"} uint8 pairs.
    Each output is computed once; the border crop is the scale (target size / input size)."""
    protos = parse_protocols(protocols, kind="paired")
    outputs, targets, scales = [], [], set()
    for pair in tqdm(list(pairs), desc="outputs", unit="img", disable=not progress, leave=False):
        output, target = model(pair["inputs"]), pair["targets"]
        if output.shape != target.shape:
            raise GenlabError(f"the model made a {tuple(output.shape)} output for a {tuple(target.shape)} "
                              "target; expected the same shape")
        outputs.append(output)
        targets.append(target)
        scales.add(target.shape[-1] // pair["inputs"].shape[-1])
    if not targets:
        raise GenlabError("no image pairs to evaluate")
    if len(scales) > 1:
        raise GenlabError(f"the pairs mix scales {sorted(scales)}; expected one")
    crop = scales.pop()
    results: dict[str, float] = {}
    for p in protos:
        results.update(p.run(outputs, targets, crop=crop))
    return results


def _folder_shape(path: str) -> tuple[int, int]:
    """(shorter side, 1 or 3 channels) of a folder's first image: FID should see images at their
    own size, not at the folder loader's 64 px default."""
    from ..data.folder import list_images
    from ..data.images import read_image

    if not Path(path).is_dir():
        raise GenlabError(f"image folder '{path}' does not exist")
    files = list_images(Path(path))
    if not files:
        raise GenlabError(f"image folder '{path}' holds no images")
    first = read_image(files[0])  # (C, H, W): C 1 for gray, 3 or 4 for colour
    return min(first.shape[1:]), (1 if first.shape[0] == 1 else 3)


def _evaluate(protos: list[Protocol], *, fake_batches: Iterator[torch.Tensor], fake_count: int,
              fake_labels: torch.Tensor | None, real_name: str, load_real: Callable,
              extractor: FeatureExtractor, data_dir: str | None) -> dict[str, float]:
    inception = [p for p in protos if p.metric in ("fid", "kid", "pr")]
    keep_features = max((p.num_fake for p in inception if p.metric in ("kid", "pr")), default=0)
    keep_images = max((p.num_fake for p in protos if p.metric == "cls"), default=0)

    # 1. One pass over the generated images: streaming FID statistics, and what KID/PR/cls keep.
    fid_stats = {p.num_fake: FeatureStats(max_items=p.num_fake) for p in inception if p.metric == "fid"}
    features, images, seen = [], [], 0
    bar = tqdm(total=fake_count, desc="generated images", unit="img", leave=False, dynamic_ncols=True)
    for batch in fake_batches:
        if seen < keep_images:
            images.append(batch[: keep_images - seen])
        if inception:
            feats = extractor(batch)
            for stats in fid_stats.values():
                stats.update(feats)
            if seen < keep_features:
                features.append(feats[: keep_features - seen])
        seen += batch.shape[0]
        bar.update(batch.shape[0])
    bar.close()
    fake_features = torch.cat(features) if features else None
    fake_images = torch.cat(images) if images else None

    # 2. Each protocol against its (cached) reference.
    results: dict[str, float] = {}
    datasets = {}
    # a reference set that any KID/PR protocol compares against keeps its features from the first pass
    # (fid10k,kid10k,pr10k share the 10k test images: one extraction, not two)
    with_features = {(p.real_split, p.num_real) for p in protos if p.metric in ("kid", "pr")}
    for p in protos:
        if p.metric == "cls":
            results.update(_classifier_metrics(p, fake_images, fake_labels, real_name, data_dir))
            continue
        if p.real_split not in datasets:
            datasets[p.real_split] = load_real(p.real_split)
        real = datasets[p.real_split]
        num_real = len(real) if p.num_real is None else min(p.num_real, len(real))
        n_fake = min(p.num_fake, fake_count)
        if n_fake < p.num_fake or (p.num_real is not None and num_real < p.num_real):
            log.warning("%s: only %d generated and %d real images (the protocol asks for %d and %s)",
                        p.name, n_fake, num_real, p.num_fake, p.num_real or "all")
            results[f"{p.name}_num_fake"], results[f"{p.name}_num_real"] = float(n_fake), float(num_real)
        real_images = real.images[:num_real]
        named = real.name in NAMED_DATASETS
        ref = reference_stats(real_images, extractor, dataset=real.name, split=real.split,
                              need_features=(p.real_split, p.num_real) in with_features,
                              content="" if named else content_digest(real_images))
        if p.metric == "fid":
            mu, sigma = fid_stats[p.num_fake].mean_cov()
            results[p.name] = frechet_distance(mu, sigma, ref.mu, ref.sigma)
        elif p.metric == "kid":
            mean, std = kernel_inception_distance(ref.features, fake_features[:n_fake])
            results[f"{p.name}_mean"], results[f"{p.name}_std"] = mean, std
        else:
            for key, value in prdc(ref.features, fake_features[:n_fake]).items():
                results[f"{p.name}_{key}"] = value
    return results


def _classifier_metrics(p: Protocol, fake_images: torch.Tensor, fake_labels: torch.Tensor | None,
                        real_name: str, data_dir: str | None) -> dict[str, float]:
    if real_name not in NAMED_DATASETS:
        raise GenlabError(f"{p.name} needs a labelled dataset with train/test splits "
                          f"({', '.join(NAMED_DATASETS)}), got '{real_name}'")
    model, meta = load_classifier(real_name, data_dir=data_dir)
    expected = (meta["in_channels"], meta["resolution"], meta["resolution"])
    if tuple(fake_images.shape[1:]) != expected:
        raise GenlabError(f"{p.name}: generated images are {tuple(fake_images.shape[1:])}, the "
                          f"{real_name} classifier expects {expected}")
    requested = None if fake_labels is None else fake_labels[: len(fake_images)]
    report = class_report(predict(model, fake_images), meta["train_class_fractions"], requested)
    return {f"{p.name}_{k}": v for k, v in report.items()}
