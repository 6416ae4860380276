"""Stopping training from another thread (what the studio's stop button does) keeps a resumable checkpoint."""
import json
import threading

import torch

from genlab.apps.training import TrainingJob, train_config
from genlab.config import load_config
from genlab.train.checkpoint import list_checkpoints
from genlab.train.loop import train
from genlab.train.run import load_run


def test_a_stop_set_from_another_thread_ends_with_a_checkpoint_that_resumes_exactly(tiny_overrides):
    stop, seen = threading.Event(), []
    cfg = load_config("seed-dcgan-mnist", tiny_overrides + ["train.steps=1000", "train.checkpoint_every=1000"])

    def on_progress(info):
        seen.append(info)
        if info["step"] == 3:  # the stop comes from another thread, as a web server's would
            threading.Thread(target=stop.set).start()

    result = {}
    worker = threading.Thread(target=lambda: result.update(run=train(cfg, progress=False, stop=stop,
                                                                     on_progress=on_progress)))
    worker.start()
    worker.join(120)
    run = result["run"]
    assert run.summary["status"] == "interrupted" and 3 <= run.step <= 5
    assert [i["step"] for i in seen] == list(range(1, run.step + 1))
    assert all(i["total_steps"] == 1000 for i in seen) and "loss_g" in seen[0]  # log_every=1: losses each step
    ckpts = list_checkpoints(run.path / "checkpoints")
    assert ckpts[-1].name == f"step_{run.step:06d}"
    assert torch.equal(load_run(run.path).model.generate(torch.zeros(1, 100)), run.model.generate(torch.zeros(1, 100)))
    # resume it to step 6; an uninterrupted run to step 6 gives the same weights
    resumed = train(train_config(resume=str(run.path), limits={"steps": 6}), progress=False)
    straight = train(load_config("seed-dcgan-mnist", tiny_overrides + ["train.steps=6"]), progress=False)
    for (k, a), (_, b) in zip(resumed.model.state_dict().items(), straight.model.state_dict().items()):
        assert torch.equal(a, b), k


def test_a_training_job_runs_in_the_background_and_stops_on_request(tiny_overrides):
    job = TrainingJob(load_config("seed-dcgan-mnist", tiny_overrides + ["train.steps=100000"])).start()
    for _ in range(600):
        if job.step >= 2:
            break
        job.join(0.1)
    assert job.status == "running" and job.alive
    job.stop()
    assert job.join(60)
    state = job.state()
    assert state["status"] == "interrupted" and state["error"] is None and state["step"] >= 2
    summary = json.loads((job.run_dir / "summary.json").read_text())
    assert summary["step"] == state["step"] and list_checkpoints(job.run_dir / "checkpoints")


def test_a_training_job_that_fails_reports_one_line_and_does_not_raise(tiny_overrides, tmp_path):
    cfg = load_config("seed-dcgan-mnist", tiny_overrides + ["train.steps=3", f"data.path={tmp_path / 'gone.npz'}"])
    job = TrainingJob(cfg).start()
    assert job.join(60)
    assert job.status == "failed" and "gone.npz" in job.error and "\n" not in job.error
