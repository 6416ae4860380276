"""A short real run on MNIST: losses stay finite and the fixed-noise samples change."""
import json
import math

import numpy as np
from PIL import Image

from genlab.config import load_config
from genlab.train.loop import train


def test_short_real_mnist_run(tmp_path):
    cfg = load_config("seed-dcgan-mnist", ["train.steps=20", "train.epochs=null", "train.batch_size=16",
                                           "train.log_every=5", "train.sample_every=20", "train.checkpoint_every=20",
                                           f"train.out={tmp_path}", "train.tensorboard=false",
                                           "model.net_args={width: 32}"])
    run = train(cfg, progress=False)
    records = [json.loads(line) for line in (run.path / "metrics.jsonl").read_text().splitlines()]
    assert len(records) == 4 and all(math.isfinite(r["loss_d"]) and math.isfinite(r["loss_g"]) for r in records)
    before = np.asarray(Image.open(run.path / "samples" / "step_000000.png"), dtype=np.float64)
    after = np.asarray(Image.open(run.path / "samples" / "step_000020.png"), dtype=np.float64)
    assert before.shape == after.shape
    assert np.abs(after - before).mean() > 5  # grey levels: the generator moved
    assert run.summary["images_seen"] == 20 * 16
