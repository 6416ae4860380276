"""Nothing written is lost: a run killed inside a checkpoint write leaves no temp folder once it resumes,
and the resumed run is bitwise the uninterrupted one; resuming keeps what `genlab eval` stored."""
import json
import signal
import subprocess
import sys
import textwrap

import torch
from safetensors.torch import load_file

from genlab.config import load_config
from genlab.train.loop import train

# Trains in a child process that SIGKILLs itself right after writing the model file of the step-4
# checkpoint: the kill lands between two files of one checkpoint write, the worst moment.
KILLED_TRAINING = textwrap.dedent("""
    import os, signal, sys
    import torch
    import genlab.train.checkpoint as ckpt
    from genlab.config import load_config
    from genlab.train.loop import train

    real_save_file = ckpt.save_file

    def save_file(tensors, path):
        real_save_file(tensors, path)
        if ".step_000004." in path and path.endswith("model.safetensors"):
            os.kill(os.getpid(), signal.SIGKILL)

    ckpt.save_file = save_file
    torch.set_num_threads(1)  # as the uninterrupted run in the test process: equal floats need equal kernels
    train(load_config("seed-dcgan-mnist", sys.argv[2:]), run_dir=sys.argv[1], progress=False)
""")


def _weights(run):
    return load_file(str(run.checkpoint / "model.safetensors"))


def test_a_kill_during_a_checkpoint_write_leaves_no_temp_folder_and_resume_is_exact(tiny_overrides, tmp_path):
    over = tiny_overrides + ["train.steps=6"]
    torch.set_num_threads(1)  # as the killed child (restored after the test)
    straight = train(load_config("seed-dcgan-mnist", over + [f"train.out={tmp_path}/a"]), progress=False)

    run_dir = tmp_path / "b" / "00000-killed"
    child = subprocess.run([sys.executable, "-c", KILLED_TRAINING, str(run_dir), *over], capture_output=True, text=True)
    assert child.returncode == -signal.SIGKILL, child.stderr
    checkpoints = run_dir / "checkpoints"
    temps = [p for p in checkpoints.iterdir() if p.name.startswith(".step_000004.")]
    assert len(temps) == 1 and (temps[0] / "model.safetensors").is_file()  # the half-written checkpoint
    assert sorted(p.name for p in checkpoints.iterdir() if not p.name.startswith(".")) == ["step_000002"]
    with open(run_dir / "metrics.jsonl", "a") as f:  # and a log line cut short by the kill
        f.write('{"step": 5, "loss_g": 0.6')

    resumed = train(load_config("seed-dcgan-mnist", over), resume=run_dir, progress=False)
    assert not [p for p in checkpoints.iterdir() if p.name.startswith(".")]
    assert resumed.path == run_dir and resumed.step == 6
    a, b = _weights(straight), _weights(resumed)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    steps = [json.loads(line)["step"] for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert steps == [1, 2, 3, 4, 5, 6]


def test_resuming_from_a_checkpoint_folder_continues_the_run_that_holds_it(tiny_overrides, tmp_path):
    first = train(load_config("seed-dcgan-mnist", tiny_overrides + ["train.steps=4"]), progress=False)
    ckpt = first.path / "checkpoints" / "step_000002"
    resumed = train(load_config("seed-dcgan-mnist", tiny_overrides + ["train.steps=6"]), resume=ckpt, progress=False)
    assert resumed.path == first.path and resumed.step == 6
    # no run folder grew inside the checkpoint: the run's checkpoints are checkpoint folders only
    assert sorted(p.name for p in (first.path / "checkpoints").iterdir()) == ["step_000004", "step_000006"]
    assert set((first.path / "checkpoints" / "step_000006").iterdir()) == {
        first.path / "checkpoints" / "step_000006" / f for f in
        ("model.safetensors", "config.json", "train_state.safetensors", "train_state.json")}


def test_resuming_keeps_what_eval_stored_in_the_summary(tiny_overrides, tmp_path):
    first = train(load_config("seed-dcgan-mnist", tiny_overrides + ["train.steps=2"]), progress=False)
    summary = json.loads((first.path / "summary.json").read_text())
    evaluated = {"metrics": {"fid1k": 99.5}, "metrics_step": 2, "metrics_seed": 0,
                 "metrics_samplers": {"truncation-1.5": {"fid1k": 90.0, "step": 2}}}
    (first.path / "summary.json").write_text(json.dumps({**summary, **evaluated}))
    resumed = train(load_config("seed-dcgan-mnist", tiny_overrides + ["train.steps=4"]), resume=first.path,
                    progress=False)
    for key, value in evaluated.items():
        assert resumed.summary[key] == value, key
    assert resumed.summary["step"] == 4


def test_a_run_is_not_resumed_as_another_family(tiny_overrides, tmp_path):
    import pytest

    from genlab.errors import CheckpointError

    gan = train(load_config("seed-dcgan-mnist", tiny_overrides + ["train.steps=2"]), progress=False)
    before = sorted(p.name for p in gan.path.rglob("*"))
    with pytest.raises(CheckpointError, match="is of family 'gan' .* a 'ae' config .* cannot resume it"):
        train(load_config("dae-mnist", tiny_overrides + ["train.steps=4", "model.net_args={width: 4, hidden: 16}"]),
              resume=gan.path, progress=False)
    assert sorted(p.name for p in gan.path.rglob("*")) == before
