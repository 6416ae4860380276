"""A text VAE (Bowman et al. 2016) on character windows: LSTM encoder and decoder, KL annealing and
character dropout (their "word dropout", at the character level), so that the decoder must use z.

Loss per window x of T characters: -log p(x|z) + beta(step) KL(q(z|x) || N(0, I)), z ~ q(z|x) (one
sample), divided by T; beta rises linearly from 0 to 1 over kl_anneal_steps (Bowman et al., section 3.1).
With free_bits = lambda > 0 the KL term is sum_d max(lambda, KL_d), KL_d the batch mean of latent
dimension d's KL (the "free bits" of Kingma et al. 2016, per dimension over the batch): a dimension pays
nothing for its first lambda nats, so the optimiser has no reason to shut it, which keeps a strong
character decoder from collapsing the posterior. The reported kl is always the true KL.
The step count is a buffer of the model, so a resumed run continues the annealing exactly.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterator

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from genlab.errors import ConfigError
from genlab.models.family import EvalMode, Family, Update
from genlab.models.lm import LM, pick_next
from genlab.models.nets.text_vae import TextVAENet


@dataclass
class TextVAEConfig:
    latent_dim: int = 32             # size of z
    hidden: int = 256                # LSTM units of the encoder and the decoder
    n_embd: int = 64                 # character embedding size
    lr: float = 1e-3                 # Adam learning rate
    kl_anneal_steps: int = 2000      # beta rises linearly from 0 to 1 over these steps
    char_dropout: float = 0.25       # probability that a decoder input character is replaced by UNK
    free_bits: float = 0.0           # nats per latent dimension that the KL term does not charge (0: off)
    preview_chars: int = 200         # characters of each prior sample in samples/step_N.txt

    def validate(self) -> None:
        if self.kl_anneal_steps < 0:
            raise ConfigError(f"model.kl_anneal_steps must be >= 0, got {self.kl_anneal_steps}")
        if not 0 <= self.char_dropout < 1:
            raise ConfigError(f"model.char_dropout must be in [0, 1), got {self.char_dropout}")
        if self.free_bits < 0:
            raise ConfigError(f"model.free_bits must be >= 0 nats per latent dimension, got {self.free_bits}")
        if self.preview_chars < 1:
            raise ConfigError(f"model.preview_chars must be >= 1, got {self.preview_chars}")


def gaussian_kl(mu: Tensor, logvar: Tensor) -> Tensor:
    """KL(N(mu, e^logvar) || N(0, I)) per row (B,); Kingma & Welling 2014, appendix B."""
    return gaussian_kl_per_dim(mu, logvar).sum(-1)


def gaussian_kl_per_dim(mu: Tensor, logvar: Tensor) -> Tensor:
    """The same KL per latent dimension, (B, D)."""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar)


def free_bits_kl(mu: Tensor, logvar: Tensor, free_bits: float) -> Tensor:
    """sum_d max(free_bits, mean_batch KL_d): the KL charged with free bits (equals the mean KL when 0)."""
    per_dim = gaussian_kl_per_dim(mu, logvar).mean(0)
    return per_dim.clamp(min=free_bits).sum() if free_bits > 0 else per_dim.sum()


class TextVAE(Family):
    """Bowman et al.'s sentence VAE over the corpus' characters."""

    Config = TextVAEConfig
    modality = "text"
    encode_text, decode = LM.encode, LM.decode  # the same vocabulary policy as the language models

    def __init__(self, cfg: TextVAEConfig, *, vocab: str | None = None, seq_len: int | None = None, **image_interface):
        super().__init__()
        if vocab is None or seq_len is None:
            raise ConfigError("the textvae family trains on a text corpus (data.name: shakespeare, fortunes or text)")
        cfg.validate()
        self.cfg, self.vocab, self.seq_len, self.latent_dim = cfg, vocab, seq_len, cfg.latent_dim
        self.index = {c: i for i, c in enumerate(vocab)}
        self.net = TextVAENet(vocab_size=len(vocab), block_size=seq_len, latent_dim=cfg.latent_dim,
                              hidden=cfg.hidden, n_embd=cfg.n_embd)
        self.register_buffer("steps_done", torch.zeros((), dtype=torch.int64))

    def encode(self, text: str) -> Tensor:
        return self.encode_text(text)

    def trainable(self) -> dict[str, nn.Module]:
        return {"net": self.net}

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"net": torch.optim.Adam(self.net.parameters(), lr=self.cfg.lr)}

    def beta(self) -> float:
        """The KL weight now: steps_done / kl_anneal_steps, at most 1."""
        return 1.0 if not self.cfg.kl_anneal_steps else min(1.0, int(self.steps_done) / self.cfg.kl_anneal_steps)

    def train_step(self, batch: dict[str, Tensor], nets: dict[str, nn.Module], update: Update) -> dict[str, float]:
        x = batch["tokens"][:, :-1]  # (B, T)
        net = nets["net"]
        # 1. q(z|x) and one reparameterised sample
        mu, logvar = net.encode(x)
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
        # 2. the decoder on BOS + x with characters dropped to UNK (Bowman et al.'s word dropout)
        inputs = self.net.shift(x)
        dropped = torch.rand(inputs.shape, device=x.device) < self.cfg.char_dropout
        dropped[:, 0] = False
        logits, _ = net.decode(inputs.masked_fill(dropped, self.net.unk), z)
        rec = F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), x.reshape(-1), reduction="sum") / len(x)
        kl = gaussian_kl(mu, logvar).mean()
        charged = free_bits_kl(mu, logvar, self.cfg.free_bits)
        # 3. the annealed objective, per character
        beta = self.beta()
        update((rec + beta * charged) / x.shape[1], "net")
        self.steps_done += 1
        return {"loss": (rec + kl).item() / x.shape[1], "rec_per_char": rec.item() / x.shape[1],
                "kl": kl.item(), "beta": beta}

    # -- likelihoods ------------------------------------------------------------------------------------
    @torch.no_grad()
    def elbo(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        """The ELBO of each window x (B, T) in nats (one sample of z), (B,); eval mode, no dropout."""
        with EvalMode(self):
            mu, logvar = self.net.encode(x)
            z = mu + torch.randn(mu.shape, generator=generator, device=mu.device) * (0.5 * logvar).exp()
            return -self._nll_given(x, z) - gaussian_kl(mu, logvar)

    @torch.no_grad()
    def log_likelihood(self, x: Tensor, k: int = 100, generator: torch.Generator | None = None) -> Tensor:
        """The importance-sampled bound log 1/k sum_i p(x, z_i) / q(z_i|x), z_i ~ q(z|x) (Burda et al. 2016), (B,)."""
        with EvalMode(self):
            mu, logvar = self.net.encode(x)
            std = (0.5 * logvar).exp()
            terms = []
            for _ in range(k):
                eps = torch.randn(mu.shape, generator=generator, device=mu.device)
                z = mu + eps * std
                log_q = (-0.5 * eps.pow(2) - 0.5 * logvar - 0.5 * math.log(2 * math.pi)).sum(-1)
                log_p = (-0.5 * z.pow(2) - 0.5 * math.log(2 * math.pi)).sum(-1)
                terms.append(-self._nll_given(x, z) + log_p - log_q)
            return torch.logsumexp(torch.stack(terms), dim=0) - math.log(k)

    def _nll_given(self, x: Tensor, z: Tensor) -> Tensor:
        logits, _ = self.net.decode(self.net.shift(x), z)
        return F.cross_entropy(logits.transpose(1, 2).float(), x, reduction="none").sum(-1)

    @torch.no_grad()
    def posterior_means(self, x: Tensor) -> Tensor:
        with EvalMode(self):
            return self.net.encode(x)[0]

    # -- generation ------------------------------------------------------------------------------------
    def prior(self, n: int, generator: torch.Generator | None = None, device=None) -> Tensor:
        return torch.randn(n, self.latent_dim, generator=generator, device=device)

    @torch.no_grad()
    def decode_text(self, z: Tensor, n: int, prompt: Tensor | None = None, temperature: float = 0.0,
                    top_k: int | None = None, generator: torch.Generator | None = None) -> Iterator[Tensor]:
        """Yield n next tokens (B,) of the decoder given z (B, latent), after BOS and the prompt (B, T0)."""
        with EvalMode(self):
            inputs = torch.full((len(z), 1), self.net.bos, dtype=torch.int64, device=z.device)
            if prompt is not None:
                inputs = torch.cat([inputs, prompt], dim=1)
            logits, state = self.net.decode(inputs, z)
            for _ in range(n):
                nxt = pick_next(logits[:, -1], temperature, top_k, generator)
                yield nxt
                logits, state = self.net.decode(nxt[:, None], z, state)

    def stream(self, prompt: str, max_new_tokens: int, *, temperature: float = 0.8, top_k: int | None = None,
               seed: int = 0, use_cache: bool = True) -> Iterator[str]:
        """Characters after `prompt` from a z drawn from the prior with `seed`."""
        device = next(self.parameters()).device
        idx = self.encode(prompt).to(device)[None] if prompt else None
        g = torch.Generator(device=device).manual_seed(seed)
        z = self.prior(1, generator=g, device=device)
        for token in self.decode_text(z, max_new_tokens, idx, temperature, top_k, g):
            yield self.vocab[int(token[0])]

    def interpolate(self, start: str, end: str, steps: int) -> list[str]:
        """Greedy decodes along the line between the posterior means of two texts (Bowman et al., table 8)."""
        a, b = (self.posterior_means(self.encode(t)[None]) for t in (start, end))
        length = max(len(start), len(end))
        out = []
        for t in torch.linspace(0, 1, steps).tolist():
            tokens = torch.cat(list(self.decode_text((1 - t) * a + t * b, length)))
            out.append(self.decode(tokens.tolist()))
        return out

    def preview_inputs(self, batch: dict[str, Tensor], generator: torch.Generator) -> dict[str, Tensor]:
        return {"z": self.prior(3, generator=generator).to(batch["tokens"].device)}

    def preview(self, fixed: dict[str, Tensor]) -> str:
        """Three greedy decodes of fixed prior samples."""
        rows = torch.stack(list(self.decode_text(fixed["z"], self.cfg.preview_chars)), dim=1)
        return "\n\n".join(f"--- z{i} ---\n{self.decode(r.tolist())}" for i, r in enumerate(rows))
