"""Errors a user can act on. The CLI prints their message and exits non-zero, without a traceback."""
from __future__ import annotations

import difflib
import errno
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


class UsageError(GenlabError):
    """A command line that cannot be parsed: one line, and where to read the usage."""


def suggest(name: str, known: Iterable[str]) -> str:
    """' (did you mean X?)' when a known name is close to `name`, else ''."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def unknown(kind: str, name: str, known: Iterable[str]) -> str:
    """The message for an unknown name: "dataset 'mnst' is unknown (did you mean 'mnist'?); known: ..."."""
    known = sorted(known)
    return f"{kind} '{name}' is unknown{suggest(name, known)}; known: {', '.join(known)}"


# errors of the machine, not of genlab: a full disk, a read-only folder
_ENVIRONMENT_ERRNOS = {errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EMFILE}


def describe_error(exc: BaseException) -> tuple[int, str]:
    """(exit code, one-line message) for an exception that reached the CLI."""
    if isinstance(exc, GenlabError):
        return 2, _one_line(str(exc))
    if isinstance(exc, OSError) and exc.errno in _ENVIRONMENT_ERRNOS:
        where = f" '{exc.filename}'" if exc.filename else ""
        return 2, f"{exc.strerror or exc}{where}"
    if isinstance(exc, MemoryError) or type(exc).__name__ == "OutOfMemoryError":
        return 2, f"out of memory ({type(exc).__name__}); use fewer images, a smaller --batch-size or a smaller model"
    detail = _one_line(str(exc))[:300]
    return 1, (f"unexpected {type(exc).__name__}: {detail} -- this is a bug in genlab; run again with --debug "
               "for the traceback and report it")


def _one_line(text: str) -> str:
    return " ".join(text.split())
