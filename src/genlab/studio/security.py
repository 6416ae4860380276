"""What keeps the studio safe on a shared machine: paths confined to the runs folder, capped uploads
read only as images (never unpickled, never torch.load-ed), and a token plus an Origin check on every
request that changes state, so another web site open in the same browser cannot start or stop training."""
from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from genlab.errors import GenlabError

MAX_UPLOAD_BYTES = 8 * 1024 * 1024   # an uploaded image; larger bodies are refused before they are read whole
MAX_UPLOAD_PIXELS = 4096 * 4096       # decoded size limit for uploads (decompression bombs)
TOKEN_HEADER = "x-genlab-token"


class Forbidden(GenlabError):
    """A request the studio refuses: a path out of the runs folder, a cross-site request."""


class TooLarge(GenlabError):
    """An upload over the size cap."""


def new_token() -> str:
    """A random per-server token the pages send back on state-changing requests."""
    return secrets.token_urlsafe(24)


def confined(root: Path, *parts: str) -> Path:
    """root/parts, resolved (symlinks followed), refused unless it stays inside root."""
    for part in parts:
        if not part or "\x00" in part or os.path.isabs(part) or part.startswith(("/", "\\")):
            raise Forbidden(f"path '{part}' is not a relative path inside the runs folder")
    base = root.resolve()
    path = base.joinpath(*parts).resolve()
    if path != base and base not in path.parents:
        raise Forbidden(f"path '{'/'.join(parts)}' leads out of the runs folder")
    return path


def run_folder(root: Path, name: str) -> Path:
    """The run folder `name` (one path component) under root; Forbidden for anything else."""
    if not name or "/" in name or "\\" in name or name in (".", ".."):
        raise Forbidden(f"run name '{name}' is not a folder name")
    return confined(root, name)


def same_origin(origin: str | None, host: str | None) -> bool:
    """Whether a request's Origin (absent for same-origin GETs and non-browser clients) is this server."""
    if not origin:
        return True
    scheme, _, rest = origin.partition("://")
    return scheme in ("http", "https") and rest == (host or "")


def check_state_change(headers, token: str) -> None:
    """Refuse a state-changing request without this server's token or from another origin."""
    if not same_origin(headers.get("origin"), headers.get("host")):
        raise Forbidden(f"cross-site request from origin '{headers.get('origin')}' refused")
    sent = headers.get(TOKEN_HEADER, "")
    if not secrets.compare_digest(sent.encode(), token.encode()):
        raise Forbidden(f"a request that changes state needs the page's token (header {TOKEN_HEADER}); reload the page")


def decode_image(data: bytes, mode: str | None = None, limit: int = MAX_UPLOAD_PIXELS):
    """uint8 (C, H, W) from uploaded bytes through genlab's guarded image reader (size limit, no pickle)."""
    from genlab.data.images import read_image

    if len(data) > MAX_UPLOAD_BYTES:
        raise TooLarge(f"the upload is {len(data):,} bytes, over the limit of {MAX_UPLOAD_BYTES:,}")
    if not data:
        raise GenlabError("the upload is empty; expected a PNG, JPEG, BMP or WebP image")
    with tempfile.TemporaryDirectory(prefix="genlab-upload-") as folder:
        path = Path(folder) / "upload.png"
        path.write_bytes(data)
        try:
            return read_image(path, mode, limit=limit)
        except GenlabError as exc:  # name the upload, not the temporary file
            raise GenlabError(str(exc).replace(f"'{path}'", "the upload").replace(str(path), "the upload")) from None
