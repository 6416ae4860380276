"""Inception features of image sets: the reference tools' preprocessing, then the 2048-d pool features.

Preprocessing, as StyleGAN3's FID tool and clean-fid do it:
1. float images in [-1, 1] are quantized to uint8 first, rounded as genlab.data.to_uint8 does (StyleGAN3
   quantizes too; it truncates x * 127.5 + 128, which differs only at exact ties), so a model's samples
   score the same as the PNGs it would save;
2. grayscale is tiled to 3 channels;
3. resize to 299x299 on float 0..255 values:
   - "legacy_tensorflow" (default; clean-fid's name): TF1 `resize_bilinear` with align_corners=False,
     i.e. source = dest * in/out, no antialiasing, edge clamp. This is the resize inside NVIDIA's
     TorchScript of the TF graph, and what the published FIDs used;
   - "clean": clean-fid's mode, PIL bicubic (antialiased) per channel on float32, clipped to 0..255;
4. map to the TF range [-1, 0.9921875]: (x - 128) / 128.
"""
from __future__ import annotations

import logging
from typing import Iterable, Iterator

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from ..errors import GenlabError, unknown
from .inception import build_network, extractor_hash

log = logging.getLogger(__name__)

RESIZE_MODES = ("legacy_tensorflow", "clean")
BACKENDS = ("torch", "onnxruntime")  # what runs the network: genlab's eager net, or its ONNX export
SIZE = 299
FEATURE_DIM = 2048


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """uint8 NCHW images as they are, float ones in [-1, 1] rounded to uint8."""
    if images.dtype == torch.uint8:
        return images
    if not images.is_floating_point():
        raise GenlabError(f"images must be uint8 or float in [-1, 1], got dtype {images.dtype}")
    return images.float().add(1.0).mul_(127.5).round_().clamp_(0, 255).to(torch.uint8)


def _resize_legacy_tensorflow(x: torch.Tensor) -> torch.Tensor:
    # NVIDIA's TorchScript (inception-2015-12-05.pt, used by StyleGAN3 and clean-fid), line for line:
    # an affine grid shifted so that grid_sample reads source pixel dest * in / out (TF1 semantics).
    n, c, h, w = x.shape
    theta = torch.eye(2, 3, device=x.device)
    theta[0, 2] += theta[0, 0] / w - theta[0, 0] / SIZE
    theta[1, 2] += theta[1, 1] / h - theta[1, 1] / SIZE
    theta = theta.to(x.dtype).unsqueeze(0).repeat([n, 1, 1])
    grid = F.affine_grid(theta, [n, c, SIZE, SIZE], align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)


def _resize_clean(x: torch.Tensor) -> torch.Tensor:
    from PIL import Image

    out = np.empty((x.shape[0], x.shape[1], SIZE, SIZE), dtype=np.float32)
    for i, image in enumerate(x.cpu().numpy()):
        for ch, plane in enumerate(image):
            resized = Image.fromarray(plane, mode="F").resize((SIZE, SIZE), resample=Image.BICUBIC)
            out[i, ch] = np.asarray(resized)
    return torch.from_numpy(np.clip(out, 0, 255)).to(x.device)


def preprocess(images: torch.Tensor, resize: str = "legacy_tensorflow") -> torch.Tensor:
    """(N, 1|3, H, W) uint8 or [-1, 1] float -> (N, 3, 299, 299) float32 in [-1, 0.9921875]."""
    if resize not in RESIZE_MODES:
        raise GenlabError(unknown("resize mode", resize, RESIZE_MODES))
    if images.ndim != 4 or images.shape[1] not in (1, 3):
        raise GenlabError(f"images must be (N, 1|3, H, W), got shape {tuple(images.shape)}")
    x = to_uint8(images).float()
    if x.shape[1] == 1:
        x = x.expand(-1, 3, -1, -1)
    if x.shape[2:] != (SIZE, SIZE):
        x = _resize_legacy_tensorflow(x) if resize == "legacy_tensorflow" else _resize_clean(x.contiguous())
    return (x - 128) / 128


class FeatureExtractor:
    """Images -> (N, 2048) float32 Inception pool features, in batches, on `device`."""

    def __init__(self, resize: str = "legacy_tensorflow", *, device: str | torch.device = "cpu",
                 batch_size: int | None = None, backend: str = "torch"):
        if resize not in RESIZE_MODES:
            raise GenlabError(unknown("resize mode", resize, RESIZE_MODES))
        if backend not in BACKENDS:
            raise GenlabError(unknown("feature backend", backend, BACKENDS))
        self.resize = resize
        self.device = torch.device(device)
        self.backend = backend
        if backend == "onnxruntime":
            if self.device.type != "cpu":
                raise GenlabError(f"feature backend 'onnxruntime' runs on the CPU, got device '{device}'")
            from .onnx_backend import require_onnxruntime

            require_onnxruntime()  # fail now, not after the samples are generated
        # images per network call: small batches on a CPU (benchmarks/inception_speed.py:
        # 12.7 images/s at 8, 13.1 at 16 on 2 cores: within noise), large ones on a GPU
        self.batch_size = batch_size or (8 if self.device.type == "cpu" else 64)
        self.hash = extractor_hash(backend)
        self._net = None  # built on first use: the weights may need a download

    @property
    def net(self):
        if self._net is None:
            if self.backend == "onnxruntime":
                from .onnx_backend import OnnxInception

                self._net = OnnxInception()
            else:
                self._net = build_network(self.device)
        return self._net

    @torch.inference_mode()
    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        chunks = [self._batch(images[i:i + self.batch_size])
                  for i in range(0, images.shape[0], self.batch_size)]
        return torch.cat(chunks) if chunks else torch.empty(0, FEATURE_DIM)

    def _batch(self, images: torch.Tensor) -> torch.Tensor:
        x = preprocess(images.to(self.device), self.resize)
        if self.backend == "torch":
            x = x.contiguous(memory_format=torch.channels_last)
        return self.net(x).float().cpu()

    def iter_features(self, batches: Iterable[torch.Tensor], *, total: int | None = None,
                      desc: str = "features") -> Iterator[torch.Tensor]:
        """Features of each batch of images, with a progress bar (in images) on stderr."""
        with tqdm(total=total, desc=desc, unit="img", leave=False, dynamic_ncols=True) as bar:
            for images in batches:
                for i in range(0, images.shape[0], self.batch_size):
                    part = images[i:i + self.batch_size]
                    with torch.inference_mode():
                        yield self._batch(part)
                    bar.update(part.shape[0])


def iter_batches(images: torch.Tensor, batch_size: int) -> Iterator[torch.Tensor]:
    for i in range(0, images.shape[0], batch_size):
        yield images[i:i + batch_size]
