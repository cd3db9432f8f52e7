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
    out = np.empty(windows.shape[:4], dtype=x.dtype)
    argmax = np.zeros(out.shape, dtype=np.min_scalar_type(kh * kw - 1))
    # Running maximum over the kh*kw taps in row-major window order, one image at a time so that the
    # image and its outputs stay in cache. Each tap is an (C, Ho, Wo) view of the image.
    larger = np.empty(out.shape[1:], dtype=bool)
    taps = np.empty(out.shape[1:], dtype=argmax.dtype)
    for image, best, where in zip(windows, out, argmax, strict=True):
        best[...] = image[..., 0, 0]
        for tap in range(1, kh * kw):
            values = image[..., tap // kw, tap % kw]
            np.greater(values, best, out=larger)  # strictly: on a tie the first maximum stays (PyTorch)
            np.maximum(best, values, out=best)
            # Taps only grow, so "tap where larger, else keep" is a maximum with larger * tap.
            np.multiply(larger, argmax.dtype.type(tap), out=taps)
            np.maximum(where, taps, out=where)
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
    kh, kw = cache["kernel_size"]
    sh, sw = cache["stride"]
    ho, wo = argmax.shape[2:]
    if sh >= kh and sw >= kw:
        return _route_disjoint(dout, argmax, (n, c, h, w), (kh, kw), (sh, sw))
    # Overlapping windows: one pixel may receive several gradients, summed by bincount over the flat
    # index of each window's maximum in the (N, C, H, W) array.
    rows = np.arange(ho)[:, None] * sh + argmax // kw
    cols = np.arange(wo) * sw + argmax % kw
    planes = np.arange(n * c).reshape(n, c, 1, 1)
    index = (planes * h + rows) * w + cols
    dx = np.bincount(index.ravel(), weights=dout.ravel(), minlength=n * c * h * w)
    return dx.reshape(n, c, h, w).astype(dout.dtype, copy=False)


def _route_disjoint(dout, argmax, x_shape, kernel, stride):
    """Backward pass when windows do not overlap: every input pixel gets at most one gradient, so
    each tap writes ``dout`` where it was the maximum (0 elsewhere) into its strided view of dx."""
    (kh, kw), (sh, sw) = kernel, stride
    ho, wo = argmax.shape[2:]
    dx = np.zeros(x_shape, dtype=dout.dtype)
    chosen = np.empty(argmax.shape[1:], dtype=bool)
    routed = np.empty(argmax.shape[1:], dtype=dout.dtype)
    for grad, where, image in zip(dout, argmax, dx, strict=True):  # one image at a time, in cache
        for tap in range(kh * kw):
            r, q = divmod(tap, kw)
            np.equal(where, tap, out=chosen)
            np.multiply(grad, chosen, out=routed)
            image[:, r : r + sh * (ho - 1) + 1 : sh, q : q + sw * (wo - 1) + 1 : sw] = routed
    return dx


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
