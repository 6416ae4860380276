"""The spoken-digit classifier and the digits1k protocol, on tones the test synthesizes (one pitch per class),
with the cached classifier replaced by one trained here in seconds."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from genlab.metrics import audio_classifier as ac
from genlab.metrics.fid import feature_stats


def tones(labels, seed=0, length=16384):
    """A 0.5 s tone per label (250 Hz x 2^label), at a random place and level, in a clip of `length`."""
    g = np.random.default_rng(seed)
    t = np.arange(8000) / 16000
    out = np.zeros((len(labels), 1, length), np.float32)
    for i, c in enumerate(labels):
        start = g.integers(0, length - 8000)
        out[i, 0, start:start + 8000] = g.uniform(0.2, 0.8) * np.sin(2 * np.pi * 250 * 2 ** int(c) * t + g.uniform(0, 6))
    return torch.from_numpy(out)


@pytest.fixture(scope="module")
def tone_classifier():
    torch.set_num_threads(1)
    train_labels, test_labels = torch.arange(256) % 4, torch.arange(40) % 4
    model, accuracy = ac.train_digit_classifier(tones(train_labels), train_labels, tones(test_labels, seed=1),
                                                test_labels, num_classes=4, epochs=8, width=4)
    features, _ = ac.embed_and_predict(model, tones(test_labels, seed=2))
    mu, sigma = feature_stats(features)
    meta = {"test_accuracy": accuracy, "train_class_fractions": [0.25] * 4, "mu": mu, "sigma": sigma}
    return model, meta


def test_fit_clips_centres():
    x = torch.arange(10.0).view(1, 1, 10)
    assert ac.fit_clips(x, 4).flatten().tolist() == [3, 4, 5, 6]
    assert ac.fit_clips(x, 14).flatten().tolist() == [0, 0] + list(range(10)) + [0, 0]


def test_the_classifier_learns_tones_it_has_not_heard(tone_classifier):
    model, meta = tone_classifier
    assert meta["test_accuracy"] >= 0.9  # one octave apart: trivially separable once trained
    assert ac.embed_and_predict(model, tones([0, 1, 2, 3], seed=5))[0].shape == (4, 128)


class ToneModel:
    """A stand-in audio generator: clips of its requested labels' tones, or always `only`."""
    sample_rate, num_classes = 16000, 4

    def __init__(self, only=None):
        self.only = only

    def sample(self, n, labels=None, generator=None):
        seed = int(torch.randint(0, 10**6, (1,), generator=generator))
        wanted = labels if self.only is None else torch.full((n,), self.only)
        return tones(wanted.tolist(), seed=seed, length=16000)


def test_digits_protocol_accuracy_coverage_and_distance(tone_classifier, monkeypatch):
    monkeypatch.setattr(ac, "load_digit_classifier", lambda: tone_classifier)
    good = ac.digit_metrics(ToneModel(), 80, seed=0, batch_size=32)
    collapsed = ac.digit_metrics(ToneModel(only=2), 80, seed=0, batch_size=32)
    assert good["acc"] >= 0.9 and good["classes_covered"] == 4 and good["kl"] < 0.05
    assert collapsed["classes_covered"] == 1 and abs(collapsed["acc"] - 0.25) < 0.1 and collapsed["kl"] > 1.0
    assert collapsed["fd"] > 5 * good["fd"]  # the embedding sees the missing classes
    again = ac.digit_metrics(ToneModel(), 80, seed=0, batch_size=32)
    assert again == good  # the same seed, the same clips and numbers


def test_digits_protocol_refuses_image_models():
    from genlab.errors import GenlabError

    class Images:
        num_classes = 0
    with pytest.raises(GenlabError, match="measure audio generators"):
        ac.sample_clips(Images(), 4, seed=0, batch_size=2, balanced=True)


def test_the_loop_evaluator_runs_digits1k(tone_classifier, monkeypatch):
    from genlab.apps.evaluate import make_evaluator
    from genlab.config import load_config
    from genlab.metrics.protocols import PROTOCOLS, Protocol

    monkeypatch.setattr(ac, "load_digit_classifier", lambda: tone_classifier)
    small = Protocol("digits_tiny", "digits", 40, None, "test", "test only", "audio", PROTOCOLS["digits1k"].run)
    monkeypatch.setitem(PROTOCOLS, "digits_tiny", small)
    cfg = load_config("wavegan-digits", ["train.eval_every_steps=1", "train.eval_metrics=[digits_tiny]"])
    model = ToneModel()
    model.parameters = lambda: iter([torch.zeros(1)])
    results = make_evaluator(cfg)(model, 1)
    assert results["digits_tiny_classes_covered"] == 4 and results["digits_tiny_acc"] >= 0.9 and "digits_tiny_fd" in results
