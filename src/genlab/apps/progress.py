"""Progress and cancellation for the applications: plain callables, so the CLI, a notebook and the
studio can each watch and stop long work their own way.

progress(done, total) is called as work advances; cancel() returning True stops the work at the next
check with Cancelled (a GenlabError), leaving nothing half-written.
"""
from __future__ import annotations

from typing import Callable

from genlab.errors import GenlabError

Progress = Callable[[int, int], None]
Cancel = Callable[[], bool]


class Cancelled(GenlabError):
    """The caller asked the work to stop."""


def step(done: int, total: int, progress: Progress | None = None, cancel: Cancel | None = None) -> None:
    """Report `done` of `total` and stop with Cancelled when cancel() says so."""
    if cancel is not None and cancel():
        raise Cancelled(f"cancelled after {done} of {total}")
    if progress is not None:
        progress(done, total)
