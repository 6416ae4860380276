"""Errors a user can act on. The CLI prints their message and exits non-zero, without a traceback."""
from __future__ import annotations

import difflib
from typing import Iterable


class GenlabError(Exception):
    """Base class: a one-line message that names the bad value and what was expected."""


class ConfigError(GenlabError):
    """A config key, value or preset is wrong."""


class DataError(GenlabError):
    """A dataset is unknown, missing, truncated or unreadable."""


class ChecksumError(DataError):
    """A fetched or cached file does not have the expected checksum."""


class CheckpointError(GenlabError):
    """A run or checkpoint folder is missing or inconsistent."""


class TrainingError(GenlabError):
    """Training cannot go on (a NaN loss, for example)."""


def suggest(name: str, known: Iterable[str]) -> str:
    """' (did you mean X?)' when a known name is close to `name`, else ''."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def unknown(kind: str, name: str, known: Iterable[str]) -> str:
    """The message for an unknown name: "dataset 'mnst' is unknown (did you mean 'mnist'?); known: ..."."""
    known = sorted(known)
    return f"{kind} '{name}' is unknown{suggest(name, known)}; known: {', '.join(known)}"
