"""The FID network run by ONNX Runtime: an optional feature backend for CPUs.

`genlab eval --backend onnxruntime` (or `FeatureExtractor(backend="onnxruntime")`) exports genlab's eager
Inception-v3 (`inception.py`, the same weights) to ONNX once, caches the file next to the weights, and runs
it with ONNX Runtime's CPU provider in fp32 (MLAS kernels instead of oneDNN): +11-14% in
benchmarks/inception_speed.py on the development CPU, but the same speed inside a whole evaluation there. Its features equal the torch
backend's within float rounding (tests/metrics/test_onnx_backend.py), but not bitwise, so its reference
statistics are cached under their own key (`extractor_hash("onnxruntime")`). Needs the `onnx` extra:
`pip install 'genlab[onnx]'` (onnxruntime, and onnx for the export).
"""
from __future__ import annotations

import importlib.util
import logging
import warnings
from pathlib import Path

import numpy as np
import torch

from ..errors import GenlabError
from ..io import atomic_path
from .inception import IMPL_VERSION, SOURCE_SHA256, InceptionV3FID, _inception_dir, load_source_state_dict

log = logging.getLogger(__name__)

OPSET = 17
INSTALL_HINT = "pip install 'genlab[onnx]' (onnxruntime and onnx)"


def require_onnxruntime() -> None:
    """Raise a one-line GenlabError naming what to install when onnxruntime or onnx is missing."""
    missing = [name for name in ("onnxruntime", "onnx") if importlib.util.find_spec(name) is None]
    if missing:
        raise GenlabError(f"feature backend 'onnxruntime' needs {' and '.join(missing)}: {INSTALL_HINT}")


def onnx_path() -> Path:
    """The cached export: named by the source weights and the network code's version."""
    return _inception_dir() / f"inception-2015-12-05-{SOURCE_SHA256[:16]}-{IMPL_VERSION}-opset{OPSET}.onnx"


def export_onnx(path: Path) -> Path:
    """Export the eager network (NCHW fp32 input, any batch size) to `path`, atomically."""
    net = InceptionV3FID().load_source(load_source_state_dict()).eval().requires_grad_(False)
    example = torch.zeros(1, 3, 299, 299)
    log.info("exporting the Inception network to ONNX (once): %s", path)
    with atomic_path(path) as part, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # the TorchScript-based exporter traces the net: FusedConv runs its plain conv2d + relu path then
        torch.onnx.export(net, (example,), str(part), dynamo=False, opset_version=OPSET, input_names=["x"],
                          output_names=["features"], dynamic_axes={"x": {0: "n"}, "features": {0: "n"}})
    return path


class OnnxInception:
    """(N, 3, 299, 299) float32 in the TF range -> (N, 2048) float32 features, by ONNX Runtime on the CPU."""

    def __init__(self, threads: int | None = None):
        require_onnxruntime()
        import onnxruntime as ort

        path = onnx_path()
        if not path.is_file():
            export_onnx(path)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or torch.get_num_threads()
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # a truncated or foreign file: export again once
            log.warning("cached ONNX export %s unreadable (%s); exporting again", path, exc)
            export_onnx(path)
            self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.version = ort.__version__

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        array = np.ascontiguousarray(x.detach().to("cpu", torch.float32).numpy())
        return torch.from_numpy(self.session.run(None, {"x": array})[0])
