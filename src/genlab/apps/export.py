"""Export a run's image-making net to ONNX (`genlab export RUN --format onnx`), checked against PyTorch.

What is exported, by family:
  gan      the generator (its EMA weights when the run has them): z (B, latent) [, labels (B,) int64] -> images
  vae, ae  the decoder, with the output transform sample() applies:  z (B, latent) [, labels]  -> images
  sr       the upscaler (EMA weights when present): images (B, C, H, W) -> upscaled (B, C, sH, sW), any H and W
Images are float32 in [-1, 1], NCHW; the batch (and for SR the height and width) is dynamic.

The export goes through torch.onnx.export's torch.export-based exporter (`dynamo=True`, the default since
PyTorch 2.9; the TorchScript one is deprecated), which needs `onnxscript`; ONNX Runtime then runs the file on
fresh inputs of another batch size and the largest difference from PyTorch is reported. All three come
with `pip install 'genlab[export]'`.
"""
from __future__ import annotations

import contextlib
import importlib.util
import io
import logging
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from genlab.errors import GenlabError
from genlab.io import atomic_path

log = logging.getLogger(__name__)

OPSET = 18
INSTALL_HINT = "pip install 'genlab[export]'"
LATENT_FAMILIES = ("gan", "vae", "ae")  # z -> image
IMAGE_FAMILIES = ("sr",)  # image -> image


@dataclass
class OnnxExport:
    """What `export_onnx` wrote: the file, its inputs and outputs (name, shape with symbolic sizes as
    names) and the largest |ONNX Runtime - PyTorch| over a check batch."""
    path: Path
    family: str
    inputs: list[tuple[str, list]]
    outputs: list[tuple[str, list]]
    max_abs_diff: float
    check_batch: int


def require_export_packages() -> None:
    """Raise a one-line GenlabError naming what to install when onnx, onnxscript or onnxruntime is missing."""
    missing = [name for name in ("onnx", "onnxscript", "onnxruntime") if importlib.util.find_spec(name) is None]
    if missing:
        raise GenlabError(f"genlab export needs {', '.join(missing)}: {INSTALL_HINT}")


def check_exportable(run) -> str:
    """The run's family when it can be exported, else a GenlabError saying what can."""
    family = run.config.family
    if family not in LATENT_FAMILIES + IMAGE_FAMILIES:
        raise GenlabError(f"run '{run.path}' is a '{family}' run; genlab export supports the latent-to-image "
                          f"families ({', '.join(LATENT_FAMILIES)}: generator or decoder) and super-resolution "
                          "('sr': the upscaler)")
    return family


class LatentToImage(nn.Module):
    """z (B, L) -> images (B, C, H, W) in [-1, 1]: the family's own generate(), so the export is what
    sample() draws."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.model.generate(z)


class LabeledLatentToImage(LatentToImage):
    """z (B, L), labels (B,) int64 -> images (B, C, H, W) in [-1, 1], for class-conditional models."""

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return self.model.generate(z, labels)


class Upscaler(nn.Module):
    """images (B, C, h, w) in [-1, 1] -> (B, C, h*s, w*s) in [-1, 1]."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.model.upscale(images)


def example_inputs(model: nn.Module, family: str, n: int, seed: int = 0) -> dict[str, torch.Tensor]:
    """Named inputs for a batch of n: prior latents (and labels 0, 1, ... cycled) or random images."""
    g = torch.Generator().manual_seed(seed)
    if family in IMAGE_FAMILIES:
        side = 2 * int(getattr(model, "min_input_size", 8)) + 3  # odd and not square: H and W stay apart
        return {"images": torch.rand(n, model.img_channels, side, side + 5, generator=g) * 2 - 1}
    inputs = {"z": model.prior(n, g, device="cpu")}
    if getattr(model, "num_classes", 0):
        inputs["labels"] = torch.arange(n, dtype=torch.int64) % model.num_classes
    return inputs


def _wrapper_and_shapes(model: nn.Module, family: str, names: list[str]):
    batch = torch.export.Dim("batch", min=1, max=1 << 20)
    if family in IMAGE_FAMILIES:
        h = torch.export.Dim("height", min=model.min_input_size, max=1 << 14)
        w = torch.export.Dim("width", min=model.min_input_size, max=1 << 14)
        return Upscaler(model), ({0: batch, 2: h, 3: w},), "upscaled"
    wrapper = LabeledLatentToImage(model) if "labels" in names else LatentToImage(model)
    return wrapper, tuple({0: batch} for _ in names), "images"


def export_onnx(run, out: str | os.PathLike, *, check_batch: int = 5, seed: int = 0) -> OnnxExport:
    """Export the run's generator / decoder / upscaler to `out` (atomically), then run it with ONNX
    Runtime on `check_batch` fresh inputs and measure the largest difference from PyTorch."""
    require_export_packages()
    family = check_exportable(run)
    model = run.model.to("cpu").eval()
    example = example_inputs(model, family, 3, seed=seed + 1)  # another batch size than the check's
    names = list(example)
    wrapper, dynamic_shapes, output_name = _wrapper_and_shapes(model, family, names)
    out = Path(out)
    with atomic_path(out) as part, _quiet_exporter():
        torch.onnx.export(wrapper, tuple(example.values()), str(part), dynamo=True, external_data=False,
                          opset_version=OPSET, input_names=names, output_names=[output_name],
                          dynamic_shapes=dynamic_shapes, verbose=False)
    inputs = example_inputs(model, family, check_batch, seed=seed)
    with torch.no_grad():
        expected = wrapper(*inputs.values()).numpy()
    session = onnx_session(out)
    got = session.run(None, {k: v.numpy() for k, v in inputs.items()})[0]
    if got.shape != expected.shape:
        raise GenlabError(f"the ONNX model gives shape {list(got.shape)} where PyTorch gives {list(expected.shape)}")
    shapes = lambda items: [(i.name, list(i.shape)) for i in items]  # noqa: E731
    return OnnxExport(path=out, family=family, inputs=shapes(session.get_inputs()),
                      outputs=shapes(session.get_outputs()), max_abs_diff=float(np.abs(got - expected).max()),
                      check_batch=check_batch)


@contextlib.contextmanager
def _quiet_exporter():
    """Silence the exporter's notes on its own internals (stdout prints, warnings, INFO logs of its passes)."""
    loggers = [logging.getLogger(name) for name in ("torch.onnx", "torch.export", "onnxscript", "onnx_ir")]
    levels = [lg.level for lg in loggers]
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            for lg in loggers:
                lg.setLevel(logging.ERROR)
            yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def onnx_session(path: str | os.PathLike):
    """An ONNX Runtime CPU session for `path`."""
    require_export_packages()
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
