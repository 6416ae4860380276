"""Language-model measurements: validation loss per character, and the quality of generated text.

    val_bpc    cross-entropy of every validation character given the ones before it in its window (the
               run's context, non-overlapping windows), in nats/char and bits/char (= nats / ln 2)
    distinct_n distinct-1/2/3 (Li et al. 2016): unique / total word n-grams over the generated samples
    copy8      the fraction of the samples' word 8-grams found verbatim in the training text (memorisation)

Words are maximal runs of non-space characters. The samples are fixed by the protocol: SAMPLES texts of
SAMPLE_CHARS characters at temperature 1 (the model's own distribution), no top-k, each after a newline,
sample i from seed + i.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from tqdm import tqdm

SAMPLES, SAMPLE_CHARS = 10, 500


def val_loss(model, tokens: torch.Tensor, *, batch_size: int = 32, progress: bool = False) -> dict:
    """Mean cross-entropy of tokens[1:] (N,) given the ones before in windows of model.seq_len, in eval mode."""
    if len(tokens) < 2:
        return {"val_nats_per_char": float("nan"), "val_bits_per_char": float("nan"), "val_chars": 0}
    T = model.seq_len
    device = next(model.parameters()).device
    starts = list(range(0, len(tokens) - 1, T))
    total, count = 0.0, 0
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            full = [s for s in starts if s + T + 1 <= len(tokens)]
            for i in tqdm(range(0, len(full), batch_size), disable=not progress, desc="val_bpc", unit="batch"):
                chunk = full[i:i + batch_size]
                windows = torch.stack([tokens[s:s + T + 1] for s in chunk]).to(device)
                total += _summed_ce(model, windows)
                count += windows.shape[0] * T
            for s in starts[len(full):]:  # the tail, shorter than a window
                window = tokens[s:].to(device)[None]
                total += _summed_ce(model, window)
                count += window.shape[1] - 1
    finally:
        model.train(was_training)
    nats = total / count
    return {"val_nats_per_char": nats, "val_bits_per_char": nats / math.log(2), "val_chars": count}


def _summed_ce(model, windows: torch.Tensor) -> float:
    logits = model.net(windows[:, :-1])
    return float(F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), windows[:, 1:].reshape(-1),
                                 reduction="sum"))


def word_ngrams(text: str, n: int) -> list[tuple[str, ...]]:
    """The word n-grams of `text`, in order."""
    words = text.split()
    return [tuple(words[i:i + n]) for i in range(len(words) - n + 1)]


def distinct_n(texts: list[str], n: int) -> float:
    """Unique word n-grams / all word n-grams over `texts` (nan when there are none)."""
    grams = [g for t in texts for g in word_ngrams(t, n)]
    return len(set(grams)) / len(grams) if grams else float("nan")


def copied_fraction(texts: list[str], reference: str, n: int = 8) -> float:
    """The fraction of the texts' word n-grams that occur verbatim in `reference` (nan when there are none)."""
    grams = [g for t in texts for g in word_ngrams(t, n)]
    if not grams:
        return float("nan")
    known = {hash(g) for g in word_ngrams(reference, n)}
    return sum(hash(g) in known for g in grams) / len(grams)


@dataclass
class TextEval:
    """What the text protocols measure: a language model, its corpus, and samples generated once."""
    model: object
    corpus: object  # data.text.TextCorpus
    n: int | None = None  # the first n validation characters only
    seed: int = 0
    progress: bool = False
    _samples: list[str] | None = field(default=None, repr=False)

    @property
    def samples(self) -> list[str]:
        if self._samples is None:
            it = tqdm(range(SAMPLES), disable=not self.progress, desc="samples", unit="sample")
            self._samples = ["".join(self.model.stream("\n", SAMPLE_CHARS, temperature=1.0, seed=self.seed + i))
                             for i in it]
        return self._samples


def run_val_bpc(ctx: TextEval) -> dict:
    """val_bpc on the validation split (its first ctx.n characters when given)."""
    if not hasattr(ctx.model, "generate_tokens"):
        from genlab.errors import GenlabError
        raise GenlabError("val_bpc measures language models (family lm); measure a textvae run with text_nll")
    val = ctx.corpus.val[:ctx.n] if ctx.n else ctx.corpus.val
    return val_loss(ctx.model, ctx.model.encode(val), progress=ctx.progress)


def run_distinct_n(ctx: TextEval) -> dict:
    return {f"distinct_{k}": distinct_n(ctx.samples, k) for k in (1, 2, 3)}


def run_copy8(ctx: TextEval) -> dict:
    return {"copied_8grams": copied_fraction(ctx.samples, ctx.corpus.train, 8),
            "generated_8grams": sum(len(word_ngrams(t, 8)) for t in ctx.samples)}


NLL_WINDOWS, NLL_K = 100, 100


def run_text_nll(ctx: TextEval) -> dict:
    """On the first NLL_WINDOWS validation windows of the run's length: for a text VAE the ELBO, the
    importance-sampled bound with k = NLL_K and the active units (Burda et al. 2016: Cov_x E_q[z_u] > 0.01);
    for a language model its exact NLL of the same windows. All in nats per character."""
    T = ctx.model.seq_len
    val = ctx.model.encode(ctx.corpus.val)
    n = min(NLL_WINDOWS, len(val) // T)
    windows = val[:n * T].view(n, T).to(next(ctx.model.parameters()).device)
    if hasattr(ctx.model, "generate_tokens"):  # a language model: the first character of a window has no context
        nats = val_loss(ctx.model, val[:n * T + 1])["val_nats_per_char"]
        return {"nll_per_char": nats, "nll_windows": n}
    g = torch.Generator(device=windows.device).manual_seed(ctx.seed)
    elbo = torch.cat([ctx.model.elbo(w, generator=g) for w in windows.split(25)])
    bound = torch.cat([ctx.model.log_likelihood(w, k=NLL_K, generator=g) for w in windows.split(25)])
    mu = torch.cat([ctx.model.posterior_means(w) for w in windows.split(25)])
    active = int((mu.var(dim=0) > 0.01).sum())
    return {"elbo_per_char": float(elbo.mean()) / T, "nll_per_char": -float(bound.mean()) / T,
            "nll_k": NLL_K, "nll_windows": n, "active_units": active, "latent_dim": mu.shape[1]}
