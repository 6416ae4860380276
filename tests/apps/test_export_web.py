"""The static web page export without a browser or network: the pinned onnxruntime-web files (fetched,
checked, cached; a fake tarball here), the page's latents (Python equals JavaScript), the folder written."""
from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import tarfile
import types
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from genlab.apps import webexport
from genlab.errors import ChecksumError, DataError, GenlabError

MEMBERS = {"package/dist/ort.wasm.min.js": b"var ort = {};\n", "package/dist/ort-wasm-simd-threaded.mjs": b"export {};\n",
           "package/dist/ort-wasm-simd-threaded.wasm": b"\x00asm\x01\x00\x00\x00"}


def make_tgz(path: Path, members: dict[str, bytes]) -> str:
    """An npm-style .tgz holding `members` (plus one file the page does not need); returns its sha256."""
    with tarfile.open(path, "w:gz") as tar:
        for name, data in {**members, "package/dist/ort.webgpu.min.js": b"not this one"}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def fake_npm(tmp_path, monkeypatch):
    """onnxruntime-web pinned to a fake tarball that a fake download serves; GENLAB_HOME in tmp_path."""
    monkeypatch.setenv("GENLAB_HOME", str(tmp_path / "home"))
    tgz = tmp_path / "registry" / "onnxruntime-web.tgz"
    tgz.parent.mkdir()
    calls = []

    def fake_download(url, dest, hint=""):
        calls.append(url)
        return Path(shutil.copy(tgz, dest))

    monkeypatch.setattr(webexport, "download", fake_download)
    monkeypatch.setattr(webexport, "ORT_WEB_SHA256", make_tgz(tgz, MEMBERS))
    monkeypatch.setattr(webexport, "ORT_WEB_FILES", {k: hashlib.sha256(v).hexdigest() for k, v in MEMBERS.items()})
    return types.SimpleNamespace(calls=calls, tgz=tgz, home=tmp_path / "home")


def test_runtime_files_are_fetched_once_checked_and_cached(fake_npm):
    paths = webexport.ort_web_files()
    assert [p.name for p in paths] == ["ort.wasm.min.js", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm"]
    assert [p.read_bytes() for p in paths] == list(MEMBERS.values())
    assert sorted(p.name for p in webexport.ort_web_dir().iterdir()) == sorted(p.name for p in paths)  # 3 files only
    assert webexport.ort_web_files() == paths and len(fake_npm.calls) == 1  # the second use reads the cache
    assert fake_npm.calls == [webexport.ORT_WEB_URL]


def test_a_tampered_cached_file_is_deleted_and_reported(fake_npm):
    paths = webexport.ort_web_files()
    paths[2].write_bytes(b"\x00asm evil")
    with pytest.raises(ChecksumError, match=r"checksum mismatch for cached '.*ort-wasm-simd-threaded.wasm'.*deleted it"):
        webexport.ort_web_files()
    assert not paths[2].exists()
    assert webexport.ort_web_files()[2].read_bytes() == MEMBERS["package/dist/ort-wasm-simd-threaded.wasm"]  # refetched
    assert len(fake_npm.calls) == 2


def test_a_tarball_with_the_wrong_checksum_is_refused_and_nothing_is_cached(fake_npm, monkeypatch):
    monkeypatch.setattr(webexport, "ORT_WEB_SHA256", "0" * 64)
    with pytest.raises(ChecksumError, match=r"downloaded package 'onnxruntime-web-1\.30\.0\.tgz'"):
        webexport.ort_web_files()
    assert not webexport.ort_web_dir().exists() or not any(webexport.ort_web_dir().iterdir())


def test_a_member_with_the_wrong_checksum_or_missing_is_refused(fake_npm, monkeypatch):
    files = dict(webexport.ORT_WEB_FILES)
    monkeypatch.setitem(webexport.ORT_WEB_FILES, "package/dist/ort.wasm.min.js", "1" * 64)
    with pytest.raises(ChecksumError, match=r"'package/dist/ort.wasm.min.js' from onnxruntime-web-1\.30\.0\.tgz"):
        webexport.ort_web_files()
    monkeypatch.setattr(webexport, "ORT_WEB_FILES", {**files, "package/dist/ort.missing.js": "2" * 64})
    with pytest.raises(DataError, match=r"holds no file 'package/dist/ort.missing.js'"):
        webexport.ort_web_files()


def test_an_unreachable_registry_is_one_line_with_the_offline_recipe(tmp_path, monkeypatch):
    monkeypatch.setenv("GENLAB_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(webexport, "ORT_WEB_URL", "http://127.0.0.1:9/onnxruntime-web.tgz")  # the discard port
    with pytest.raises(DataError, match=r"cannot download http://127.0.0.1:9/onnxruntime-web.tgz: .*offline\? "
                                        r"download onnxruntime-web-1\.30\.0\.tgz elsewhere"):
        webexport.ort_web_files()


def test_web_latents_are_standard_normal_and_depend_only_on_their_seed():
    z = np.stack([webexport.web_latents(s, 100) for s in range(200)])
    assert z.dtype == np.float32 and z.shape == (200, 100)
    assert abs(z.mean()) < 0.03 and abs(z.std() - 1) < 0.03  # 20,000 draws: 3 standard errors ~ 0.02
    assert np.array_equal(webexport.web_latents(7, 100), z[7]) and not np.array_equal(z[7], z[8])
    grid = webexport.web_grid_inputs(5, 100, num_classes=10)
    assert np.array_equal(grid["z"][3], z[8]) and grid["labels"].tolist() == [i % 10 for i in range(64)]
    assert webexport.web_grid_inputs(0, 4, num_classes=10, label=7)["labels"].tolist() == [7] * 64
    assert webexport.web_latents(3, 5).shape == (5,)  # an odd size uses the first of the last pair


def test_javascript_latents_equal_python(tmp_path):
    if shutil.which("node") is None:
        pytest.skip("node is not installed: the page's latents.js is checked in the browser test only")
    script = resources.files("genlab.apps").joinpath("web", "latents.js").read_text()
    script += ("\nconst out = [];\nfor (const s of [0, 1, 123456789, 4294967295]) { const z = new Float32Array(9);"
               " webLatents(s, 9, z, 0); out.push(Array.from(z)); }\nconsole.log(JSON.stringify(out));\n")
    (tmp_path / "check.js").write_text(script)
    got = np.array(json.loads(subprocess.run(["node", str(tmp_path / "check.js")], capture_output=True, text=True,
                                             check=True).stdout), np.float32)
    want = np.stack([webexport.web_latents(s, 9) for s in (0, 1, 123456789, 4294967295)])
    assert np.abs(got - want).max() <= 1e-6


def test_export_web_writes_the_page_model_and_runtime(gan_run, fake_npm, tmp_path):
    pytest.importorskip("onnxscript", reason="ONNX export needs onnxscript: pip install 'genlab[export]'")
    from genlab.train.run import load_run

    result = webexport.export_web(load_run(gan_run), tmp_path / "page")
    names = sorted(p.name for p in (tmp_path / "page").iterdir())
    assert names == sorted(["index.html", "latents.js", "app.js", "generator.onnx", "model.json", "ort.wasm.min.js",
                            "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm"])
    meta = json.loads((tmp_path / "page" / "model.json").read_text())
    assert meta["latent_dim"] == 100 and meta["num_classes"] == 0 and (meta["channels"], meta["height"]) == (1, 28)
    assert meta["inputs"] == ["z"] and meta["output"] == "images" and meta["onnxruntime_web"] == "1.30.0"
    assert result.onnx.max_abs_diff <= 1e-4
    page = (tmp_path / "page" / "index.html").read_text()
    assert '<script src="ort.wasm.min.js">' in page and "http" not in page  # nothing from elsewhere


def test_sr_runs_are_refused_before_anything_is_written(tmp_path, fake_npm):
    run = types.SimpleNamespace(path=tmp_path / "sr", model=None, config=types.SimpleNamespace(family="sr"))
    with pytest.raises(GenlabError, match=r"is a 'sr' run; the web page samples latent-to-image runs \(gan, vae, ae\); "
                                          "export it with --format onnx instead"):
        webexport.export_web(run, tmp_path / "page")
    assert not (tmp_path / "page").exists() and fake_npm.calls == []
