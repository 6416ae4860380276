"""The classifier metric: the report's arithmetic, a training smoke test, and (slow) real accuracy."""
import math

import pytest
import torch

from genlab.data import load_dataset
from genlab.metrics import class_report
from genlab.metrics.classifier import predict, train_classifier


def test_class_report_of_a_collapsed_and_a_perfect_generator():
    data = [0.25, 0.25, 0.25, 0.25]
    collapsed = class_report(torch.zeros(100, dtype=torch.int64), data)
    assert collapsed["classes_covered"] == 1 and collapsed["kl"] == pytest.approx(math.log(4))
    assert collapsed["hist_0"] == 1.0 and collapsed["hist_3"] == 0.0
    perfect = class_report(torch.arange(100) % 4, data, requested=torch.arange(100) % 4)
    assert perfect["classes_covered"] == 4 and perfect["kl"] == pytest.approx(0.0, abs=1e-12)
    assert perfect["acc"] == 1.0


def test_training_learns_a_separable_toy_problem(blobs):
    # class 0: thin strokes, class 1: wide blobs
    images = torch.cat([blobs(160, seed=0, width=1.0), blobs(160, seed=1, width=3.5)])
    labels = torch.cat([torch.zeros(160), torch.ones(160)]).long()
    order = torch.randperm(320, generator=torch.Generator().manual_seed(0))
    images, labels = images[order], labels[order]
    model, accuracy = train_classifier(images[:256], labels[:256], images[256:], labels[256:], 2,
                                       epochs=3, batch_size=32)
    assert accuracy > 0.9
    assert torch.equal(predict(model, images[256:]), predict(model, images[256:]))


@pytest.mark.slow
@pytest.mark.parametrize("dataset, floor", [("mnist", 0.993), ("fashion-mnist", 0.91)])
def test_classifier_reaches_its_accuracy(dataset, floor, tmp_path, monkeypatch):
    import genlab.metrics.classifier as classifier

    monkeypatch.setattr(classifier, "cache_dir", lambda: tmp_path)
    model, meta = classifier.load_classifier(dataset)  # trains (MNIST about 2 minutes, Fashion-MNIST about 8, on 2 cores)
    assert meta["test_accuracy"] >= floor
    stem = tmp_path / "classifiers" / f"{dataset}-{classifier.RECIPES.get(dataset, classifier.DEFAULT_RECIPE).version}"
    assert stem.with_suffix(".json").exists() and stem.with_suffix(".safetensors").exists()
    cached, cached_meta = classifier.load_classifier(dataset)  # from the cache, no training
    assert cached_meta["test_accuracy"] == meta["test_accuracy"]
    test = load_dataset(dataset, "test")
    accuracy = float((predict(cached, test.images) == test.labels).double().mean())
    assert accuracy == pytest.approx(meta["test_accuracy"], abs=1e-9)


def test_flip_augmentation_mirrors_about_half_the_images():
    from genlab.metrics.classifier import _augment

    x = torch.randn(400, 1, 6, 6)
    out = _augment(x, torch.Generator().manual_seed(0), shift=0, hflip=True)
    same = (out == x).flatten(1).all(1)
    mirrored = (out == x.flip(3)).flatten(1).all(1)
    assert bool((same | mirrored).all())
    assert 150 < int(mirrored.sum()) < 250
    assert torch.equal(_augment(x, torch.Generator(), shift=0, hflip=False), x)
