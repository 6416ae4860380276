"""The training loop: run folder contents, checkpoints, NaN handling, stop on request."""
import json
import math

import pytest
import torch

from genlab.config import load_config
from genlab.errors import TrainingError
from genlab.train.checkpoint import list_checkpoints
from genlab.train.loop import Trainer, train
from genlab.train.run import load_run


def _records(run):
    return [json.loads(line) for line in (run.path / "metrics.jsonl").read_text().splitlines()]


def test_run_folder_is_self_describing(tiny_overrides):
    run = train(load_config("seed-dcgan-mnist", tiny_overrides + ["train.steps=4"]), progress=False)
    names = {p.name for p in run.path.iterdir()}
    assert {"config.yaml", "metrics.jsonl", "samples", "samples.png", "curves.png", "checkpoints", "summary.json"} <= names
    assert run.path.name.endswith("-seed-dcgan-mnist")
    summary = json.loads((run.path / "summary.json").read_text())
    assert summary["step"] == 4 and summary["images_seen"] == 64 and summary["status"] == "finished"
    assert summary["versions"]["torch"] == torch.__version__
    records = _records(run)
    assert [r["step"] for r in records] == [1, 2, 3, 4]
    assert all(math.isfinite(r["loss_d"]) and math.isfinite(r["loss_g"]) for r in records)
    assert {p.name for p in (run.path / "samples").iterdir()} == {f"step_00000{i}.png" for i in (0, 2, 4)}
    # keep_checkpoints=2: steps 2 and 4 remain, each complete
    ckpts = list_checkpoints(run.path / "checkpoints")
    assert [c.name for c in ckpts] == ["step_000002", "step_000004"]
    assert {p.name for p in ckpts[-1].iterdir()} == {"model.safetensors", "config.json", "train_state.safetensors",
                                                    "train_state.json"}


def test_loaded_run_samples_like_the_trained_model(tiny_overrides):
    run = train(load_config("seed-dcgan-mnist", tiny_overrides + ["train.steps=2"]), progress=False)
    loaded = load_run(run.path)
    z = run.model.prior(4, generator=torch.Generator().manual_seed(1))
    assert torch.equal(loaded.model.generate(z), run.model.generate(z))
    assert loaded.step == 2 and loaded.sample(3).shape == (3, 1, 28, 28)


def test_nan_loss_stops_with_step_and_loss_named(tiny_overrides, monkeypatch):
    trainer = Trainer(load_config("seed-dcgan-mnist", tiny_overrides + ["train.steps=10"]), progress=False)
    real_step = trainer.model.train_step

    def poisoned(batch, nets, update):
        out = real_step(batch, nets, update)
        return {**out, "loss_g": float("nan")} if trainer.step >= 3 else out

    monkeypatch.setattr(trainer.model, "train_step", poisoned)
    with pytest.raises(TrainingError, match=r"loss_g is nan at step 4; training stopped. Last good checkpoint: .*step_000002"):
        trainer.fit()
    assert [c.name for c in list_checkpoints(trainer.run_dir / "checkpoints")] == ["step_000002"]


def test_stop_request_saves_a_checkpoint(tiny_overrides, monkeypatch):
    """What Ctrl-C does: the loop finishes the step, saves, and reports 'interrupted'."""
    import genlab.train.loop as loop

    class StopAfterThree(loop._StopFlag):
        @property
        def requested(self):
            return trainer.step >= 3

        @requested.setter
        def requested(self, value):
            pass

    monkeypatch.setattr(loop, "_StopFlag", StopAfterThree)
    trainer = Trainer(load_config("seed-dcgan-mnist", tiny_overrides + ["train.steps=10", "train.checkpoint_every=100"]),
                      progress=False)
    run = trainer.fit()
    assert run.summary["status"] == "interrupted" and run.step == 3
    assert [c.name for c in list_checkpoints(run.path / "checkpoints")] == ["step_000003"]


def test_losses_fall_on_easy_data(tiny_overrides):
    """The discriminator quickly learns to tell the blobs from noise: its loss falls below log 4."""
    run = train(load_config("seed-dcgan-mnist", tiny_overrides + ["train.steps=12", "model.d_step=joint"]), progress=False)
    records = _records(run)
    assert records[-1]["loss_d"] < records[0]["loss_d"]


def test_n_critic_draws_a_fresh_real_batch_per_critic_step(tiny_overrides):
    run = train(load_config("seed-dcgan-mnist", tiny_overrides + ["train.steps=2", "model.n_critic=2",
                                                                 "model.d_step=joint"]), progress=False)
    assert run.summary["images_seen"] == 2 * 2 * 16 and run.summary["epochs"] == 0.25


def test_lr_falls_linearly_to_zero_over_the_last_epochs(tiny_overrides):
    """256 images at batch 16: 16 steps an epoch; decay over the last half epoch = the last 8 updates."""
    run = train(load_config("seed-dcgan-mnist", tiny_overrides + ["train.steps=null", "train.epochs=1",
                                                                 "train.lr_decay_epochs=0.5"]), progress=False)
    scales = [r["lr_scale"] for r in _records(run)]
    assert len(scales) == 16
    assert scales[:9] == [1.0] * 9  # the update after step s (0-based) gets min(1, (16 - s) / 8)
    assert scales[9:] == pytest.approx([7 / 8, 6 / 8, 5 / 8, 4 / 8, 3 / 8, 2 / 8, 1 / 8])


def test_lr_decay_sets_every_optimizer_and_counts_steps_of_n_critic_batches(tiny_overrides):
    trainer = Trainer(load_config("seed-dcgan-mnist", tiny_overrides + [
        "train.steps=null", "train.epochs=1", "train.lr_decay_epochs=0.5", "model.n_critic=2",
        "model.d_step=joint", "model.lr_g=0.001", "model.lr_d=0.004"]), progress=False)
    run = trainer.fit()
    assert run.step == 8 == trainer.total_steps()  # 2 real batches a step: 8 steps an epoch
    assert [r["lr_scale"] for r in _records(run)][-4:] == pytest.approx([4 / 4, 3 / 4, 2 / 4, 1 / 4])
    # the last update ran at a quarter of each base rate
    assert trainer.optimizers["g"].param_groups[0]["lr"] == pytest.approx(0.001 / 4)
    assert trainer.optimizers["d"].param_groups[0]["lr"] == pytest.approx(0.004 / 4)


def test_lr_decay_without_a_known_end_warns_and_keeps_the_rate(tiny_overrides, caplog):
    cfg = load_config("seed-dcgan-mnist", tiny_overrides + ["train.steps=null", "train.minutes=0.02",
                                                           "train.lr_decay_epochs=1"])
    with caplog.at_level("WARNING", logger="genlab"):
        run = train(cfg, progress=False)
    assert "train.lr_decay_epochs=1.0 ignored: the run is limited by minutes only" in caplog.text
    assert {r["lr_scale"] for r in _records(run)} == {1.0}


def test_negative_lr_decay_is_a_config_error():
    from genlab.errors import ConfigError
    with pytest.raises(ConfigError, match=r"train.lr_decay_epochs must be >= 0, got -1"):
        load_config("dcgan-mnist", ["train.lr_decay_epochs=-1"])


def test_loop_tells_the_gan_its_epoch_so_topk_falls_each_epoch(tiny_overrides):
    """256 images at batch 16: 16 steps an epoch; G learns from all 16 fakes in epoch 0, 8 in epoch 1."""
    run = train(load_config("seed-dcgan-mnist", tiny_overrides + [
        "train.steps=null", "train.epochs=2", "model.topk_gamma=0.5", "model.topk_min=0.25"]), progress=False)
    fractions = [r["topk_fraction"] for r in _records(run)]
    assert fractions == [1.0] * 16 + [0.5] * 16


def test_compile_with_channels_last_is_refused_on_cuda_only():
    """The pair breaks inductor's backward on CUDA (pytorch/pytorch#171622): a one-line error naming both
    settings, before any step; each alone, and the pair on the CPU, pass."""
    from genlab.errors import ConfigError
    from genlab.train.loop import check_compile_layout

    both = load_config("dcgan-mnist", ["train.compile=true", "train.channels_last=true"]).train
    with pytest.raises(ConfigError, match=r"train.compile=true with train.channels_last=true fails on CUDA"):
        check_compile_layout("cuda", both)
    check_compile_layout("cpu", both)
    for one in (["train.compile=true"], ["train.channels_last=true"]):
        check_compile_layout("cuda", load_config("dcgan-mnist", one).train)
