"""Measuring translation models (pix2pix, CycleGAN) on held-out images.

pix2pix (paired): the outputs against their real targets, image by image with the paired protocols
(psnr_y, ssim_y), and as sets with FID and KID (Inception features of all outputs vs all targets).
CycleGAN (unpaired): does a translation keep its content? For digits <-> digits, the fraction of translated
images that a classifier of the output domain labels as the source digit (FID alone would not notice a
3 turned into a good-looking 8); and the cycle reconstruction error |F(G(x)) - x|.

The named protocols of `genlab eval` (protocols.py, kinds paired_translation and unpaired_translation) are
the run_* functions at the end: run(model, data, *, n, extractor) -> results, `data` the run's data config,
on the first n test images of the run's dataset (and of domain B).
"""
from __future__ import annotations

from typing import Callable

import torch

from ..errors import GenlabError
from .features import FeatureExtractor, to_uint8
from .fid import fid_from_features
from .kid import kernel_inception_distance
from .protocols import parse_protocols

Translate = Callable[[torch.Tensor], torch.Tensor]  # (B, C, H, W) in [-1, 1] -> same shape in [-1, 1]


@torch.no_grad()
def translate_all(translate: Translate, images: torch.Tensor, batch_size: int = 100) -> torch.Tensor:
    """uint8 (N, C, H, W) of `translate` on uint8 or [-1, 1] images, in batches."""
    out = []
    for i in range(0, len(images), batch_size):
        x = images[i:i + batch_size]
        x = x.float() / 127.5 - 1 if x.dtype == torch.uint8 else x
        out.append(to_uint8(translate(x)))
    return torch.cat(out) if out else torch.empty(0, dtype=torch.uint8)


def set_distances(outputs: torch.Tensor, reals: torch.Tensor, extractor: FeatureExtractor | None = None,
                  real_features: torch.Tensor | None = None) -> dict[str, float]:
    """FID and KID (mean, std) between two uint8 image sets; real_features reuses a computed real side."""
    extractor = extractor or FeatureExtractor()
    if real_features is None:
        real_features = extractor(reals)
    fake_features = extractor(outputs)
    kid_mean, kid_std = kernel_inception_distance(real_features, fake_features)
    return {"fid": fid_from_features(real_features, fake_features), "kid_mean": kid_mean, "kid_std": kid_std,
            "fid_real": len(real_features), "fid_fake": len(fake_features)}


def paired_scores(translate: Translate, inputs: torch.Tensor, targets: torch.Tensor, *, fid: bool = True,
                  extractor: FeatureExtractor | None = None,
                  real_features: torch.Tensor | None = None) -> dict[str, float]:
    """pix2pix on held-out pairs (uint8 (N, C, H, W) each): mean PSNR/SSIM (on Y) and FID/KID to the targets
    (real_features: the targets' Inception features, when already computed)."""
    outputs = translate_all(translate, inputs)
    results: dict[str, float] = {"pairs": len(targets)}
    for protocol in parse_protocols("psnr_y,ssim_y", kind="paired"):
        results.update(protocol.run(list(outputs), list(targets), crop=0))
    if fid:
        results.update(set_distances(outputs, targets, extractor, real_features))
    return results


def label_kept(translated: torch.Tensor, source_labels: torch.Tensor, classifier: torch.nn.Module) -> float:
    """The fraction of translated images (uint8) that `classifier` labels as their source's label."""
    from .classifier import predict

    predicted = predict(classifier, translated)
    return float((predicted == source_labels).double().mean())


@torch.no_grad()
def cycle_error(forward: Translate, backward: Translate, images: torch.Tensor, batch_size: int = 100) -> float:
    """Mean |backward(forward(x)) - x| over pixels, in [0, 1] intensity units, of uint8 images."""
    total, count = 0.0, 0
    for i in range(0, len(images), batch_size):
        x = images[i:i + batch_size].float() / 127.5 - 1
        back = backward(forward(x))
        total += float((back - x).abs().sum()) / 2  # [-1, 1] -> [0, 1] units
        count += x.numel()
    return total / max(count, 1)


# -- a run's held-out images, and the named protocols (protocols.py) ----------------------------------------

# datasets with a held-out test split
TEST_SPLIT_DATASETS = ("mnist", "fashion-mnist", "digits", "digits-framed", "opencv-digits")
# handwritten digits with labels: genlab's MNIST classifier reads them
DIGIT_DATASETS = ("mnist", "digits", "digits-framed", "opencv-digits")


def _check_test_split(protocol: str, name: str) -> None:
    if name not in TEST_SPLIT_DATASETS:
        raise GenlabError(f"{protocol} measures on the test split of the run's dataset; '{name}' has none "
                          f"(datasets with one: {', '.join(TEST_SPLIT_DATASETS)})")


def held_out_pairs(data, n: int, protocol: str = "pairs500") -> tuple[torch.Tensor, torch.Tensor]:
    """(inputs in [-1, 1], targets uint8) of a paired run's `data` config: the first n test images as
    targets, their inputs made by the run's own data.degradation (seeded 0 per batch of 100)."""
    from ..data.dataset import load_dataset
    from ..data.degrade import make_degradation

    _check_test_split(protocol, data.name)
    test = load_dataset(data.name, "test", data_dir=data.data_dir, resolution=data.resolution, channels=data.channels)
    targets = test.images[:n]
    degrade = make_degradation(data.degradation)
    inputs = torch.cat([degrade(targets[i:i + 100].float() / 127.5 - 1, torch.Generator().manual_seed(0))
                        for i in range(0, len(targets), 100)])
    return inputs, targets


Domains = dict[str, tuple[torch.Tensor, torch.Tensor | None, str]]  # "a"|"b": (uint8 images, labels, dataset)


def held_out_domains(data, n: int, protocol: str = "label_kept") -> Domains:
    """{"a"|"b": (the first n uint8 test images, their labels or None, dataset name)} of an unpaired run's data."""
    from ..data.unpaired import domain_images

    _check_test_split(protocol, data.name)
    domains = domain_images(data, "test")
    return {k: (images[:n], None if labels is None else labels[:n], name)
            for k, (images, labels, name) in domains.items()}


def model_translate(model, direction: str = "a2b", size: tuple[int, int] | None = None) -> Translate:
    """model.translate in one direction on the model's device, inputs resized to `size` first (pix2pix)."""
    from ..models.pix2pix import match_size

    device = next(model.parameters()).device

    def translate(x: torch.Tensor) -> torch.Tensor:
        x = x.to(device)
        return model.translate(x if size is None else match_size(x, size), direction).cpu()
    return translate


def label_kept_report(model, domains: Domains, classifier: torch.nn.Module) -> dict[str, float]:
    """label_kept of both domains untranslated, translated (b2a, a2b) and there and back (a2b2a)."""
    (a, a_labels, _), (b, b_labels, _) = domains["a"], domains["b"]
    a2b, b2a = model_translate(model, "a2b"), model_translate(model, "b2a")
    a_as_b = translate_all(a2b, a)
    return {"b_untranslated": label_kept(b, b_labels, classifier),
            "b2a": label_kept(translate_all(b2a, b), b_labels, classifier),
            "a_untranslated": label_kept(a, a_labels, classifier),
            "a2b": label_kept(a_as_b, a_labels, classifier),
            "a2b2a": label_kept(translate_all(b2a, a_as_b), a_labels, classifier)}


def cycle_errors(model, domains: Domains) -> dict[str, float]:
    """cycle_error of a -> b -> a and b -> a -> b on the domains' images."""
    a2b, b2a = model_translate(model, "a2b"), model_translate(model, "b2a")
    return {"a2b2a": cycle_error(a2b, b2a, domains["a"][0]), "b2a2b": cycle_error(b2a, a2b, domains["b"][0])}


def run_pairs(model, data, *, n: int, extractor: FeatureExtractor | None = None) -> dict[str, float]:
    """pairs500: paired_scores of a pix2pix run on the first n test pairs."""
    inputs, targets = held_out_pairs(data, n)
    return paired_scores(model_translate(model, "a2b", tuple(targets.shape[-2:])), inputs, targets,
                         extractor=extractor)


def run_label_kept(model, data, *, n: int, extractor: FeatureExtractor | None = None) -> dict[str, float]:
    """label_kept: label_kept_report with genlab's MNIST classifier, digit <-> digit runs only."""
    from .classifier import load_classifier

    domains = held_out_domains(data, n)
    names = [domains[k][2] for k in ("a", "b")]
    if any(name not in DIGIT_DATASETS for name in names) or any(domains[k][1] is None for k in ("a", "b")):
        raise GenlabError(f"label_kept needs two labelled digit domains ({', '.join(DIGIT_DATASETS)}); this run "
                          f"translates {names[0]} <-> {names[1]}")
    classifier, meta = load_classifier("mnist")
    expected = (meta["in_channels"], meta["resolution"], meta["resolution"])
    if tuple(domains["a"][0].shape[1:]) != expected:
        raise GenlabError(f"label_kept: the run's images are {tuple(domains['a'][0].shape[1:])}, the MNIST "
                          f"classifier reads {expected}")
    return {**label_kept_report(model, domains, classifier), "images_a": len(domains["a"][0]),
            "images_b": len(domains["b"][0])}


def run_cycle(model, data, *, n: int, extractor: FeatureExtractor | None = None) -> dict[str, float]:
    """cycle: cycle_errors on the first n test images of each domain."""
    domains = held_out_domains(data, n, "cycle")
    return {**cycle_errors(model, domains), "images_a": len(domains["a"][0]), "images_b": len(domains["b"][0])}


def run_translated(model, data, *, n: int, extractor: FeatureExtractor | None = None) -> dict[str, float]:
    """translated500: set_distances of each direction's translations to the other domain's test images."""
    domains = held_out_domains(data, n, "translated500")
    (a, _, _), (b, _, _) = domains["a"], domains["b"]
    extractor = extractor or FeatureExtractor()
    results: dict[str, float] = {}
    for direction, source, target in (("b2a", b, a), ("a2b", a, b)):
        scores = set_distances(translate_all(model_translate(model, direction), source), target, extractor)
        results.update({f"{direction}_{k}": v for k, v in scores.items()})
    return results
