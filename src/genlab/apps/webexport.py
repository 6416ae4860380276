"""A static web page that samples a run's generator in the browser (`genlab export RUN --format web`).

The folder holds index.html and app.js (shipped in genlab), the exported `generator.onnx`, `model.json`
(latent size, classes, image shape), and three files of ONNX Runtime Web's WebAssembly build (the npm
package `onnxruntime-web`, MIT): `ort.wasm.min.js`, `ort-wasm-simd-threaded.mjs` and `.wasm`. Those are
never committed to genlab: on first use the pinned npm tarball is downloaded from the registry, its
sha256 checked, the three files extracted (each checked too) into $GENLAB_HOME/npm/, and copied from
there. Any static file server shows the page (`python -m http.server -d DIR`); nothing else is fetched.

Latents: the page draws image i of a grid from seed s as `web_latents(s + i)`: Gaussians from a
mulberry32 stream through Box-Muller, written the same way in app.js and here, so a test (or a user) can
check the browser's pixels against PyTorch's for the same seed.
"""
from __future__ import annotations

import logging
import math
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from genlab.apps.export import LATENT_FAMILIES, OnnxExport, check_exportable, export_onnx
from genlab.data.cache import verify_sha256
from genlab.errors import DataError, GenlabError
from genlab.io import atomic_path, cache_dir, write_json

log = logging.getLogger(__name__)

ORT_WEB_VERSION = "1.30.0"
ORT_WEB_URL = f"https://registry.npmjs.org/onnxruntime-web/-/onnxruntime-web-{ORT_WEB_VERSION}.tgz"
ORT_WEB_SHA256 = "d2228df7e4616bc3348bf504ee888f3bec43789a273f0a63f3e68d203ce3bf71"  # the .tgz, 33 MB
ORT_WEB_FILES = {  # member of the tarball -> sha256: the WebAssembly-only build, single-threaded here
    "package/dist/ort.wasm.min.js": "faece07e84faa9001f5104bbe4e5c70861d06cb2376a0dea1fa0ad33a67adc81",
    "package/dist/ort-wasm-simd-threaded.mjs": "e13f7f94fc51b4ca72b12faeb1ee95f4ace6dfbc8939bc718aabdc0a27c4299b",
    "package/dist/ort-wasm-simd-threaded.wasm": "3398c10d07d229bd91b364548e130e0e51a8e5704b88c7c083ebbeb78842dee2",
}
DOWNLOAD_TIMEOUT_S = 300
PAGE_FILES = ("index.html", "latents.js", "app.js")  # in genlab/apps/web/
MODEL_FILE = "generator.onnx"
GRID = 8  # the page draws GRID x GRID images


@dataclass
class WebExport:
    """What `export_web` wrote: the folder, its files, and the ONNX export inside it."""
    out: Path
    files: list[Path]
    onnx: OnnxExport


def ort_web_dir() -> Path:
    """Where the checked onnxruntime-web files are cached: $GENLAB_HOME/npm/onnxruntime-web-VERSION."""
    return cache_dir() / "npm" / f"onnxruntime-web-{ORT_WEB_VERSION}"


def download(url: str, dest: Path, hint: str = "") -> Path:
    """Fetch `url` into `dest` (atomically); a network failure is a one-line DataError."""
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response, atomic_path(dest) as part:
            with open(part, "wb") as f:
                shutil.copyfileobj(response, f)
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raise DataError(f"cannot download {url}: {getattr(exc, 'reason', exc)}{'; ' + hint if hint else ''}") from exc
    return dest


def extract_members(tgz: Path, members: dict[str, str], dest: Path) -> dict[str, Path]:
    """Copy the named members of a .tgz into `dest` (flat: by base name), each checked against its sha256."""
    wanted = {m.lstrip("./"): m for m in members}
    out: dict[str, Path] = {}
    try:
        with tarfile.open(tgz, "r:gz") as tar:
            for info in tar:
                name = info.name.lstrip("./")
                if name in wanted and info.isfile():
                    target = dest / Path(name).name
                    with tar.extractfile(info) as src, atomic_path(target) as part, open(part, "wb") as f:
                        shutil.copyfileobj(src, f)
                    verify_sha256(target, members[wanted[name]], name=f"'{name}' from {tgz.name}")
                    out[wanted[name]] = target
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise DataError(f"cannot read '{tgz.name}': {exc}") from exc
    missing = [m for m in members if m not in out]
    if missing:
        raise DataError(f"'{tgz.name}' holds no file '{missing[0]}'")
    return out


def ort_web_files() -> list[Path]:
    """The checked onnxruntime-web files, cached; on first use downloaded from the npm registry."""
    dest = ort_web_dir()
    paths = [dest / Path(m).name for m in ORT_WEB_FILES]
    if all(p.is_file() for p in paths):
        for member, path in zip(ORT_WEB_FILES, paths):
            verify_sha256(path, ORT_WEB_FILES[member], name=f"cached '{path}'")
        return paths
    hint = (f"offline? download onnxruntime-web-{ORT_WEB_VERSION}.tgz elsewhere (`npm pack "
            f"onnxruntime-web@{ORT_WEB_VERSION}`) and put its {', '.join(Path(m).name for m in ORT_WEB_FILES)} in {dest}")
    log.info("downloading onnxruntime-web %s from the npm registry (~33 MB, once)", ORT_WEB_VERSION)
    with tempfile.TemporaryDirectory(prefix="genlab-npm-") as tmp:
        tgz = download(ORT_WEB_URL, Path(tmp) / f"onnxruntime-web-{ORT_WEB_VERSION}.tgz", hint)
        verify_sha256(tgz, ORT_WEB_SHA256, name=f"downloaded package '{tgz.name}'")
        extract_members(tgz, ORT_WEB_FILES, dest)
    return paths


# -- the page's latents ------------------------------------------------------------------------------

def mulberry32(seed: int):
    """uint32 stream of mulberry32 (Tommy Ettinger), as app.js computes it with Math.imul."""
    mask, state = 0xFFFFFFFF, seed & 0xFFFFFFFF
    while True:
        state = (state + 0x6D2B79F5) & mask
        t = ((state ^ (state >> 15)) * (1 | state)) & mask
        t = ((t + (((t ^ (t >> 7)) * (61 | t)) & mask)) & mask) ^ t
        yield (t ^ (t >> 14)) & mask


def web_latents(seed: int, dim: int) -> np.ndarray:
    """The page's latent for one seed: float32 (dim,) standard normal draws (Box-Muller on mulberry32)."""
    stream, out = mulberry32(seed), np.empty(dim, np.float64)
    for i in range(0, dim, 2):
        u1 = (next(stream) + 1) / 4294967297  # (0, 1]: log(u1) is finite
        u2 = next(stream) / 4294967296
        r = math.sqrt(-2 * math.log(u1))
        out[i] = r * math.cos(2 * math.pi * u2)
        if i + 1 < dim:
            out[i + 1] = r * math.sin(2 * math.pi * u2)
    return out.astype(np.float32)


def web_grid_inputs(seed: int, dim: int, num_classes: int = 0, label: int | None = None,
                    n: int = GRID * GRID) -> dict[str, np.ndarray]:
    """The inputs the page feeds its generator for a grid from `seed` (labels cycled 0, 1, ... unless one
    `label` is chosen)."""
    inputs = {"z": np.stack([web_latents((seed + i) & 0xFFFFFFFF, dim) for i in range(n)])}
    if num_classes:
        inputs["labels"] = (np.full(n, label) if label is not None else np.arange(n) % num_classes).astype(np.int64)
    return inputs


# -- the export --------------------------------------------------------------------------------------

def export_web(run, out: str | Path) -> WebExport:
    """Write the static sampling page for a GAN/VAE/AE run into folder `out`."""
    family = check_exportable(run)
    if family not in LATENT_FAMILIES:
        raise GenlabError(f"run '{run.path}' is a '{family}' run; the web page samples latent-to-image runs "
                          f"({', '.join(LATENT_FAMILIES)}); export it with --format onnx instead")
    runtime = ort_web_files()  # a download failure stops us before anything is written
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    onnx = export_onnx(run, out / MODEL_FILE)
    model = run.model
    c, h, w = model_image_shape(model)
    meta = {"run": Path(run.path).name, "preset": run.config.preset, "family": family,
            "latent_dim": int(model.latent_dim), "num_classes": int(getattr(model, "num_classes", 0)),
            "channels": c, "height": h, "width": w, "grid": GRID, "model": MODEL_FILE,
            "inputs": [name for name, _ in onnx.inputs], "output": onnx.outputs[0][0],
            "onnxruntime_web": ORT_WEB_VERSION}
    write_json(out / "model.json", meta)
    written = [out / MODEL_FILE, out / "model.json"]
    for name in PAGE_FILES:
        with atomic_path(out / name) as part:
            part.write_bytes(resources.files("genlab.apps").joinpath("web", name).read_bytes())
        written.append(out / name)
    for path in runtime:
        with atomic_path(out / path.name) as part:
            shutil.copyfile(path, part)
        written.append(out / path.name)
    return WebExport(out=out, files=written, onnx=onnx)


def model_image_shape(model) -> tuple[int, int, int]:
    """(C, H, W) of the images the model makes."""
    import torch

    with torch.no_grad():
        z = model.prior(1, torch.Generator().manual_seed(0), device="cpu")
        labels = torch.zeros(1, dtype=torch.int64) if getattr(model, "num_classes", 0) else None
        shape = model.generate(z, labels).shape
    return int(shape[1]), int(shape[2]), int(shape[3])
