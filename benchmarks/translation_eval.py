"""Measure translation runs on held-out images (metrics/translation.py). Run:

    python benchmarks/translation_eval.py pix2pix runs/00002-pix2pix-edges-fashion [--n 1000] [--gan RUN]
    python benchmarks/translation_eval.py cyclegan runs/00000-cyclegan-mnist-digits [--n 1000] [--fid]

pix2pix: the first --n images of the run's dataset's test split are the targets, their inputs made by the
run's own data.degradation (Canny edges, gray, ...); PSNR-Y/SSIM-Y per pair, FID/KID of all outputs to
all targets. Beside it: the inputs themselves as outputs (PSNR/SSIM of no model), and with --gan an
unconditional GAN run's samples against the same targets (same real features, same count).
CycleGAN: on both domains' test splits, the fraction of images genlab's MNIST classifier labels as the
source digit: untranslated B images (the baseline), B -> A translations (the MNIST-like direction),
A -> B translations, and A -> B -> A reconstructions; the cycle errors |F(G(a)) - a|, |G(F(b)) - b|;
with --fid, FID/KID of the B -> A translations to the MNIST test images.
Prints one JSON object; --json FILE also writes it; --figure PNG draws the first test images through the model.
"""
from __future__ import annotations

import argparse
import json
import time

import torch

from genlab.data.dataset import load_dataset
from genlab.data.degrade import make_degradation
from genlab.data.unpaired import domain_images
from genlab.metrics import FeatureExtractor, load_classifier
from genlab.metrics.translation import (cycle_error, label_kept, paired_scores, set_distances, translate_all)
from genlab.models.pix2pix import match_size
from genlab.train.run import load_run
from genlab.viz import save_image

FIGURE_COLUMNS = 12  # test images shown side by side in --figure


def _batches(images: torch.Tensor, fn, batch_size: int = 100) -> torch.Tensor:
    return torch.cat([fn(images[i:i + batch_size]) for i in range(0, len(images), batch_size)])


def eval_pix2pix(path: str, n: int, gan: str | None, figure: str | None = None) -> dict:
    run = load_run(path)
    d = run.config.data
    test = load_dataset(d.name, "test", data_dir=d.data_dir, resolution=d.resolution, channels=d.channels)
    targets = test.images[:n]
    degrade = make_degradation(d.degradation)
    inputs = _batches(targets, lambda t: degrade(t.float() / 127.5 - 1, torch.Generator().manual_seed(0)))
    size = tuple(targets.shape[-2:])
    extractor = FeatureExtractor()
    real_features = extractor(targets)
    start = time.perf_counter()
    if figure:  # rows: inputs | outputs | targets of the first test images
        k = FIGURE_COLUMNS
        shown = translate_all(lambda x: run.model.translate(match_size(x, size)), inputs[:k])
        rows = [translate_all(lambda x: match_size(x, size), inputs[:k]), shown, targets[:k]]
        save_image(torch.cat(rows), figure, nrow=k, scale=3)
    shared = dict(extractor=extractor, real_features=real_features)
    out = {"run": str(run.path), "step": run.step, "train_seconds": run.summary.get("train_seconds"),
           "images_seen": run.summary.get("images_seen"), "test_pairs": len(targets),
           "pix2pix": paired_scores(lambda x: run.model.translate(match_size(x, size)), inputs, targets, **shared),
           # PSNR/SSIM only: FID of edge maps to clothes says nothing, and Inception is slow on a CPU
           "inputs_as_outputs": paired_scores(lambda x: match_size(x, size), inputs, targets, fid=False)}
    if gan:
        gan_run = load_run(gan)
        samples = _batches(torch.arange(n), lambda idx: gan_run.sample(
            len(idx), generator=torch.Generator().manual_seed(int(idx[0]))))
        out["gan"] = {"run": str(gan_run.path), "step": gan_run.step,
                      "train_seconds": gan_run.summary.get("train_seconds"),
                      "images_seen": gan_run.summary.get("images_seen"),
                      **set_distances(translate_all(lambda x: x, samples), targets, extractor, real_features)}
    out["seconds"] = round(time.perf_counter() - start, 1)
    return out


def eval_cyclegan(path: str, n: int, fid: bool, figure: str | None = None) -> dict:
    run = load_run(path)
    model = run.model
    domains = domain_images(run.config.data, "test")
    a, a_labels, a_name = domains["a"]
    b, b_labels, b_name = domains["b"]
    a, a_labels, b, b_labels = a[:n], a_labels[:n], b[:n], b_labels[:n]
    classifier, meta = load_classifier("mnist")
    a2b = lambda x: model.translate(x, "a2b")  # noqa: E731
    b2a = lambda x: model.translate(x, "b2a")  # noqa: E731
    b_as_a, a_as_b = translate_all(b2a, b), translate_all(a2b, a)
    if figure:  # rows: b | F(b) | G(F(b)), then a | G(a) | F(G(a)), the first test images of each domain
        k = FIGURE_COLUMNS
        rows = [b[:k], b_as_a[:k], translate_all(a2b, b_as_a[:k]), a[:k], a_as_b[:k], translate_all(b2a, a_as_b[:k])]
        save_image(torch.cat(rows), figure, nrow=k, scale=3)
    out = {"run": str(run.path), "step": run.step, "train_seconds": run.summary.get("train_seconds"),
           "images_seen": run.summary.get("images_seen"), "domain_a": a_name, "domain_b": b_name,
           "test_images": {"a": len(a), "b": len(b)}, "classifier": f"mnist ({meta['test_accuracy']:.4f})",
           "label_kept": {"b_untranslated": label_kept(b, b_labels, classifier),
                          "b2a": label_kept(b_as_a, b_labels, classifier),
                          "a_untranslated": label_kept(a, a_labels, classifier),
                          "a2b": label_kept(a_as_b, a_labels, classifier),
                          "a2b2a": label_kept(translate_all(b2a, a_as_b), a_labels, classifier)},
           "cycle_error": {"a2b2a": cycle_error(a2b, b2a, a), "b2a2b": cycle_error(b2a, a2b, b)}}
    if fid:
        mnist_test = load_dataset("mnist", "test").images[:1000]
        out["b2a_to_mnist_test"] = set_distances(b_as_a, mnist_test)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("family", choices=("pix2pix", "cyclegan"))
    parser.add_argument("run")
    parser.add_argument("--n", type=int, default=500, help="test images (default 500; FID at 500 is biased "
                        "upwards: compare only numbers measured with the same n)")
    parser.add_argument("--gan", help="pix2pix: an unconditional GAN run to compare with")
    parser.add_argument("--fid", action="store_true", help="cyclegan: also FID/KID of B -> A to MNIST test")
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--figure", help="also write a PNG of the first test images through the model")
    args = parser.parse_args()
    result = (eval_pix2pix(args.run, args.n, args.gan, args.figure) if args.family == "pix2pix"
              else eval_cyclegan(args.run, args.n, args.fid, args.figure))
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
