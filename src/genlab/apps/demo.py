"""`make demo`: train the document's GAN on MNIST within a time budget, write its pictures, measure it."""
from __future__ import annotations

from genlab.apps.evaluate import evaluate_run, train
from genlab.config import load_config
from genlab.train.run import Run


def demo(minutes: float = 9.5, out: str = "runs", preset: str = "seed-dcgan-mnist", metrics: str | None = "fid1k",
         overrides: list[str] | None = None, progress: bool = True) -> tuple[Run, dict]:
    """Train `preset` for at most `minutes` of wall time, then evaluate it with `metrics` (a quick,
    upward-biased protocol by default); returns the run and the metrics."""
    cfg = load_config(preset, [f"train.minutes={minutes}", "train.epochs=null", "train.steps=null",
                               f"train.out={out}", *(overrides or [])])
    run = train(cfg, progress=progress)
    results = evaluate_run(run.path, metrics) if metrics else {}
    return run, results
