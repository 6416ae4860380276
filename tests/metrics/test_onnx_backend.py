"""The onnxruntime feature backend: same features as torch's within rounding, its own cache key, clear errors."""
import importlib.util

import pytest
import torch

from genlab.cli import main
from genlab.errors import GenlabError
from genlab.metrics import FeatureExtractor, inception
from genlab.metrics import onnx_backend

needs_ort = pytest.mark.skipif(importlib.util.find_spec("onnxruntime") is None
                               or importlib.util.find_spec("onnx") is None,
                               reason="onnxruntime/onnx not installed (the onnx extra)")


def relative_error(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(((a - b).norm(dim=1) / b.norm(dim=1)).max())


@needs_ort
def test_onnxruntime_features_equal_torch_features(inception_ready, blobs, tmp_path, monkeypatch):
    monkeypatch.setattr(onnx_backend, "_inception_dir", lambda: tmp_path)  # a fresh export, not the cache
    images = torch.cat([blobs(3, seed=5), blobs(2, seed=6, width=3.0)])
    ort = FeatureExtractor(backend="onnxruntime", batch_size=2)
    got = ort(images)
    expected = FeatureExtractor(batch_size=2)(images)
    assert onnx_backend.onnx_path().is_file()  # exported once, under the cache folder
    assert got.shape == (5, 2048) and got.dtype == torch.float32
    assert relative_error(got, expected) < 1e-5
    assert not torch.equal(got, torch.zeros_like(got))
    # a second extractor reads the cached export; a truncated file is exported again
    onnx_backend.onnx_path().write_bytes(b"truncated")
    again = FeatureExtractor(backend="onnxruntime", batch_size=5)(images)
    assert relative_error(again, got) < 1e-6


def test_backends_have_their_own_reference_cache_key():
    torch_hash, ort_hash = inception.extractor_hash(), inception.extractor_hash("onnxruntime")
    assert torch_hash != ort_hash and len(ort_hash) == 16
    assert FeatureExtractor().hash == torch_hash


def test_missing_onnxruntime_is_a_one_line_error_naming_the_extra(monkeypatch):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "onnxruntime" else real_find_spec(name, *a))
    with pytest.raises(GenlabError, match=r"needs onnxruntime: pip install 'genlab\[onnx\]'") as err:
        FeatureExtractor(backend="onnxruntime")
    assert "\n" not in str(err.value)


def test_bad_backend_and_device_are_clear_errors():
    with pytest.raises(GenlabError, match="feature backend 'onnx'.*onnxruntime"):
        FeatureExtractor(backend="onnx")
    with pytest.raises(GenlabError, match="runs on the CPU, got device 'cuda'"):
        FeatureExtractor(backend="onnxruntime", device="cuda")


def test_cli_rejects_an_unknown_backend(capsys):
    assert main(["eval", "--real", "mnist:test", "--fake", "x.npz", "--backend", "tensorrt"]) == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'tensorrt'" in err and len(err.strip().splitlines()) == 1
