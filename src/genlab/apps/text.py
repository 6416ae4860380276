"""Text generation from a language-model run: streamed character by character, one seed per sample.

    run = genlab.load_run("runs/00003-gpt-shakespeare-char")
    for piece in genlab.generate_text(run, "ROMEO:", max_new_tokens=200, seed=1):
        print(piece, end="", flush=True)

Prompt characters outside the run's vocabulary are refused with a one-line error naming them (nothing is
dropped or mapped silently, so the prompt the model sees is the one you typed). Beyond the model's
context the window slides (see LM.generate_tokens).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Iterator

from genlab.errors import GenlabError
from genlab.train.run import Run

MAX_NEW_TOKENS = 1_000_000


def check_text_run(run: Run, what: str = "this command") -> None:
    """GenlabError unless `run` is a language-model run."""
    if run.model.modality != "text":
        raise GenlabError(f"run '{run.path}' is a {run.config.family} run of images; {what} needs a language-model "
                          "run (family lm, e.g. --preset gpt-shakespeare-char)")


def interpolate_text(run: Run, start: str, end: str, steps: int = 8) -> list[str]:
    """Text VAE runs: greedy decodes at `steps` evenly spaced points between the posterior means of two texts."""
    check_text_run(run, "interpolate")
    if not hasattr(run.model, "interpolate"):
        raise GenlabError(f"run '{run.path}' is a {run.config.family} run; interpolating between texts needs a text "
                          "VAE run (family textvae, e.g. --preset textvae-shakespeare-char)")
    if not start or not end:
        raise GenlabError("--from and --to must be non-empty texts")
    if steps < 2:
        raise GenlabError(f"steps must be >= 2, got {steps}")
    return run.model.interpolate(start, end, steps)


def check_generation(max_new_tokens: int, temperature: float, top_k: int | None, n: int = 1) -> None:
    """The sampling settings, checked before any work."""
    if not 1 <= max_new_tokens <= MAX_NEW_TOKENS:
        raise GenlabError(f"max_new_tokens must be in 1-{MAX_NEW_TOKENS:,}, got {max_new_tokens}")
    if not math.isfinite(temperature) or temperature < 0:
        raise GenlabError(f"temperature must be a finite number >= 0 (0: always the likeliest), got {temperature}")
    if top_k is not None and top_k < 1:
        raise GenlabError(f"top_k must be >= 1 (or None for all), got {top_k}")
    if n < 1:
        raise GenlabError(f"n must be >= 1, got {n}")


def generate_text(run: Run, prompt: str = "\n", *, max_new_tokens: int = 500, temperature: float = 0.8,
                  top_k: int | None = None, seed: int = 0, use_cache: bool = True) -> Iterator[str]:
    """Yield the generated characters one at a time after `prompt` (not repeated); the sample depends only
    on (prompt, seed, settings)."""
    check_text_run(run, "generate")
    check_generation(max_new_tokens, temperature, top_k)
    yield from run.model.stream(prompt, max_new_tokens, temperature=temperature, top_k=top_k, seed=seed,
                                use_cache=use_cache)


@dataclass
class Generated:
    """One finished sample: its seed, text (without the prompt) and speed."""
    seed: int
    text: str
    seconds: float

    @property
    def chars_per_s(self) -> float:
        return len(self.text) / max(self.seconds, 1e-9)


def generate_samples(run: Run, prompt: str = "\n", *, n: int = 1, seed: int = 0, max_new_tokens: int = 500,
                     temperature: float = 0.8, top_k: int | None = None, use_cache: bool = True,
                     on_text=None) -> list[Generated]:
    """n samples, sample i from seed + i; `on_text(i, piece)` is called with every character as it comes."""
    check_generation(max_new_tokens, temperature, top_k, n)
    out = []
    for i in range(n):
        start, pieces = time.perf_counter(), []
        for piece in generate_text(run, prompt, max_new_tokens=max_new_tokens, temperature=temperature, top_k=top_k,
                                   seed=seed + i, use_cache=use_cache):
            pieces.append(piece)
            if on_text is not None:
                on_text(i, piece)
        out.append(Generated(seed=seed + i, text="".join(pieces), seconds=time.perf_counter() - start))
    return out


def evaluate_text(run: Run, names: list[str], *, n: int | None = None, seed: int = 0, progress: bool = True) -> dict:
    """The text protocols `names` (val_bpc, distinct_n, copy8) on a language-model run's own corpus and split."""
    from genlab.data.text import load_corpus
    from genlab.metrics.protocols import parse_protocols
    from genlab.metrics.text import TextEval

    check_text_run(run, "these protocols")
    protos = parse_protocols(names, kind="text")
    data = run.config.data
    ctx = TextEval(model=run.model, corpus=load_corpus(data.name, data.path), n=n, seed=seed, progress=progress)
    results: dict = {}
    for p in protos:
        results.update(p.run(ctx))
    results["corpus"] = data.name
    return results
