"""The VAE and AE families through the one training loop: run folders, checkpoints, load_run, resume,
`genlab sample` with labels, and a short real MNIST run whose ELBO improves."""
import json

import numpy as np
import pytest
import torch

from genlab.cli import main
from genlab.config import load_config
from genlab.train.loop import train
from genlab.train.run import load_run


def _records(run):
    return [json.loads(line) for line in (run.path / "metrics.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("preset", ["vae-mlp-bmnist", "iwae-mlp-bmnist", "cvae-mnist", "dae-mnist", "ae-mnist"])
def test_presets_train_save_and_load(preset, tiny_overrides):
    overrides = tiny_overrides + ["train.steps=3"]
    if "conv" in load_config(preset).model.net:
        overrides.append("model.net_args={width: 4, hidden: 16}")
    run = train(load_config(preset, overrides), progress=False)
    assert run.summary["status"] == "finished" and (run.path / "samples.png").is_file()
    records = _records(run)
    assert [r["step"] for r in records] == [1, 2, 3] and all(np.isfinite(r["loss"]) for r in records)
    loaded = load_run(run.path)
    x = torch.rand(4, 1, 28, 28) * 2 - 1
    labels = torch.tensor([0, 1, 2, 3]) if loaded.num_classes else None
    assert torch.equal(loaded.model.reconstruct(x, labels), run.model.reconstruct(x, labels))
    assert torch.equal(loaded.sample(4, labels, torch.Generator().manual_seed(0)),
                       run.model.sample(4, labels, torch.Generator().manual_seed(0)))


def test_vae_resume_is_exact(tiny_overrides):
    """KL warm-up state (steps_done) and the dynamic binarization RNG travel with the checkpoint."""
    base = tiny_overrides + ["model.kl_warmup_steps=5", "train.checkpoint_every=2"]
    full = train(load_config("vae-mlp-bmnist", base + ["train.steps=4"]), progress=False)
    first = train(load_config("vae-mlp-bmnist", base + ["train.steps=2"]), progress=False)
    resumed = train(load_config("vae-mlp-bmnist", base + ["train.steps=4"]), resume=first.path, progress=False)
    assert all(torch.equal(a, b) for a, b in zip(full.model.state_dict().values(),
                                                 resumed.model.state_dict().values()))
    assert [r["beta"] for r in _records(full)] == [0.0, 0.2, 0.4, 0.6]


def test_sample_chosen_digits_from_a_cvae(tiny_overrides, tmp_path):
    run = train(load_config("cvae-mnist", tiny_overrides + ["train.steps=2"]), progress=False)
    out = tmp_path / "s.npz"
    assert main(["sample", str(run.path), "--seeds", "0-7", "--labels", "3", "--npz", str(out)]) == 0
    assert np.load(out)["x"].shape == (8, 28, 28)


@pytest.mark.slow
def test_short_real_mnist_vae_elbo_improves(tmp_path):
    """Burda et al.'s net on dynamically binarized MNIST: ~2 epochs of 60k at batch 100 (~20 s).
    A fresh VAE scores ~540 nats (log 2 per pixel); after this little training the ELBO is above -200."""
    cfg = load_config("vae-mlp-bmnist", ["train.steps=600", "train.epochs=null", "train.batch_size=100",
                                         "train.log_every=25", "train.sample_every=600",
                                         "train.checkpoint_every=600", f"train.out={tmp_path}",
                                         "train.tensorboard=false"])
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # two shared cores: one thread is faster than two under contention
    try:
        run = train(cfg, progress=False)
    finally:
        torch.set_num_threads(threads)
    records = _records(run)
    first, last = records[0]["elbo"], records[-1]["elbo"]  # means over 25 steps
    assert last > first + 80 and last > -210, (first, last)
    from genlab.data import load_dataset
    from genlab.metrics.likelihood import elbo_test
    test = load_dataset("mnist", "test")
    assert elbo_test(run.model, test.images[:1000])["elbo"] < 200
