"""Measure translation runs on held-out images (metrics/translation.py). Run:

    python benchmarks/translation_eval.py pix2pix runs/00002-pix2pix-edges-fashion [--n 1000] [--gan RUN]
    python benchmarks/translation_eval.py cyclegan runs/00000-cyclegan-mnist-digits [--n 1000] [--fid]
    python benchmarks/translation_eval.py reference opencv-digits [--n 1000]

pix2pix: the first --n images of the run's dataset's test split are the targets, their inputs made by the
run's own data.degradation (Canny edges, gray, ...); PSNR-Y/SSIM-Y per pair, FID/KID of all outputs to
all targets. Beside it: the inputs themselves as outputs (PSNR/SSIM of no model), and with --gan an
unconditional GAN run's samples against the same targets (same real features, same count).
CycleGAN: on both domains' test splits, the fraction of images genlab's MNIST classifier labels as the
source digit: untranslated B images (the baseline), B -> A translations (the MNIST-like direction),
A -> B translations, and A -> B -> A reconstructions; the cycle errors |F(G(a)) - a|, |G(F(b)) - b|;
with --fid, FID/KID of the B -> A translations to the MNIST test images.
reference: no run, only a digit dataset (digits, digits-framed, opencv-digits): the fraction of its first n
test images that genlab's MNIST classifier labels correctly untranslated (the b_untranslated baseline of a CycleGAN
with it as domain B), per class, and the histogram of predicted labels.
Prints one JSON object; --json FILE also writes it; --figure PNG draws the first test images through the model.
The measurements are genlab's own (metrics/translation.py); `genlab eval RUN --metrics pairs500` and
`--metrics label_kept,cycle,translated500` give the same numbers, stored in the run's summary.json.
"""
from __future__ import annotations

import argparse
import json
import time

import torch

from genlab.data.dataset import load_dataset
from genlab.metrics import FeatureExtractor, load_classifier
from genlab.metrics.classifier import predict
from genlab.metrics.translation import (cycle_errors, held_out_domains, held_out_pairs, label_kept, label_kept_report,
                                        model_translate, paired_scores, set_distances, translate_all)
from genlab.models.pix2pix import match_size
from genlab.train.run import load_run
from genlab.viz import save_image

FIGURE_COLUMNS = 12  # test images shown side by side in --figure


def eval_pix2pix(path: str, n: int, gan: str | None, figure: str | None = None) -> dict:
    run = load_run(path)
    inputs, targets = held_out_pairs(run.config.data, n)
    size = tuple(targets.shape[-2:])
    extractor = FeatureExtractor()
    real_features = extractor(targets)
    start = time.perf_counter()
    translate = model_translate(run.model, "a2b", size)
    if figure:  # rows: inputs | outputs | targets of the first test images
        k = FIGURE_COLUMNS
        rows = [translate_all(lambda x: match_size(x, size), inputs[:k]), translate_all(translate, inputs[:k]),
                targets[:k]]
        save_image(torch.cat(rows), figure, nrow=k, scale=3)
    shared = dict(extractor=extractor, real_features=real_features)
    out = {"run": str(run.path), "step": run.step, "train_seconds": run.summary.get("train_seconds"),
           "images_seen": run.summary.get("images_seen"), "test_pairs": len(targets),
           "pix2pix": paired_scores(translate, inputs, targets, **shared),
           # PSNR/SSIM only: FID of edge maps to clothes says nothing, and Inception is slow on a CPU
           "inputs_as_outputs": paired_scores(lambda x: match_size(x, size), inputs, targets, fid=False)}
    if gan:
        gan_run = load_run(gan)
        samples = torch.cat([gan_run.sample(len(idx), generator=torch.Generator().manual_seed(int(idx[0])))
                             for idx in torch.arange(n).split(100)])
        out["gan"] = {"run": str(gan_run.path), "step": gan_run.step,
                      "train_seconds": gan_run.summary.get("train_seconds"),
                      "images_seen": gan_run.summary.get("images_seen"),
                      **set_distances(translate_all(lambda x: x, samples), targets, extractor, real_features)}
    out["seconds"] = round(time.perf_counter() - start, 1)
    return out


def eval_cyclegan(path: str, n: int, fid: bool, figure: str | None = None) -> dict:
    run = load_run(path)
    domains = held_out_domains(run.config.data, n)
    (a, _, a_name), (b, _, b_name) = domains["a"], domains["b"]
    classifier, meta = load_classifier("mnist")
    if figure:  # rows: b | F(b) | G(F(b)), then a | G(a) | F(G(a)), the first test images of each domain
        k = FIGURE_COLUMNS
        a2b, b2a = model_translate(run.model, "a2b"), model_translate(run.model, "b2a")
        b_as_a, a_as_b = translate_all(b2a, b[:k]), translate_all(a2b, a[:k])
        rows = [b[:k], b_as_a, translate_all(a2b, b_as_a), a[:k], a_as_b, translate_all(b2a, a_as_b)]
        save_image(torch.cat(rows), figure, nrow=k, scale=3)
    out = {"run": str(run.path), "step": run.step, "train_seconds": run.summary.get("train_seconds"),
           "images_seen": run.summary.get("images_seen"), "domain_a": a_name, "domain_b": b_name,
           "test_images": {"a": len(a), "b": len(b)}, "classifier": f"mnist ({meta['test_accuracy']:.4f})",
           "label_kept": label_kept_report(run.model, domains, classifier),
           "cycle_error": cycle_errors(run.model, domains)}
    if fid:
        mnist_test = load_dataset("mnist", "test").images[:1000]
        out["b2a_to_mnist_test"] = set_distances(translate_all(model_translate(run.model, "b2a"), b), mnist_test)
    return out


def eval_reference(dataset: str, n: int) -> dict:
    """label_kept of a digit dataset's first n test images, untranslated, under genlab's MNIST classifier."""
    test = load_dataset(dataset, "test", resolution=28, channels=1)
    images, labels = test.images[:n], test.labels[:n]
    classifier, meta = load_classifier("mnist")
    predicted = predict(classifier, images)
    per_class = {str(c): round(float((predicted[labels == c] == c).double().mean()), 4)
                 for c in range(10) if (labels == c).any()}
    return {"dataset": dataset, "split": "test", "images": len(images),
            "classifier": f"mnist ({meta['test_accuracy']:.4f})",
            "label_kept_untranslated": label_kept(images, labels, classifier), "per_class": per_class,
            "predicted_counts": torch.bincount(predicted, minlength=10).tolist()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("family", choices=("pix2pix", "cyclegan", "reference"))
    parser.add_argument("run", help="a run folder; for reference, a digit dataset (digits, digits-framed, opencv-digits)")
    parser.add_argument("--n", type=int, default=500, help="test images (default 500; FID at 500 is biased "
                        "upwards: compare only numbers measured with the same n)")
    parser.add_argument("--gan", help="pix2pix: an unconditional GAN run to compare with")
    parser.add_argument("--fid", action="store_true", help="cyclegan: also FID/KID of B -> A to MNIST test")
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--figure", help="also write a PNG of the first test images through the model")
    args = parser.parse_args()
    if args.family == "reference":
        result = eval_reference(args.run, args.n)
    elif args.family == "pix2pix":
        result = eval_pix2pix(args.run, args.n, args.gan, args.figure)
    else:
        result = eval_cyclegan(args.run, args.n, args.fid, args.figure)
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
