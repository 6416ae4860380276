"""genlab eval on translation runs: pix2pix's pairs500, CycleGAN's label_kept, cycle and translated500 give
the numbers of metrics/translation.py's functions on the same test images, and wrong protocols are refused."""
import json
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from genlab.cli import main
from genlab.config import load_config
from genlab.data import load_dataset
from genlab.data.degrade import make_degradation
from genlab.errors import GenlabError
from genlab.metrics import FeatureExtractor
from genlab.metrics import classifier as classifier_module
from genlab.metrics.translation import (cycle_error, held_out_pairs, label_kept, paired_scores, set_distances,
                                        translate_all)
from genlab.train.loop import train
from genlab.train.run import load_run

N = 12  # test images per domain
N_FID = 3  # for the protocols with FID/KID: Inception on a CPU is slow


def _tiny(tmp_path_factory, preset, extra):
    tmp = tmp_path_factory.mktemp(preset)
    cfg = load_config(preset, ["train.batch_size=8", "train.steps=2", "train.epochs=null", f"train.out={tmp / 'runs'}",
                               "train.tensorboard=false", "train.n_samples=4", "model.width=4", "model.d_width=4",
                               *extra])
    return train(cfg, progress=False).path


@pytest.fixture(scope="module")
def p2p_run(tmp_path_factory):
    return _tiny(tmp_path_factory, "pix2pix-edges-fashion", ["data.name=mnist", "model.depth=3"])


@pytest.fixture(scope="module")
def cycle_run(tmp_path_factory):
    return _tiny(tmp_path_factory, "cyclegan-mnist-digits", ["model.depth=1"])


@pytest.fixture(scope="module")
def digit_classifier():
    """A small MNIST classifier trained here in seconds, in place of the cached one (minutes to train)."""
    train_set, test_set = load_dataset("mnist", "train"), load_dataset("mnist", "test")
    model, accuracy = classifier_module.train_classifier(train_set.images[:512], train_set.labels[:512],
                                                         test_set.images[:256], test_set.labels[:256], 10,
                                                         epochs=1, batch_size=64)
    return model, {"in_channels": 1, "resolution": 28, "test_accuracy": accuracy}


@pytest.fixture(scope="module")
def extractor():
    """One Inception network for the expected numbers of the module (building it takes seconds)."""
    return FeatureExtractor()


def _eval_json(args, capsys) -> dict:
    assert main(["eval", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_pairs500_equals_paired_scores_on_the_test_pairs(p2p_run, extractor, capsys):
    results = _eval_json([str(p2p_run), "--metrics", "pairs500", "--n", str(N_FID)], capsys)
    run = load_run(p2p_run)
    targets = load_dataset("mnist", "test").images[:N_FID]
    inputs = make_degradation("edges")(targets.float() / 127.5 - 1, torch.Generator().manual_seed(0))
    expected = paired_scores(run.model.translate, inputs, targets, extractor=extractor)
    assert results == {f"pairs500_{k}": v for k, v in expected.items()}
    assert results["pairs500_pairs"] == N_FID and results["pairs500_fid"] > 0
    summary = json.loads((p2p_run / "summary.json").read_text())
    assert summary["metrics"]["pairs500_psnr_y"] == expected["psnr_y"]


def test_cyclegan_protocols_equal_the_library_functions(cycle_run, digit_classifier, extractor, monkeypatch,
                                                        capsys):
    monkeypatch.setattr(classifier_module, "load_classifier", lambda name: digit_classifier)
    results = _eval_json([str(cycle_run), "--metrics", "label_kept,cycle", "--n", str(N)], capsys)
    results.update(_eval_json([str(cycle_run), "--metrics", "translated500", "--n", str(N_FID)], capsys))
    model, clf = load_run(cycle_run).model, digit_classifier[0]
    a_set = load_dataset("mnist", "test")
    b_set = load_dataset("digits", "test", resolution=28, channels=1)
    a, a_labels, b, b_labels = a_set.images[:N], a_set.labels[:N], b_set.images[:N], b_set.labels[:N]
    a2b, b2a = (lambda x: model.translate(x, "a2b")), (lambda x: model.translate(x, "b2a"))
    b_as_a, a_as_b = translate_all(b2a, b), translate_all(a2b, a)
    expected = {"label_kept_b_untranslated": label_kept(b, b_labels, clf),
                "label_kept_b2a": label_kept(b_as_a, b_labels, clf),
                "label_kept_a_untranslated": label_kept(a, a_labels, clf),
                "label_kept_a2b": label_kept(a_as_b, a_labels, clf),
                "label_kept_a2b2a": label_kept(translate_all(b2a, a_as_b), a_labels, clf),
                "label_kept_images_a": N, "label_kept_images_b": N,
                "cycle_a2b2a": cycle_error(a2b, b2a, a), "cycle_b2a2b": cycle_error(b2a, a2b, b),
                "cycle_images_a": N, "cycle_images_b": N}
    k = N_FID
    for direction, translated, target in (("b2a", b_as_a, a), ("a2b", a_as_b, b)):
        scores = set_distances(translated[:k], target[:k], extractor)
        expected.update({f"translated500_{direction}_{key}": v for key, v in scores.items()})
    assert results == expected
    assert 0 <= results["label_kept_b2a"] <= 1 and results["cycle_a2b2a"] > 0
    stored = json.loads((cycle_run / "summary.json").read_text())["metrics"]
    assert stored["label_kept_b2a"] == expected["label_kept_b2a"] and stored["cycle_b2a2b"] == expected["cycle_b2a2b"]


def test_label_kept_reads_opencv_digits_labels_from_the_sheet(tmp_path_factory, digit_classifier, monkeypatch,
                                                              capsys):
    from PIL import Image

    from genlab.data import opencv_digits

    sheet = np.zeros((1000, 2000), np.uint8)  # digits.png's layout: each cell a bar whose height is its class
    for r in range(50):
        for c in range(100):
            sheet[r * 20 + 4:r * 20 + 6 + r // 5, c * 20 + 8:c * 20 + 11] = 255
    folder = tmp_path_factory.mktemp("opencv")
    Image.fromarray(sheet).save(folder / "digits.png")
    monkeypatch.setattr(opencv_digits, "digits_png", lambda: folder / "digits.png")
    monkeypatch.setattr(classifier_module, "load_classifier", lambda name: digit_classifier)
    run = _tiny(tmp_path_factory, "cyclegan-mnist-cvdigits", ["model.depth=1"])
    n = 250  # the test split takes the classes in turn: 25 of each
    results = _eval_json([str(run), "--metrics", "label_kept", "--n", str(n)], capsys)
    b_set = load_dataset("opencv-digits", "test", data_dir=str(folder))
    b, b_labels = b_set.images[:n], b_set.labels[:n]
    assert b_labels.bincount().tolist() == [25] * 10
    model, clf = load_run(run).model, digit_classifier[0]
    b2a = lambda x: model.translate(x, "b2a")  # noqa: E731
    assert results["label_kept_b_untranslated"] == label_kept(b, b_labels, clf)
    assert results["label_kept_b2a"] == label_kept(translate_all(b2a, b), b_labels, clf)
    assert results["label_kept_images_b"] == n


def test_label_kept_of_the_framed_preset_reads_the_framed_digits(tmp_path_factory, digit_classifier, monkeypatch,
                                                                capsys):
    monkeypatch.setattr(classifier_module, "load_classifier", lambda name: digit_classifier)
    run = _tiny(tmp_path_factory, "cyclegan-mnist-digits-framed", ["model.depth=1"])
    results = _eval_json([str(run), "--metrics", "label_kept", "--n", str(N)], capsys)
    b_set = load_dataset("digits-framed", "test")
    b, b_labels = b_set.images[:N], b_set.labels[:N]
    assert torch.equal(b_labels, load_dataset("digits", "test").labels[:N])  # the same digits, framed
    model, clf = load_run(run).model, digit_classifier[0]
    b2a = lambda x: model.translate(x, "b2a")  # noqa: E731
    assert results["label_kept_b_untranslated"] == label_kept(b, b_labels, clf)
    assert results["label_kept_b2a"] == label_kept(translate_all(b2a, b), b_labels, clf)
    assert results["label_kept_images_b"] == N


@pytest.mark.parametrize("run, metrics, message", [
    ("p2p", "fid10k", "fid10k does not apply to '{run}', a pix2pix run; measure it with pairs500"),
    ("p2p", "pairs500,label_kept,cycle", "label_kept, cycle do not apply to '{run}', a pix2pix run; measure it "
                                         "with pairs500"),
    ("cycle", "pairs500", "pairs500 does not apply to '{run}', a cyclegan run; measure it with label_kept, cycle, "
                          "translated500"),
    ("cycle", "psnr_y", "psnr_y does not apply to '{run}', a cyclegan run"),
    ("cycle", "cycle --truncation 1.5", "--truncation, --best-of and --langevin-steps sample a GAN; '{run}' is a "
                                        "cyclegan run"),
    ("gan", "label_kept", "label_kept does not apply to '{run}', a gan run; measure it with fid10k, fid50k_full"),
])
def test_a_protocol_of_the_wrong_kind_is_one_line(run, metrics, message, p2p_run, cycle_run, gan_run, capsys):
    path = {"p2p": p2p_run, "cycle": cycle_run, "gan": gan_run}[run]
    summary = (path / "summary.json").read_text()
    assert main(["eval", str(path), "--metrics", *metrics.split()]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message.format(run=path) in err
    assert (path / "summary.json").read_text() == summary


def test_label_kept_needs_digit_domains(tmp_path_factory, capsys):
    tmp = tmp_path_factory.mktemp("domain-b")
    np.savez(tmp / "b.npz", x=np.full((32, 28, 28), 200, np.uint8))
    run = _tiny(tmp_path_factory, "cyclegan-mnist-digits", ["model.depth=1", f"data.domain_b=npz:{tmp / 'b.npz'}"])
    assert main(["eval", str(run), "--metrics", "label_kept", "--n", "4"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("label_kept needs two labelled digit domains (mnist, digits, digits-framed, opencv-digits); "
                        "this run translates mnist <-> npz")


def test_pairs_need_a_test_split():
    data = SimpleNamespace(name="npz", path="d.npz", degradation="edges", data_dir=None, resolution=None, channels=None)
    with pytest.raises(GenlabError, match="pairs500 measures on the test split of the run's dataset; 'npz' has none"):
        held_out_pairs(data, 4)
