"""`make demo`: the document's GAN and a stronger, class-conditional DCGAN trained on MNIST in one time budget, each measured,
with an interpolation GIF, and a side-by-side page of both."""
from __future__ import annotations

import html
import os
from dataclasses import dataclass, field
from pathlib import Path

from genlab.apps.evaluate import check_metric_names, evaluate_run, train
from genlab.apps.interpolate import interpolate, write_walk
from genlab.config import load_config
from genlab.io import write_text
from genlab.train.run import Run, load_run

# The document's model samples from an exponential moving average of the generator's weights (half-life
# 2k images, with the default ramp-up). The average only reads the weights after each step: the document's
# model trains exactly as without it. After ~490 steps (a 10-minute budget on 2 CPU cores) it scored
# fid1k 134 where the raw generator of the same run scored 201 (benchmarks/RESULTS.md).
# The budget: 9 minutes of training leave room in 15 minutes for fetching MNIST and the Inception weights
# and for three fid1k passes (1k test images once, 1k samples per model).
DEMO_EMA_HALF_LIFE_KIMG = 2.0

# (preset, share of the budget, overrides): the document's Keras DCGAN, then the `cgan-mnist` preset (its
# DCGAN generator with class-conditional BatchNorm, a projection discriminator with spectral norm, hinge
# loss), which takes ~7x more steps per second on a CPU. The stronger model gets most of the time: it is
# the one that has to end with clean, readable digits. Trials of 7 minutes on 2 quiet cores: the
# unconditional `dcgan-mnist` made 7,497 steps, clean strokes and fid1k 31.1, but about half its samples
# were no digit at all; `cgan-mnist` (without its bCR, which costs 1.4x per step) made 5,113 steps, fid1k
# 45.8 (blotchier strokes), and 96.5% of its samples were classified as the digit asked for (cls10k, all
# ten classes): its grid reads 0 1 2 ... 9 in order. Neither decays its learning rate (a time-limited run
# has no known end to decay towards).
DEMO_MODELS: tuple[tuple[str, float, tuple[str, ...]], ...] = (
    ("seed-dcgan-mnist", 2 / 9, (f"model.ema_half_life_kimg={DEMO_EMA_HALF_LIFE_KIMG}",)),
    ("cgan-mnist", 7 / 9, ("train.lr_decay_epochs=0", "model.cr_weight=0")),
)
DEMO_MINUTES = 9.0
DEMO_PAGE = "demo.html"
GIF_STEPS = 16


@dataclass
class DemoResult:
    """The demo's runs (in DEMO_MODELS order), their metrics, and the side-by-side page."""
    runs: list[Run]
    metrics: list[dict] = field(default_factory=list)
    gifs: list[Path] = field(default_factory=list)
    page: Path | None = None


def demo(minutes: float = DEMO_MINUTES, out: str = "runs", metrics: str | None = "fid1k",
         overrides: list[str] | None = None, progress: bool = True,
         models: tuple[tuple[str, float, tuple[str, ...]], ...] = DEMO_MODELS) -> DemoResult:
    """Train each of `models` for its share of `minutes` of wall time, evaluate each with `metrics`
    (a quick, upward-biased protocol by default; None: none), write an interpolation GIF per run and a
    side-by-side page `out`/demo.html; `overrides` apply to every model."""
    if metrics:
        check_metric_names(metrics)  # a bad name fails now, not after the training
    total = sum(share for _, share, _ in models)
    configs = [load_config(preset, [f"train.minutes={minutes * share / total:.6g}", "train.epochs=null",
                                    "train.steps=null", f"train.out={out}", *extra, *(overrides or [])])
               for preset, share, extra in models]  # every config is checked before the first training starts
    runs = [train(cfg, progress=progress) for cfg in configs]
    result = DemoResult(runs=[])
    for run in runs:
        result.metrics.append(evaluate_run(run.path, metrics) if metrics else {})
        run = load_run(run.path)  # the newest checkpoint, with the summary that now holds the metrics
        result.runs.append(run)
        images = interpolate(run.model, 0, 1, steps=GIF_STEPS, spherical=True)
        result.gifs.append(write_walk(images, run.path / "interpolate.png", nrow=GIF_STEPS,
                                      gif=run.path / "interpolate.gif")[-1])
    result.page = write_page(result, Path(out) / DEMO_PAGE)
    return result


def write_page(result: DemoResult, path: str | os.PathLike) -> Path:
    """A static HTML page with one column per run: samples, interpolation, curves and numbers."""
    path = Path(path)
    columns = []
    for run, metrics, gif in zip(result.runs, result.metrics, result.gifs):
        s, rel = run.summary, Path(os.path.relpath(run.path, path.parent)).as_posix()
        numbers = [("steps", f"{s.get('step', run.step):,}"), ("images seen", f"{s.get('images_seen', 0):,}"),
                   ("training", f"{s.get('train_seconds', 0) / 60:.1f} min")]
        numbers += [(k, f"{v:.2f}") for k, v in metrics.items() if isinstance(v, float)]
        rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in numbers)
        gif_rel = Path(os.path.relpath(gif, path.parent)).as_posix()
        columns.append(
            f"<section><h2>{html.escape(run.config.preset)}</h2><p>{html.escape(run.config.description)}</p>"
            f"<table>{rows}</table>"
            + _picture("samples (fixed latents" + (f"; labels 0-{classes - 1} in turn)" if (classes := getattr(
                run.model, "num_classes", 0)) else ")"), "grid", run.path / "samples.png", f"{rel}/samples.png")
            + _picture("seed 0 &rarr; seed 1 (slerp)", "gif", gif, gif_rel)
            + _picture("training curves", "curves", run.path / "curves.png", f"{rel}/curves.png") +
            f"<p><a href=\"{html.escape(rel)}/\">{html.escape(run.path.name)}/</a></p></section>")
    page = ("<!doctype html><html><head><meta charset=utf-8><title>genlab demo</title><style>"
            "body{font-family:sans-serif;margin:1.5em}main{display:flex;gap:2em;flex-wrap:wrap}"
            "section{flex:1;min-width:320px}img.grid{width:100%;max-width:448px;image-rendering:pixelated}"
            "img.gif{width:112px;image-rendering:pixelated}img.curves{width:100%}"
            "th{text-align:left;padding-right:1em}</style></head><body><h1>genlab demo: two GANs on MNIST, "
            "one time budget</h1><p>fid1k: 1,000 generated vs 1,000 test images (biased upwards; lower is "
            "better).</p><main>" + "".join(columns) + "</main></body></html>\n")
    write_text(path, page)
    return path


def _picture(title: str, kind: str, path: Path, src: str) -> str:
    """A titled <img>, or a note when the file was not written (a run too short to log a curve)."""
    body = (f"<img class={kind} src=\"{html.escape(src)}\" alt=\"{kind}\">" if Path(path).is_file()
            else "<p>(not written: the run was too short)</p>")
    return f"<h3>{title}</h3>{body}"
