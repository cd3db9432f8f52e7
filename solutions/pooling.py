"""Max and average pooling (NCHW, no padding), with the max-pooling backward pass."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import _checks


def _pooling_windows(x, kernel_size, stride):
    """Validated (N, C, Ho, Wo, kh, kw) window view of x, with the kernel and stride pairs."""
    _checks.ndim("x", x, 4)
    kh, kw = _checks.pair("kernel_size", kernel_size, 1)
    sh, sw = (kh, kw) if stride is None else _checks.pair("stride", stride, 1)
    _checks.fits("kernel_size", (kh, kw), x.shape[2:])
    windows = sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
    return windows, (kh, kw), (sh, sw)


def maxpool2d_forward(x, kernel_size, stride=None):
    """Max pooling forward pass: the maximum of every kh x kw window, taken every ``stride`` pixels.

    Taught in chapter 07_pooling. x is (N, C, H, W); ``kernel_size`` and ``stride`` are ints or pairs, and
    stride defaults to the kernel size. Returns ``(out, cache)``: out (N, C, Ho, Wo) equals
    ``torch.nn.functional.max_pool2d``; cache is a dict with the input shape, kernel size, stride and
    "argmax", the position (0 .. kh*kw - 1, row-major) of each window's maximum, the first one on ties.
    Raises ValueError if x is not 4-D, a size is < 1 or the kernel is larger than the image.
    """
    (x,) = _checks.float_arrays(x=x)
    windows, (kh, kw), stride = _pooling_windows(x, kernel_size, stride)
    # Running maximum over the kh*kw taps in row-major window order; each tap is an (N, C, Ho, Wo) view.
    out = windows[..., 0, 0].copy()
    argmax = np.zeros(out.shape, dtype=np.intp)
    for tap in range(1, kh * kw):
        values = windows[..., tap // kw, tap % kw]
        larger = values > out  # strictly larger: on a tie the first maximum stays, as in PyTorch
        np.maximum(out, values, out=out)
        argmax[larger] = tap
    cache = {"x_shape": x.shape, "kernel_size": (kh, kw), "stride": stride, "argmax": argmax}
    return out, cache


def maxpool2d_backward(dout, cache):
    """Max pooling backward pass: the gradient with respect to x, given the gradient ``dout`` of the output.

    Taught in chapter 07_pooling. Each dout[n, c, i, j] goes to the input pixel that was its window's maximum
    (the first one on ties); where overlapping windows share that pixel, their gradients add up. Every
    other pixel gets 0. Returns an array of the input's shape.
    Raises ValueError if cache is not from maxpool2d_forward or dout does not have the output's shape.
    """
    keys = {"x_shape", "kernel_size", "stride", "argmax"}
    if not isinstance(cache, dict) or not keys <= cache.keys():
        raise ValueError("cache must be the dict returned by maxpool2d_forward")
    (dout,) = _checks.float_arrays(dout=dout)
    argmax = cache["argmax"]
    _checks.shape("dout", dout, argmax.shape)
    n, c, h, w = cache["x_shape"]
    kw = cache["kernel_size"][1]
    sh, sw = cache["stride"]
    ho, wo = argmax.shape[2:]
    # Input pixel of each window's maximum, as a flat index into the (N, C, H, W) array.
    rows = np.arange(ho)[:, None] * sh + argmax // kw
    cols = np.arange(wo) * sw + argmax % kw
    planes = np.arange(n * c).reshape(n, c, 1, 1)
    index = (planes * h + rows) * w + cols
    dx = np.bincount(index.ravel(), weights=dout.ravel(), minlength=n * c * h * w)
    return dx.reshape(n, c, h, w).astype(dout.dtype, copy=False)


def avgpool2d(x, kernel_size, stride=None):
    """Average pooling: the mean of every kh x kw window, taken every ``stride`` pixels.

    Taught in chapter 07_pooling. x is (N, C, H, W); ``kernel_size`` and ``stride`` are ints or pairs, and
    stride defaults to the kernel size. Returns (N, C, Ho, Wo), equal to
    ``torch.nn.functional.avg_pool2d``.
    Raises ValueError if x is not 4-D, a size is < 1 or the kernel is larger than the image.
    """
    (x,) = _checks.float_arrays(x=x)
    windows, (kh, kw), _ = _pooling_windows(x, kernel_size, stride)
    out = windows[..., 0, 0].copy()
    for tap in range(1, kh * kw):  # sum the kh*kw taps, each an (N, C, Ho, Wo) view
        out += windows[..., tap // kw, tap % kw]
    out /= kh * kw
    return out
