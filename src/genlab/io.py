"""Atomic file writes and the cache folder: a crash never leaves a half-written file behind."""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()  # what open() would give; mkstemp alone gives 0600


def cache_dir() -> Path:
    """genlab's cache: $GENLAB_HOME, default ~/.cache/genlab. Created on demand."""
    root = Path(os.environ.get("GENLAB_HOME") or Path.home() / ".cache" / "genlab")
    root.mkdir(parents=True, exist_ok=True)
    return root


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temp path in the same folder; on success it replaces `path` in one step."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, _FILE_MODE)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_text(path: str | os.PathLike, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_json(path: str | os.PathLike, obj: Any) -> None:
    write_text(path, json.dumps(obj, indent=2, sort_keys=False) + "\n")


def read_json(path: str | os.PathLike) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def read_manifest(path: str | os.PathLike, required: Iterable[str]) -> dict[str, str] | None:
    """A cache's manifest (a JSON object written last, so its presence means the cache is complete) when it
    names every `required` entry; None when it is missing, damaged or incomplete (the cache gets rebuilt)."""
    try:
        manifest = read_json(path)
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and all(n in manifest for n in required) else None


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


# -- checked paths and files ----------------------------------------------------------------------------

def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _check_parents(path: Path, what: str) -> None:
    """Every existing ancestor of `path` is a folder and the nearest one is writable."""
    from genlab.errors import GenlabError

    for parent in path.parents:
        if parent.exists() and not parent.is_dir():
            raise GenlabError(f"{what} '{path}' cannot be written: '{parent}' is a file, not a folder")
    base = _nearest_existing(path.parent)
    if not os.access(base, os.W_OK | os.X_OK):
        raise GenlabError(f"{what} '{path}' cannot be written: folder '{base}' is not writable")


def check_output_file(path: str | os.PathLike, what: str = "--out") -> Path:
    """Check that a file can be written at `path` (not a folder, parent a writable folder) before work starts."""
    from genlab.errors import GenlabError

    path = Path(path)
    if str(path).strip() == "":
        raise GenlabError(f"{what} is empty; expected a file name")
    if path.is_dir():
        raise GenlabError(f"{what} '{path}' is a folder; expected a file name (e.g. {path / 'out.png'})")
    if path.exists() and not os.access(path, os.W_OK):
        raise GenlabError(f"{what} '{path}' exists and is not writable")
    _check_parents(path, what)
    return path


def check_output_dir(path: str | os.PathLike, what: str = "--out") -> Path:
    """Check that `path` is, or can be created as, a writable folder before work starts."""
    from genlab.errors import GenlabError

    path = Path(path)
    if str(path).strip() == "":
        raise GenlabError(f"{what} is empty; expected a folder")
    if path.exists() and not path.is_dir():
        raise GenlabError(f"{what} '{path}' is a file; expected a folder (or a path where one can be created)")
    if path.is_dir():
        if not os.access(path, os.W_OK | os.X_OK):
            raise GenlabError(f"{what} '{path}' is a folder that is not writable")
        return path
    _check_parents(path, what)
    return path


def read_json_file(path: str | os.PathLike, what: str = "file", expect: type = dict, hint: str = "") -> Any:
    """JSON of a file genlab wrote, checked to be `expect`; a GenlabError naming the file if it is damaged
    (`hint` is appended: what the user can do about it)."""
    from genlab.errors import GenlabError as Error
    hint = f"; {hint}" if hint else ""

    path = Path(path)
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise Error(f"{what} '{path}' does not exist{hint}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Error(f"{what} '{path}' is damaged (not valid JSON: {exc}){hint}") from None
    except OSError as exc:
        raise Error(f"{what} '{path}' cannot be read: {exc.strerror or exc}{hint}") from None
    if not isinstance(obj, expect):
        kind = "object" if expect is dict else expect.__name__
        raise Error(f"{what} '{path}' is damaged: expected a JSON {kind}, got {type(obj).__name__}{hint}")
    return obj


def remove_stale_temp_files(folder: str | os.PathLike) -> list[Path]:
    """Delete the temp files that interrupted atomic writes left in `folder` (.NAME.XXXX.tmp); return them."""
    folder = Path(folder)
    removed = []
    if folder.is_dir():
        for p in folder.glob(".*.tmp"):
            if p.is_file():
                p.unlink(missing_ok=True)
                removed.append(p)
    return removed
