"""Batches drawn by index from an in-memory dataset, in an order that depends only on (seed, epoch).

The whole state is the position (epoch, index), so a resumed run draws exactly the batches an
uninterrupted one would. Incomplete last batches are dropped, as most GAN code does.
"""
from __future__ import annotations

import torch


class BatchOrder:
    def __init__(self, n: int, batch_size: int, seed: int):
        if batch_size > n:
            raise ValueError(f"batch size {batch_size} is larger than the dataset ({n} images)")
        self.n, self.batch_size, self.seed = n, batch_size, seed
        self.batches_per_epoch = n // batch_size
        self.epoch, self.index = 0, 0
        self._perm_epoch, self._perm = -1, None

    def _permutation(self) -> torch.Tensor:
        if self._perm_epoch != self.epoch:
            g = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch)
            self._perm, self._perm_epoch = torch.randperm(self.n, generator=g), self.epoch
        return self._perm

    def next(self) -> torch.Tensor:
        """Indices of the next batch, (batch_size,) int64 on the CPU."""
        start = self.index * self.batch_size
        idx = self._permutation()[start:start + self.batch_size]
        self.index += 1
        if self.index == self.batches_per_epoch:
            self.epoch, self.index = self.epoch + 1, 0
        return idx

    @property
    def epochs_done(self) -> float:
        return self.epoch + self.index / self.batches_per_epoch

    def state(self) -> dict:
        return {"epoch": self.epoch, "index": self.index, "seed": self.seed, "batch_size": self.batch_size, "n": self.n}

    def load_state(self, state: dict) -> None:
        if (state["n"], state["batch_size"]) != (self.n, self.batch_size):
            raise ValueError(f"data position was saved for {state['n']} images in batches of {state['batch_size']}, "
                             f"but this run has {self.n} images in batches of {self.batch_size}")
        self.epoch, self.index, self.seed = state["epoch"], state["index"], state["seed"]
