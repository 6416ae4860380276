"""The digits1k numbers of real clips: 1,000 training clips (voices the test set never has) through the
spoken-digit classifier, against the test clips' embedding statistics. The floor of `fd` and the ceiling
of `acc` that a generator of spoken digits can reach under this protocol.

    python benchmarks/digits_reference.py [--n 1000] [--seed 0]
"""
from __future__ import annotations

import argparse
import json

import numpy as np
import torch

from genlab.data.audio_sets import load_audio_dataset
from genlab.metrics.audio_classifier import embed_and_predict, load_digit_classifier
from genlab.metrics.classifier import class_report
from genlab.metrics.fid import feature_stats, frechet_distance


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    classifier, meta = load_digit_classifier()
    train = load_audio_dataset("spoken-digits", "train", length=16384)
    idx = torch.randperm(len(train), generator=torch.Generator().manual_seed(args.seed))[:args.n]
    features, predicted = embed_and_predict(classifier, train.audio(idx))
    report = class_report(predicted, meta["train_class_fractions"], train.labels[idx])
    mu, sigma = feature_stats(features)
    report["fd"] = float(frechet_distance(mu, sigma, np.asarray(meta["mu"]), np.asarray(meta["sigma"])))
    print(json.dumps({k: v for k, v in report.items() if not k.startswith("hist_")}, indent=1))


if __name__ == "__main__":
    main()
