"""Language models on characters: a net from NETS ("gpt", "char-lstm") trained on next-character prediction.

The data side gives {"tokens": (B, T + 1)} windows; the loss is the mean cross-entropy of characters 2..T+1
given the ones before (nats/char; /ln 2 for bits/char). AdamW (weight decay on matrices only, as nanoGPT)
with a linear warm-up and a cosine decay to min_lr_ratio x lr; gradient clipping is train.grad_clip.
Generation samples one character at a time (temperature, top-k), with the net's KV cache or LSTM state.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterator

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from genlab.errors import ConfigError, GenlabError
from genlab.models.family import EvalMode, Family, Update
from genlab.models.nets import NETS


@dataclass
class LMConfig:
    net: str = "gpt"                 # gpt | char-lstm (models/nets)
    net_args: dict = field(default_factory=dict)  # gpt: n_layer, n_head, n_embd, dropout, bias; char-lstm: n_layer, hidden, n_embd, dropout
    lr: float = 1e-3                 # peak AdamW learning rate
    beta1: float = 0.9               # AdamW beta1
    beta2: float = 0.99              # AdamW beta2 (nanoGPT's shakespeare_char: 0.99)
    weight_decay: float = 0.1        # AdamW weight decay on weight matrices and embeddings (not biases, norms)
    warmup_steps: int = 100          # linear warm-up from lr/(warmup+1) to lr
    decay_steps: int | None = None   # cosine decay to min_lr_ratio x lr by this step (None: train.steps; else constant)
    min_lr_ratio: float = 0.1        # the learning rate at the end of the decay, as a fraction of lr
    preview_chars: int = 300         # characters generated for each samples/step_N.txt

    def validate(self) -> None:
        lm_nets = [n for n, parts in NETS.items() if "lm" in parts]
        if self.net not in lm_nets:
            raise ConfigError(f"model.net '{self.net}' is not a language model net; known: {', '.join(lm_nets)}")
        if self.warmup_steps < 0:
            raise ConfigError(f"model.warmup_steps must be >= 0, got {self.warmup_steps}")
        if self.decay_steps is not None and self.decay_steps < 1:
            raise ConfigError(f"model.decay_steps must be >= 1 (or null), got {self.decay_steps}")
        if not 0 <= self.min_lr_ratio <= 1:
            raise ConfigError(f"model.min_lr_ratio must be in [0, 1], got {self.min_lr_ratio}")
        if self.weight_decay < 0:
            raise ConfigError(f"model.weight_decay must be >= 0, got {self.weight_decay}")
        if self.preview_chars < 1:
            raise ConfigError(f"model.preview_chars must be >= 1, got {self.preview_chars}")


def pick_next(logits: Tensor, temperature: float, top_k: int | None, generator: torch.Generator | None) -> Tensor:
    """Next tokens (B,) from last-position logits (B, V): argmax at temperature 0, else a sample of
    softmax(logits / temperature) restricted to the top_k most likely tokens."""
    if temperature == 0:
        return logits.argmax(dim=-1)
    logits = logits.float() / temperature
    if top_k is not None and top_k < logits.shape[-1]:
        kth = torch.topk(logits, top_k, dim=-1).values[:, -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    return torch.multinomial(F.softmax(logits, dim=-1), 1, generator=generator)[:, 0]


class LM(Family):
    """A character-level language model (GPT or LSTM) over the corpus' vocabulary."""

    Config = LMConfig
    modality = "text"

    def __init__(self, cfg: LMConfig, *, vocab: str | None = None, seq_len: int | None = None, **image_interface):
        super().__init__()
        if vocab is None or seq_len is None:
            raise ConfigError("the lm family trains on a text corpus (data.name: shakespeare, fortunes or text), "
                              "not on images")
        cfg.validate()
        self.cfg, self.vocab, self.seq_len = cfg, vocab, seq_len
        self.index = {c: i for i, c in enumerate(vocab)}
        self.net = NETS[cfg.net]["lm"](vocab_size=len(vocab), block_size=seq_len, **cfg.net_args)

    # -- training -------------------------------------------------------------------------------------
    def trainable(self) -> dict[str, nn.Module]:
        return {"net": self.net}

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        params = dict(self.net.named_parameters())  # a tied weight appears once
        decay = [p for p in params.values() if p.dim() >= 2]
        no_decay = [p for p in params.values() if p.dim() < 2]
        groups = [{"params": decay, "weight_decay": self.cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
        self.optimizer = torch.optim.AdamW(groups, lr=self.cfg.lr, betas=(self.cfg.beta1, self.cfg.beta2))
        return {"net": self.optimizer}

    def lr_multiplier(self, step: int, total_steps: int | None) -> float:
        """Linear warm-up over warmup_steps, then a cosine from 1 to min_lr_ratio by decay_steps (nanoGPT)."""
        warmup, floor = self.cfg.warmup_steps, self.cfg.min_lr_ratio
        if step < warmup:
            return (step + 1) / (warmup + 1)
        end = self.cfg.decay_steps or total_steps
        if end is None:
            return 1.0
        if step >= end:
            return floor
        progress = (step - warmup) / max(1, end - warmup)
        return floor + 0.5 * (1 + math.cos(math.pi * progress)) * (1 - floor)

    def loss(self, tokens: Tensor, net: nn.Module | None = None) -> Tensor:
        """Mean cross-entropy (nats/char) of tokens[:, 1:] given the ones before; tokens (B, T + 1)."""
        logits = (net or self.net)(tokens[:, :-1])  # (B, T, V)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), tokens[:, 1:].reshape(-1))

    def train_step(self, batch: dict[str, Tensor], nets: dict[str, nn.Module], update: Update) -> dict[str, float]:
        # 1. next-character cross-entropy on the window
        loss = self.loss(batch["tokens"], nets["net"])
        # 2. AdamW step (the loop clips the gradient norm to train.grad_clip)
        lr = self.optimizer.param_groups[0]["lr"]
        update(loss, "net")
        return {"loss": loss.item(), "bpc": loss.item() / math.log(2), "lr": lr}

    # -- text -----------------------------------------------------------------------------------------
    def encode(self, text: str) -> Tensor:
        """Characters -> (len,) int64 ids; GenlabError naming every character outside the vocabulary."""
        missing = sorted({c for c in text if c not in self.index})
        if missing:
            shown = ", ".join(repr(c) for c in missing[:10]) + (" ..." if len(missing) > 10 else "")
            raise GenlabError(f"the prompt has {len(missing)} character(s) outside the model's vocabulary: {shown}; "
                              f"remove or replace them (the vocabulary has {len(self.vocab)} characters)")
        return torch.tensor([self.index[c] for c in text], dtype=torch.int64)

    def decode(self, ids) -> str:
        """Token ids (any iterable of ints) -> text."""
        return "".join(self.vocab[int(i)] for i in ids)

    @torch.inference_mode()  # lighter than no_grad: no version counters on the per-token tensors
    def generate_tokens(self, idx: Tensor, max_new_tokens: int, *, temperature: float = 1.0, top_k: int | None = None,
                        generator: torch.Generator | None = None, use_cache: bool = True) -> Iterator[Tensor]:
        """Yield max_new_tokens next tokens (B,) one at a time after the prompt idx (B, T0), in eval mode.

        A GPT sees at most seq_len positions: without the cache the window slides by one token each step;
        with it, when the cache is full, the last seq_len // 2 tokens are encoded afresh and the cache
        grows from there (so each token still sees between seq_len / 2 and seq_len positions).
        """
        with EvalMode(self):
            limit = self.seq_len if getattr(self.net, "limited_context", False) else None
            history = idx if limit is None else idx[:, -limit:]
            if not use_cache:
                for _ in range(max_new_tokens):
                    window = history if limit is None else history[:, -limit:]
                    nxt = pick_next(self.net(window)[:, -1], temperature, top_k, generator)
                    history = torch.cat([history, nxt[:, None]], dim=1)
                    yield nxt
                return
            logits, state = self.net.step(history, None)
            for i in range(max_new_tokens):
                nxt = pick_next(logits[:, -1], temperature, top_k, generator)
                yield nxt
                if i == max_new_tokens - 1:
                    break
                history = torch.cat([history, nxt[:, None]], dim=1)
                if limit is not None and self.net.context(state) >= limit:
                    logits, state = self.net.step(history[:, -max(1, limit // 2):], None)
                else:
                    logits, state = self.net.step(nxt[:, None], state)

    def stream(self, prompt: str, max_new_tokens: int, *, temperature: float = 0.8, top_k: int | None = None,
               seed: int = 0, use_cache: bool = True) -> Iterator[str]:
        """Yield the characters generated after `prompt` one at a time; they depend only on (prompt, seed,
        settings). Characters outside the vocabulary are refused (GenlabError naming them)."""
        if not prompt:
            raise GenlabError("the prompt is empty; give at least one character (e.g. a newline)")
        device = next(self.parameters()).device
        idx = self.encode(prompt).to(device)[None]  # (1, T0)
        generator = torch.Generator(device=device).manual_seed(seed)
        for token in self.generate_tokens(idx, max_new_tokens, temperature=temperature, top_k=top_k,
                                          generator=generator, use_cache=use_cache):
            yield self.vocab[int(token[0])]

    # -- the run's samples ----------------------------------------------------------------------------
    def preview_inputs(self, batch: dict[str, Tensor], generator: torch.Generator) -> dict[str, Tensor]:
        """The first 32 characters of the first validation window as the prompt, and a sampling seed."""
        prompt = batch["tokens"][:1, :min(32, batch["tokens"].shape[1])]
        return {"prompt": prompt, "seed": torch.randint(0, 2**31, (1,), generator=generator).to(prompt.device)}

    def preview(self, fixed: dict[str, Tensor]) -> str:
        prompt = fixed["prompt"]
        g = torch.Generator(device=prompt.device).manual_seed(int(fixed["seed"][0]))
        new = [int(t[0]) for t in self.generate_tokens(prompt, self.cfg.preview_chars, temperature=0.8,
                                                       generator=g)]
        return self.decode(prompt[0].tolist()) + self.decode(new)
