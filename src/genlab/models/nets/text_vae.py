"""The text VAE of Bowman et al. 2016 ("Generating Sentences from a Continuous Space"): an LSTM encoder to
q(z|x) = N(mu, diag sigma^2), and an LSTM decoder that starts from a state computed from z and sees z
beside every input character. Two extra input tokens: BOS (start) and UNK (a dropped input character).
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

LSTMState = tuple[Tensor, Tensor]


class TextVAENet(nn.Module):
    """encode: tokens (B, T) -> (mu, logvar) (B, latent_dim); decode: inputs (B, T), z -> logits (B, T, V)."""

    limited_context = False

    def __init__(self, *, vocab_size: int, block_size: int, latent_dim: int = 32, hidden: int = 256,
                 n_embd: int = 64):
        super().__init__()
        self.vocab_size, self.block_size, self.latent_dim = vocab_size, block_size, latent_dim
        self.bos, self.unk = vocab_size, vocab_size + 1
        self.embed = nn.Embedding(vocab_size + 2, n_embd)
        self.encoder = nn.LSTM(n_embd, hidden, batch_first=True)
        self.to_stats = nn.Linear(hidden, 2 * latent_dim)
        self.z_to_state = nn.Linear(latent_dim, hidden)
        self.decoder = nn.LSTM(n_embd + latent_dim, hidden, batch_first=True)
        self.head = nn.Linear(hidden, vocab_size)

    def encode(self, x: Tensor) -> tuple[Tensor, Tensor]:
        _, (h, _) = self.encoder(self.embed(x))
        mu, logvar = self.to_stats(h[-1]).chunk(2, dim=-1)
        return mu, logvar

    def decode(self, inputs: Tensor, z: Tensor, state: LSTMState | None = None) -> tuple[Tensor, LSTMState]:
        """Logits after each input token given z, continuing `state` (None: the start, from z)."""
        if state is None:
            h0 = torch.tanh(self.z_to_state(z))[None]
            state = (h0, torch.zeros_like(h0))
        e = self.embed(inputs)
        out, state = self.decoder(torch.cat([e, z[:, None].expand(-1, e.shape[1], -1)], dim=-1), state)
        return self.head(out), state

    def forward(self, x: Tensor) -> Tensor:
        """Teacher-forced logits of x (B, T) from its posterior mean: (B, T, V)."""
        mu, _ = self.encode(x)
        return self.decode(self.shift(x), mu)[0]

    def shift(self, x: Tensor) -> Tensor:
        """The decoder's inputs for targets x: BOS, x_1 .. x_{T-1}."""
        return torch.cat([torch.full_like(x[:, :1], self.bos), x[:, :-1]], dim=1)
