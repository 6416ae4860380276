"""A character-level LSTM language model (Karpathy's char-rnn, 2015): embedding -> stacked LSTM -> logits."""
from __future__ import annotations

from torch import Tensor, nn

LSTMState = tuple[Tensor, Tensor]  # h, c: (n_layer, B, hidden)


class CharLSTM(nn.Module):
    """Tokens (B, T) -> next-token logits (B, T, vocab_size); no context limit (the state carries it)."""

    def __init__(self, *, vocab_size: int, block_size: int, n_layer: int = 2, hidden: int = 256, n_embd: int = 64,
                 dropout: float = 0.0):
        super().__init__()
        self.block_size = block_size  # the training window; generation may run past it
        self.embed = nn.Embedding(vocab_size, n_embd)
        self.lstm = nn.LSTM(n_embd, hidden, num_layers=n_layer, batch_first=True,
                            dropout=dropout if n_layer > 1 else 0.0)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, vocab_size)

    def forward(self, idx: Tensor) -> Tensor:
        return self.step(idx, None)[0]

    def step(self, idx: Tensor, state: LSTMState | None) -> tuple[Tensor, LSTMState]:
        """Logits for `idx` (B, T) after `state`, and the state after them."""
        out, state = self.lstm(self.embed(idx), state)
        return self.head(self.drop(out)), state

    def context(self, state: LSTMState | None) -> int:
        """0: an LSTM's state never needs to slide."""
        return 0
