"""`make demo`: train the document's GAN on MNIST within a time budget and write its pictures."""
from __future__ import annotations

from genlab.config import load_config
from genlab.train.loop import train
from genlab.train.run import Run


def demo(minutes: float = 8.0, out: str = "runs", preset: str = "seed-dcgan-mnist",
         overrides: list[str] | None = None, progress: bool = True) -> Run:
    """Train `preset` for at most `minutes` of wall time; returns the finished run."""
    cfg = load_config(preset, [f"train.minutes={minutes}", "train.epochs=null", "train.steps=null",
                               f"train.out={out}", *(overrides or [])])
    return train(cfg, progress=progress)
