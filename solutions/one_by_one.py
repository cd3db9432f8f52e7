"""1x1 convolutions and the cost (multiply-accumulates) of convolution layers."""

from __future__ import annotations

from . import _checks
from .channels import conv2d


def conv1x1(x, weight, bias=None):
    """1x1 convolution: mixes the channels of every pixel with the same (F, C) matrix.

    Taught in chapter 05_one_by_one. x is (N, C, H, W), weight (F, C), bias None or (F,). Returns (N, F, H, W)
    with out[e, f, i, j] = sum over c of weight[f, c] x[e, c, i, j] + bias[f]; equal to
    ``conv2d(x, weight[..., None, None], bias)``.
    Raises ValueError for wrong dimensions, a channel mismatch or a bias of the wrong shape.
    """
    (weight,) = _checks.float_arrays(weight=weight)
    _checks.ndim("weight", weight, 2)
    return conv2d(x, weight[:, :, None, None], bias)


def conv_macs(in_channels, out_channels, kernel_size, out_hw):
    """Multiply-accumulates of one conv layer on one image: Ho*Wo*F*C*kh*kw.

    Taught in chapter 05_one_by_one. Each of the Ho*Wo*F outputs is a sum of C*kh*kw products.
    ``kernel_size`` and ``out_hw`` are ints or pairs. Returns a Python int.
    Raises ValueError for non-positive or non-integer sizes.
    """
    c = _checks.integer("in_channels", in_channels, 1)
    f = _checks.integer("out_channels", out_channels, 1)
    kh, kw = _checks.pair("kernel_size", kernel_size, 1)
    ho, wo = _checks.pair("out_hw", out_hw, 1)
    return ho * wo * f * c * kh * kw


def bottleneck_macs(in_channels, mid_channels, out_channels, kernel_size, out_hw):
    """Multiply-accumulates of a bottleneck: a 1x1 conv C -> mid, then a k x k "same" conv mid -> F.

    Taught in chapter 05_one_by_one. Both layers produce Ho x Wo outputs, so the total is
    Ho*Wo*mid*C + Ho*Wo*F*mid*kh*kw. ``kernel_size`` and ``out_hw`` are ints or pairs. Returns a Python int.
    Raises ValueError for non-positive or non-integer sizes.
    """
    c = _checks.integer("in_channels", in_channels, 1)
    mid = _checks.integer("mid_channels", mid_channels, 1)
    f = _checks.integer("out_channels", out_channels, 1)
    kh, kw = _checks.pair("kernel_size", kernel_size, 1)
    ho, wo = _checks.pair("out_hw", out_hw, 1)
    squeeze = ho * wo * mid * c  # 1x1, C -> mid
    spatial = ho * wo * f * mid * kh * kw  # k x k, mid -> F, padded to keep Ho x Wo
    return squeeze + spatial
