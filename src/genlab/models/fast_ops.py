"""Fused elementwise ops that compute what a composition of standard layers computes, faster.

`leaky_relu_dropout(x, slope, p)` is `nn.Dropout(p)(nn.LeakyReLU(slope)(x))` in training mode: each
unit is kept with probability 1 - p and then scaled by 1 / (1 - p). On a CPU, nn.Dropout's mask
(`bernoulli_` on a float tensor, a double uniform per unit) was the largest single overhead of a
discriminator update; here the mask comes from 32 random bits per unit, drawn in bulk (two units per
64-bit draw) from torch's global generator, so `torch.manual_seed` and checkpointed RNG state keep
runs reproducible. No Philox/CUDA-only generator is involved; the op works on any device.

`upsample_conv3x3(x, conv)` is `conv(F.interpolate(x, scale_factor=2, mode="nearest"))` for a 3x3,
stride 1, padding 1 convolution, computed as one stride-2 transposed convolution with a 4x4 kernel on
the low-resolution input. Nearest upsampling repeats every input pixel, so along each axis the output
pixel 2i sees x[i-1] through tap 0 and x[i] through taps 1 and 2, and 2i+1 sees x[i] through taps 0
and 1 and x[i+1] through tap 2: the 4-tap kernel [w2, w1 + w2, w0 + w1, w0] of a transposed
convolution (stride 2, padding 1) holds exactly these sums. Same function of the same parameters, in
16 multiply-adds per input pixel instead of 36 (44% of the FLOPs); fp32 throughout, only the order of
the sums differs (the tap sums are formed first).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def keep_mask(n: int, keep: float, *, dtype=torch.float32, device=None) -> torch.Tensor:
    """n independent draws that are 1 with probability `keep` (up to 2^-33) and 0 otherwise, (n,).

    A unit is kept when its uniform 32-bit integer r is below round(keep * 2^32), so
    |P(keep) - keep| <= 2^-33 ~ 1.2e-10: below float32's own resolution of `keep` (0.7 is stored as
    0.699999988, 1.2e-8 off), so no float32 computation can tell the difference.
    """
    # torch's full-range random_ on int64: 64 uniform bits per element, read as two int32 draws
    bits = torch.empty((n + 1) // 2, dtype=torch.int64, device=device).random_(-(1 << 63), None)
    r = bits.view(torch.int32)[:n]  # uniform in [-2^31, 2^31)
    threshold = round(keep * 2**32) - 2**31
    if threshold > 2**31 - 1:  # keep == 1 (to 2^-33): every unit is kept
        return torch.ones(n, dtype=dtype, device=device)
    return torch.lt(r, threshold, out=torch.empty(n, dtype=dtype, device=device))


class _LeakyReLUDropout(torch.autograd.Function):
    """y = leaky_relu(x) * m with m in {0, 1/(1-p)}; saves m and y (the next layer keeps y anyway)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, slope: float, p: float) -> torch.Tensor:
        keep = 1.0 - p
        m = keep_mask(x.numel(), keep, dtype=x.dtype, device=x.device)
        if x.is_contiguous() or x.is_contiguous(memory_format=torch.channels_last):
            m = m.as_strided(x.shape, x.stride())  # iid entries laid out like x (NCHW or NHWC): no copy
        else:
            m = m.view(x.shape)
        m.div_(keep)  # as nn.Dropout scales its mask, so kept units are bitwise equal to its output
        y = F.leaky_relu(x, slope).mul_(m)
        ctx.slope = slope
        ctx.save_for_backward(m, y)
        return y

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        m, y = ctx.saved_tensors
        # y has x's sign wherever the unit was kept; where it was dropped grad * m is already 0
        return torch.ops.aten.leaky_relu_backward(grad * m, y, ctx.slope, True), None, None


def leaky_relu_dropout(x: torch.Tensor, slope: float = 0.2, p: float = 0.3, training: bool = True) -> torch.Tensor:
    """dropout(leaky_relu(x, slope), p) as one autograd op; plain leaky_relu when not training or p == 0."""
    if not training or p == 0:
        return F.leaky_relu(x, slope)
    if p >= 1:
        return F.leaky_relu(x, slope) * 0
    return _LeakyReLUDropout.apply(x, slope, p)


# _TAPS[k, j] = 1 when tap k of the 4-tap transposed kernel sums tap j of the 3-tap kernel (see above)
_TAPS = ((0.0, 0.0, 1.0), (0.0, 1.0, 1.0), (1.0, 1.0, 0.0), (1.0, 0.0, 0.0))


def upsample_conv3x3(x: torch.Tensor, conv: nn.Conv2d) -> torch.Tensor:
    """conv(nearest_upsample_2x(x)) for a 3x3 / stride 1 / padding 1 conv, as one transposed conv."""
    if (conv.kernel_size != (3, 3) or conv.stride != (1, 1) or conv.padding != (1, 1)
            or conv.dilation != (1, 1) or conv.groups != 1 or conv.padding_mode != "zeros"):
        return conv(F.interpolate(x, scale_factor=2, mode="nearest"))
    taps = torch.tensor(_TAPS, dtype=conv.weight.dtype, device=conv.weight.device)
    # (O, C, 3, 3) -> (C, O, 4, 4): the transposed conv's weight is laid out in -> out
    weight = torch.einsum("pk,qj,ockj->copq", taps, taps, conv.weight)
    if x.is_contiguous(memory_format=torch.channels_last) and not x.is_contiguous():
        weight = weight.contiguous(memory_format=torch.channels_last)
    return F.conv_transpose2d(x, weight, conv.bias, stride=2, padding=1)
