"""ONNX export: the exported generator / decoder / upscaler equals PyTorch within 1e-4 under ONNX Runtime,
for batch sizes (and SR image sizes) it was not traced with; what cannot be exported says so in one line."""
from __future__ import annotations

import json
import types

import numpy as np
import pytest
import torch

pytest.importorskip("onnxruntime", reason="ONNX export tests need onnxruntime: pip install 'genlab[export]'")
pytest.importorskip("onnxscript", reason="ONNX export tests need onnxscript: pip install 'genlab[export]'")

from genlab.apps import export as export_mod  # noqa: E402
from genlab.apps.export import check_exportable, export_onnx, onnx_session  # noqa: E402
from genlab.cli import main  # noqa: E402
from genlab.errors import GenlabError  # noqa: E402
from genlab.models import SR, SRConfig  # noqa: E402
from genlab.train.run import load_run  # noqa: E402

TOLERANCE = 1e-4  # float32 kernels of two runtimes: the same graph, other summation orders


def pytorch_images(model, inputs: dict[str, np.ndarray]) -> np.ndarray:
    z = torch.from_numpy(inputs["z"])
    labels = torch.from_numpy(inputs["labels"]) if "labels" in inputs else None
    return model.generate(z, labels).numpy()


@pytest.mark.parametrize("which", ["gan_run", "cgan_run", "cvae_run", "dae_run"])
def test_latent_to_image_export_equals_pytorch(which, request, tmp_path):
    run = load_run(request.getfixturevalue(which))
    with torch.no_grad():  # weights 2 steps from their small init give near-constant images: make them matter
        for p in run.model.parameters():
            p.mul_(4.0 if p.dim() > 1 else 1.0)
    result = export_onnx(run, tmp_path / "g.onnx")
    conditional = run.num_classes > 0
    assert result.family == run.config.family and result.max_abs_diff <= TOLERANCE
    assert result.inputs == [("z", ["batch", run.model.latent_dim])] + ([("labels", ["batch"])] if conditional else [])
    assert result.outputs == [("images", ["batch", 1, 28, 28])]
    # an independent check at a batch size neither the trace (3) nor the export's check (5) used
    g = torch.Generator().manual_seed(123)
    inputs = {"z": run.model.prior(7, g, device="cpu").numpy()}
    if conditional:
        inputs["labels"] = np.array([3, 0, 1, 2, 3, 1, 0], np.int64)
    got = onnx_session(tmp_path / "g.onnx").run(None, inputs)[0]
    expected = pytorch_images(run.model, inputs)
    assert got.shape == (7, 1, 28, 28) and np.abs(got - expected).max() <= TOLERANCE
    assert got.min() >= -1 and got.max() <= 1 and expected.std() > 0.05  # real images, not a constant
    if conditional:  # the labels input matters: another label gives other images
        other = dict(inputs, labels=(inputs["labels"] + 1) % run.num_classes)
        assert np.abs(onnx_session(tmp_path / "g.onnx").run(None, other)[0] - got).max() > 1e-3


def test_sr_export_has_dynamic_height_and_width(tmp_path):
    torch.manual_seed(0)
    model = SR(SRConfig(net="edsr", scale=2, width=8, depth=1), img_channels=3).eval()
    run = types.SimpleNamespace(path=tmp_path / "sr-run", model=model, config=types.SimpleNamespace(family="sr"))
    result = export_onnx(run, tmp_path / "sr.onnx")
    assert result.inputs == [("images", ["batch", 3, "height", "width"])]
    assert result.outputs == [("upscaled", ["batch", 3, "2*height", "2*width"])] and result.max_abs_diff <= TOLERANCE
    session = onnx_session(tmp_path / "sr.onnx")
    for shape in ((1, 3, 12, 40), (2, 3, 33, 17)):
        x = torch.rand(shape, generator=torch.Generator().manual_seed(1)) * 2 - 1
        got = session.run(None, {"images": x.numpy()})[0]
        assert got.shape == (shape[0], 3, 2 * shape[2], 2 * shape[3])
        assert np.abs(got - model.upscale(x).numpy()).max() <= TOLERANCE


def test_cli_prints_path_names_shapes_and_difference(gan_run, tmp_path, capsys):
    out = tmp_path / "G.onnx"
    assert main(["export", str(gan_run), "--format", "onnx", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert f"wrote {out}" in text and "z ['batch', 100]" in text and "images ['batch', 1, 28, 28]" in text
    diff = float(text.split("samples: ")[1].split()[0])
    assert 0 <= diff <= TOLERANCE
    assert main(["export", str(gan_run), "--format", "onnx", "--out", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["path"] == str(out) and result["max_abs_diff"] <= TOLERANCE and result["page"] is None
    assert [name for name, _ in result["inputs"]] == ["z"]


def test_what_cannot_be_exported_is_one_line(tmp_path):
    run = types.SimpleNamespace(path=tmp_path / "lm", model=None, config=types.SimpleNamespace(family="lm"))
    with pytest.raises(GenlabError, match=r"is a 'lm' run; genlab export supports .*gan, vae, ae.* and "
                                          r"super-resolution \('sr': the upscaler\)"):
        check_exportable(run)


def test_missing_packages_are_named(monkeypatch):
    real = export_mod.importlib.util.find_spec
    monkeypatch.setattr(export_mod.importlib.util, "find_spec",
                        lambda name, *a: None if name == "onnxscript" else real(name, *a))
    with pytest.raises(GenlabError, match=r"genlab export needs onnxscript: pip install 'genlab\[export\]'"):
        export_mod.require_export_packages()
