"""Named evaluation protocols, in one table, and the cached reference statistics they compare against.

A protocol fixes the metric, how many generated and real images, and which real split, so a number
always says how it was measured: `fid10k` = 10,000 generated vs the 10,000 test images (Lucic et al.
2018), `fid50k_full` = 50,000 generated vs the whole training split (StyleGAN's `fid50k_full`).
FID is biased upwards at small sample counts (Chong & Forsyth 2020), so the quick protocols are not
comparable with fid10k.

Every protocol `genlab eval` knows is one entry of PROTOCOLS, of one of three kinds:
  "samples"  the model's samples against a real split (fid, kid, pr, cls): evaluate.evaluate_model runs
             them together, one pass of the generated images through the feature extractor;
  "real"     the model run on real images (likelihood, reconstruction): run(model, images, labels, *,
             progress) -> results, images uint8 (N, C, H, W) of the test split, labels (N,) or None;
  "paired"   the model's outputs for inputs against their targets (image-to-image models):
             run(outputs, targets, *, crop) -> results, lists of uint8 (C, H, W) images, `crop` border
             pixels left out (the SR scale); evaluate.evaluate_paired computes the outputs once.
  "text"     language models on their corpus' fixed split: run(ctx) -> results, ctx a text.TextEval
             (the model, the corpus, and generated samples made once for all protocols).
  "paired_translation", "unpaired_translation"  pix2pix and CycleGAN runs on the test images of their
             dataset(s): run(model, data, *, n, extractor) -> results, `data` the run's data config (translation.py).
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from ..errors import GenlabError, unknown
from ..io import atomic_path, cache_dir
from .features import FeatureExtractor, iter_batches
from .fid import FeatureStats

log = logging.getLogger(__name__)


KINDS = ("samples", "real", "paired", "text", "audio",  # audio: run(model, *, n, seed, batch_size) -> results (audio generators)
         "paired_translation", "unpaired_translation")  # pix2pix, CycleGAN: translation.run_* (metrics/translation.py)


@dataclass(frozen=True)
class Protocol:
    """One named way of measuring a model; its results are keyed by the name (see evaluate.py)."""
    name: str
    metric: str  # "fid" | "kid" | "pr" | "cls" (samples); "elbo" | "nll" | "recon" (real); ...
    num_fake: int  # generated images (0 unless kind "samples")
    num_real: int | None  # real images from the split (the first ones); None = the whole split
    real_split: str  # "test" | "train"
    description: str
    kind: str = "samples"  # samples | real | paired (see the module docstring)
    run: Callable[..., dict] | None = None  # the measurement, for kinds real and paired


def _elbo(model, images, labels, *, progress: bool = False) -> dict:
    from .likelihood import elbo_test
    return elbo_test(model, images, labels, progress=progress)


def _nll5000(model, images, labels, *, progress: bool = False) -> dict:
    from .likelihood import nll_iwae
    return nll_iwae(model, images, labels, k=5000, progress=progress)


def _recon(model, images, labels, *, progress: bool = False) -> dict:
    from .likelihood import reconstruction
    return reconstruction(model, images, labels)


def _paired(name: str) -> Callable[..., dict]:
    """paired.<name>, imported when run (it may load the Inception network)."""
    def run(outputs, targets, *, crop: int) -> dict:
        from . import paired
        return getattr(paired, name)(outputs, targets, crop=crop)
    run.__name__ = name
    return run


def _text(name: str) -> Callable[..., dict]:
    """text.run_<name>, imported when run."""
    def run(ctx) -> dict:
        from . import text
        return getattr(text, f"run_{name}")(ctx)
    run.__name__ = name
    return run


def _translation(name: str) -> Callable[..., dict]:
    """translation.run_<name>, imported when run (translation.py imports this module)."""
    def run(model, data, *, n: int, extractor=None) -> dict:
        from . import translation
        return getattr(translation, f"run_{name}")(model, data, n=n, extractor=extractor)
    run.__name__ = name
    return run


def _digits(model, *, n: int, seed: int = 0, batch_size: int = 100) -> dict:
    from .audio_classifier import digit_metrics
    return digit_metrics(model, n, seed=seed, batch_size=batch_size)


PROTOCOLS: dict[str, Protocol] = {p.name: p for p in [
    Protocol("fid10k", "fid", 10_000, 10_000, "test",
             "FID, 10k generated vs the 10k test images (Lucic et al. 2018)"),
    Protocol("fid50k_full", "fid", 50_000, None, "train",
             "FID, 50k generated vs the whole training split (StyleGAN's fid50k_full)"),
    Protocol("kid10k", "kid", 10_000, 10_000, "test",
             "KID (unbiased MMD^2, cubic kernel), mean and std over 100 subsets of 1000, "
             "10k generated vs 10k test"),
    Protocol("pr10k", "pr", 10_000, 10_000, "test",
             "precision/recall (k=3) and density/coverage (k=5), 10k generated vs 10k test"),
    Protocol("cls10k", "cls", 10_000, None, "train",
             "classifier on 10k generated: class histogram, classes covered, KL to the training "
             "class distribution, accuracy on requested labels (conditional models)"),
    Protocol("fid2k", "fid", 2_000, 2_000, "test",
             "quick FID, 2k vs 2k test: biased upwards, not comparable with fid10k"),
    Protocol("fid1k", "fid", 1_000, 1_000, "test",
             "quick FID, 1k vs 1k test: biased upwards even more, not comparable with fid10k"),
    Protocol("elbo", "elbo", 0, None, "test",
             "negative test ELBO (nats/image binarized, bits/dim continuous), all test images", "real", _elbo),
    Protocol("nll5000", "nll", 0, None, "test",
             "-log p(x) by the IWAE estimate, k=5000 (Burda et al. 2016), all test images", "real", _nll5000),
    Protocol("recon", "recon", 0, None, "test",
             "reconstruction MSE, PSNR (dB) and SSIM (Wang et al. 2004) of encode -> decode, all test images",
             "real", _recon),
    Protocol("psnr_y", "psnr", 0, None, "test",
             "PSNR (dB) on Y of YCbCr (BT.601), `scale` border pixels cropped, outputs rounded to uint8 (the "
             "SR papers' protocol), mean over the test images", "paired", _paired("mean_psnr_y")),
    Protocol("ssim_y", "ssim", 0, None, "test",
             "SSIM (Gaussian 11x11, sigma 1.5) on Y, as psnr_y, mean over the test images", "paired",
             _paired("mean_ssim_y")),
    Protocol("kid_patches", "kid", 0, None, "test",
             "KID between the 64 px patches (non-overlapping grid) of the outputs and of the targets: a "
             "perceptual number for image-to-image models", "paired", _paired("patch_kid")),
    Protocol("val_bpc", "bpc", 0, None, "val",
             "language models: validation loss in nats/char and bits/char, every character of the validation "
             "split (last 10% of each work) given its window of the run's context", "text", _text("val_bpc")),
    Protocol("distinct_n", "distinct", 0, None, "val",
             "language models: distinct-1/2/3 (unique / all word n-grams) of 10 samples of 500 characters at "
             "temperature 1, seeds seed..seed+9", "text", _text("distinct_n")),
    Protocol("copy8", "copy", 0, None, "train",
             "language models: fraction of the word 8-grams of the same 10 samples found verbatim in the "
             "training text (memorisation)", "text", _text("copy8")),
    Protocol("text_nll", "nll", 0, None, "val",
             "text VAEs: ELBO, importance-sampled NLL bound (k=100) and active units on the first 100 validation "
             "windows; language models: their exact NLL of the same windows (nats/char)", "text", _text("text_nll")),
    Protocol("digits1k", "digits", 1_000, None, "test",
             "spoken-digit classifier (metrics/audio_classifier.py) on 1k generated clips, digits 0-9 cycled when "
             "conditional: histogram, digits covered, KL to the training digits, accuracy on the requested digits, "
             "and fd, a Frechet distance in the classifier's 128-d embedding vs the 640 test clips (NOT FAD)",
             "audio", _digits),
    Protocol("pairs500", "pairs", 0, 500, "test",
             "pix2pix: the first 500 test images as targets, their inputs made by the run's data.degradation; mean "
             "PSNR/SSIM on Y (as psnr_y, ssim_y), FID and KID of the outputs to the targets (biased upwards at 500)",
             "paired_translation", _translation("pairs")),
    Protocol("label_kept", "label_kept", 0, 500, "test",
             "CycleGAN digit <-> digit runs: the fraction of the first 500 test images of each domain, translated, "
             "that genlab's MNIST classifier labels as their source digit (b2a, a2b, a2b2a; untranslated beside)",
             "unpaired_translation", _translation("label_kept")),
    Protocol("cycle", "cycle", 0, 500, "test",
             "CycleGAN: mean |F(G(a)) - a| and |G(F(b)) - b| in [0, 1] intensity units, first 500 test images of "
             "each domain", "unpaired_translation", _translation("cycle")),
    Protocol("translated500", "fid_kid", 0, 500, "test",
             "CycleGAN: FID and KID of the translations of the first 500 test images of each domain to the other "
             "domain's first 500 test images (biased upwards at 500)", "unpaired_translation",
             _translation("translated")),
]}


def get_protocol(name: str) -> Protocol:
    if name not in PROTOCOLS:
        raise GenlabError(unknown("metric protocol", name, PROTOCOLS))
    return PROTOCOLS[name]


def parse_protocols(names: str | list[str], kind: str | None = None) -> list[Protocol]:
    """'fid10k,kid10k' or ['fid10k', 'kid10k'] -> Protocols, checked, duplicates dropped; with `kind`,
    each must be of that kind."""
    if isinstance(names, str):
        names = [n for n in names.split(",")]
    names = list(dict.fromkeys(n.strip() for n in names if n.strip()))
    if not names:
        raise GenlabError(f"no metric protocol given; known: {', '.join(PROTOCOLS)}")
    protos = [get_protocol(n) for n in names]
    for p in protos:
        if kind is not None and p.kind != kind:
            same = [q.name for q in PROTOCOLS.values() if q.kind == kind]
            raise GenlabError(f"metric protocol '{p.name}' is a '{p.kind}' protocol; this evaluation takes "
                              f"'{kind}' protocols: {', '.join(same)}")
    return protos


def protocols_of_kind(kind: str) -> dict[str, Protocol]:
    """The entries of PROTOCOLS of one kind (samples, real, paired), in table order."""
    if kind not in KINDS:
        raise GenlabError(unknown("protocol kind", kind, KINDS))
    return {n: p for n, p in PROTOCOLS.items() if p.kind == kind}


@dataclass
class RefStats:
    """Reference statistics of a real image set: (mu, sigma) and, when asked for, the features."""
    mu: np.ndarray  # (2048,) float64
    sigma: np.ndarray  # (2048, 2048) float64
    count: int
    features: torch.Tensor | None = None  # (count, 2048) float32


def refstats_path(dataset: str, split: str, resolution: int, count: int, resize: str,
                  extractor_hash: str, content: str = "") -> Path:
    """cache_dir()/refstats/<dataset>-<split>-<res>px-<count>-<resize>-<hash>[-<content>].safetensors"""
    tag = f"-{content}" if content else ""
    name = f"{dataset}-{split}-{resolution}px-{count}-{resize}-{extractor_hash}{tag}.safetensors"
    return cache_dir() / "refstats" / name


def content_digest(images: torch.Tensor) -> str:
    """A short hash of the pixels, for sets without a fixed identity (folders, .npz files)."""
    return hashlib.sha256(images.contiguous().numpy().tobytes()).hexdigest()[:12]


def reference_stats(images: torch.Tensor, extractor: FeatureExtractor, *, dataset: str, split: str,
                    need_features: bool, cache: bool = True, content: str = "") -> RefStats:
    """Statistics of `images` (uint8 NCHW), from the cache or computed once with a progress bar."""
    from safetensors.torch import load_file, save_file

    path = refstats_path(dataset, split, images.shape[-1], images.shape[0], extractor.resize,
                         extractor.hash, content)
    if cache and path.exists():
        stored = load_file(str(path))
        if not need_features or "features" in stored:
            return RefStats(stored["mu"].numpy(), stored["sigma"].numpy(), int(stored["count"]),
                            stored.get("features"))
    stats, kept = FeatureStats(), []
    batches = iter_batches(images, extractor.batch_size)
    for feats in extractor.iter_features(batches, total=len(images), desc=f"reference {dataset}:{split}"):
        stats.update(feats)
        if need_features:
            kept.append(feats)
    mu, sigma = stats.mean_cov()
    features = torch.cat(kept) if need_features else None
    if cache:
        tensors = {"mu": torch.from_numpy(mu), "sigma": torch.from_numpy(sigma),
                   "count": torch.tensor(stats.n)}
        if features is not None:
            tensors["features"] = features.contiguous()
        with atomic_path(path) as part:
            save_file(tensors, str(part), metadata={"dataset": dataset, "split": split,
                                                    "resize": extractor.resize,
                                                    "extractor": extractor.hash})
    return RefStats(mu, sigma, stats.n, features)
