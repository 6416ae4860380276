"""End to end through the CLI: exit codes, messages, run folder contents, sampling by seed."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from genlab.cli import build_parser, main


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "genlab", *map(str, args)], capture_output=True, text=True)


def test_every_command_has_help_with_examples():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert {"train", "sample", "presets", "data", "demo"} <= set(sub.choices)
    for name, p in sub.choices.items():
        assert "examples:" in p.format_help() and "genlab " + name in p.format_help(), name


def test_train_then_sample_end_to_end(tiny_overrides, tmp_path, capsys):
    sets = [a for o in tiny_overrides for a in ("--set", o)]
    assert main(["train", "--preset", "seed-dcgan-mnist", "--steps", "4", "--quiet", *sets, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    run = out["run"]
    assert out["step"] == 4 and out["status"] == "finished"

    assert main(["sample", run, "--seeds", "0-7", "--out", str(tmp_path / "grid.png"), "--npz",
                 str(tmp_path / "s.npz"), "--individual", str(tmp_path / "ind")]) == 0
    grid = Image.open(tmp_path / "grid.png")
    assert grid.size == (3 * 30 + 2, 3 * 30 + 2)
    x = np.load(tmp_path / "s.npz")["x"]
    assert x.shape == (8, 28, 28) and x.dtype == np.uint8
    assert len(list((tmp_path / "ind").glob("seed*.png"))) == 8

    # a sample depends only on its own seed, whatever else is drawn with it or the batch size
    assert main(["sample", run, "--seeds", "5,3", "--batch-size", "1", "--npz", str(tmp_path / "t.npz")]) == 0
    y = np.load(tmp_path / "t.npz")["x"]
    assert np.array_equal(y[0], x[5]) and np.array_equal(y[1], x[3])


def test_dry_run_prints_resolved_config(capsys):
    assert main(["train", "--preset", "seed-dcgan-mnist", "--minutes", "3", "--set", "train.batch_size=32",
                 "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "batch_size: 32" in out and "minutes: 3.0" in out and "epochs: null" in out


@pytest.mark.parametrize("args, message", [
    (["train", "--preset", "nope"], "preset 'nope' is unknown"),
    (["train", "--preset", "seed-dcgan-mnist", "--set", "train.lr=1", "--dry-run"], "config key 'train.lr' is unknown"),
    (["train"], "train needs --preset NAME"),
    (["sample", "does/not/exist"], "run or checkpoint 'does/not/exist' does not exist"),
    (["data", "info", "mnst"], "dataset 'mnst' is unknown (did you mean 'mnist'?)"),
])
def test_errors_are_one_line_without_traceback(args, message):
    result = run_cli(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_bad_seeds_message(tiny_overrides, capsys):
    sets = [a for o in tiny_overrides for a in ("--set", o)]
    main(["train", "--preset", "seed-dcgan-mnist", "--steps", "1", "--quiet", *sets, "--json"])
    run = json.loads(capsys.readouterr().out)["run"]
    assert main(["sample", run, "--seeds", "a-b"]) == 2
    assert "seeds 'a-b' is not a list of numbers" in capsys.readouterr().err


def test_ctrl_c_saves_a_checkpoint_and_exits_130(tiny_overrides, tmp_path):
    import signal
    import time

    sets = [a for o in tiny_overrides + ["train.checkpoint_every=100000"] for a in ("--set", o)]
    proc = subprocess.Popen([sys.executable, "-m", "genlab", "train", "--preset", "seed-dcgan-mnist",
                             "--steps", "100000", "--quiet", *sets], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    runs = tmp_path / "runs"
    deadline = time.time() + 120
    while time.time() < deadline and not list(runs.glob("*/metrics.jsonl")):
        time.sleep(0.2)
    metrics = list(runs.glob("*/metrics.jsonl"))
    while time.time() < deadline and metrics and not metrics[0].read_text().strip():
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert out.startswith("interrupted:")
    ckpts = list(runs.glob("*/checkpoints/step_*/train_state.json"))
    assert len(ckpts) == 1
    summary = json.loads((ckpts[0].parents[2] / "summary.json").read_text())
    assert summary["status"] == "interrupted" and summary["step"] >= 1


def test_eval_stores_results_in_the_run_summary(tiny_overrides, capsys, monkeypatch):
    import genlab.metrics

    sets = [a for o in tiny_overrides for a in ("--set", o)]
    main(["train", "--preset", "seed-dcgan-mnist", "--steps", "1", "--quiet", *sets, "--json"])
    run = json.loads(capsys.readouterr().out)["run"]
    seen = {}

    def fake_evaluate(model, dataset, metrics, **kw):
        seen.update(dataset=dataset, metrics=metrics, images=model.sample(2).shape)
        return {"fid2k": 12.5}

    monkeypatch.setattr(genlab.metrics, "evaluate_model", fake_evaluate)
    assert main(["eval", run, "--metrics", "fid2k", "--seed", "3", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"fid2k": 12.5}
    assert seen == {"dataset": "npz", "metrics": ["fid2k"], "images": (2, 1, 28, 28)}
    summary = json.loads((Path(run) / "summary.json").read_text())
    assert summary["metrics"] == {"fid2k": 12.5} and summary["metrics_step"] == 1 and summary["metrics_seed"] == 3


def test_eval_needs_a_run_or_two_sets(capsys):
    assert main(["eval", "--real", "mnist:test"]) == 2
    assert "eval needs a RUN folder, or both --real and --fake" in capsys.readouterr().err


def test_eval_likelihood_protocols_on_a_vae_run(tiny_npz, tmp_path, capsys):
    assert main(["train", "--preset", "vae-mlp-bmnist", "--steps", "2", "--quiet", "--json",
                 "--set", "data.name=npz", "--set", f"data.path={tiny_npz}", "--set", f"train.out={tmp_path}",
                 "--set", "train.tensorboard=false"]) == 0
    run = json.loads(capsys.readouterr().out)["run"]
    assert main(["eval", run, "--metrics", "elbo,recon", "--n", "16", "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert results["likelihood_images"] == 16 and results["elbo"] > 0 and results["psnr"] > 0
    assert 0 < results["ssim"] <= 1
    assert json.loads((Path(run) / "summary.json").read_text())["metrics"]["elbo"] == results["elbo"]
