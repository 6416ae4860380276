"""Exact resume: N steps, stop, resume, N more steps gives bitwise the weights of 2N steps straight."""
import torch
from safetensors.torch import load_file

from genlab.config import load_config
from genlab.train.loop import train


def _weights(run):
    return load_file(str(run.checkpoint / "model.safetensors"))


def test_resume_is_bitwise_exact(tiny_overrides, tmp_path):
    straight = train(load_config("seed-dcgan-mnist", tiny_overrides + ["train.steps=6", f"train.out={tmp_path}/a"]),
                     progress=False)
    first = train(load_config("seed-dcgan-mnist", tiny_overrides + ["train.steps=3", f"train.out={tmp_path}/b"]),
                  progress=False)
    assert first.step == 3
    cfg = load_config("seed-dcgan-mnist", tiny_overrides + ["train.steps=6", f"train.out={tmp_path}/b"])
    resumed = train(cfg, resume=first.path, progress=False)
    assert resumed.path == first.path and resumed.step == 6
    a, b = _weights(straight), _weights(resumed)
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key
    # the resumed run's log continues without duplicated steps
    steps = [r["step"] for r in resumed_records(resumed.path)]
    assert steps == sorted(set(steps)) and steps[-1] == 6


def resumed_records(path):
    import json
    return [json.loads(line) for line in (path / "metrics.jsonl").read_text().splitlines()]


def test_resume_crosses_an_epoch_boundary(tiny_overrides, tmp_path):
    """256 images / batch 64 = 4 steps an epoch: resuming at step 3 of 6 crosses into epoch 1."""
    over = tiny_overrides + ["train.batch_size=64"]
    straight = train(load_config("seed-dcgan-mnist", over + ["train.steps=6", f"train.out={tmp_path}/a"]), progress=False)
    first = train(load_config("seed-dcgan-mnist", over + ["train.steps=3", f"train.out={tmp_path}/b"]), progress=False)
    resumed = train(load_config("seed-dcgan-mnist", over + ["train.steps=6"]), resume=first.path, progress=False)
    assert all(torch.equal(v, _weights(resumed)[k]) for k, v in _weights(straight).items())
    assert resumed.summary["epochs"] == 1.5


def test_resume_into_an_lr_decay_equals_the_decayed_run_straight(tiny_overrides, tmp_path):
    """Lengthen a finished constant-rate run and decay its rate over the new steps: the same weights as one
    run planned that way from the start (the schedule depends on the step alone)."""
    decay = ["train.lr_decay_epochs=0.1875"]  # 3 of the 16 steps in an epoch
    straight = train(load_config("seed-dcgan-mnist", tiny_overrides + ["train.steps=6", f"train.out={tmp_path}/a"]
                                 + decay), progress=False)
    first = train(load_config("seed-dcgan-mnist", tiny_overrides + ["train.steps=3", f"train.out={tmp_path}/b"]),
                  progress=False)
    cfg = load_config("seed-dcgan-mnist", tiny_overrides + ["train.steps=6", f"train.out={tmp_path}/b"] + decay)
    resumed = train(cfg, resume=first.path, progress=False)
    a, b = _weights(straight), _weights(resumed)
    for key in a:
        assert torch.equal(a[key], b[key]), key
    assert [r["lr_scale"] for r in resumed_records(resumed.path)[-3:]] == [1.0, 2 / 3, 1 / 3]


def test_a_run_written_before_batch_sources_still_resumes_and_loads(tiny_overrides, tmp_path):
    """Checkpoints from before data sources: no 'kind' in the data position, no data.patch_size /
    degradation / workers in config.json. They resume exactly and load."""
    import json

    from genlab.train.run import load_run

    straight = train(load_config("seed-dcgan-mnist", tiny_overrides + ["train.steps=4", f"train.out={tmp_path}/a"]),
                     progress=False)
    first = train(load_config("seed-dcgan-mnist", tiny_overrides + ["train.steps=2", f"train.out={tmp_path}/b"]),
                  progress=False)
    state_file, config_file = first.checkpoint / "train_state.json", first.checkpoint / "config.json"
    state = json.loads(state_file.read_text())
    assert state["data_position"].pop("kind") == "memory"
    state_file.write_text(json.dumps(state))
    meta = json.loads(config_file.read_text())
    for key in ("patch_size", "degradation", "workers"):
        del meta["config"]["data"][key]
    config_file.write_text(json.dumps(meta))
    assert load_run(first.path).step == 2
    resumed = train(load_config("seed-dcgan-mnist", tiny_overrides + ["train.steps=4"]), resume=first.path,
                    progress=False)
    assert all(torch.equal(v, _weights(resumed)[k]) for k, v in _weights(straight).items())
