"""Max and average pooling (NCHW, no padding), with the max-pooling backward pass."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import _checks, _scratch

_GROUP_BYTES = 1 << 21


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
    windows, (kh, kw), (sh, sw) = _pooling_windows(x, kernel_size, stride)
    n, c, h, w = x.shape
    ho, wo = windows.shape[2:4]
    # The taps of a window read pixels `stride` apart, and numpy is slow on such strided views with short
    # rows. So the image planes are first split into their stride phases: phase (a, b) of a plane holds its
    # pixels [a::sh, b::sw], (hq, wq) of them, and the phase's planes follow one another. The pixels that
    # tap (r, q) reads for all outputs of all planes are then one contiguous run of a phase, read as rows
    # wq wide: outputs in columns wo .. wq-1 (and rows ho .. hq-1) read the next row (or padding), and
    # are cropped at the end.
    hq, wq = -(-h // sh), -(-w // sw)
    phases_h, phases_w = min(sh, kh), min(sw, kw)  # phases no tap reads are left out
    whole_cells = (hq * sh, wq * sw, phases_h, phases_w) == (h, w, sh, sw)
    # Planes (one channel of one image) go through in groups of about _GROUP_BYTES: few enough numpy
    # calls that their overhead is small, a group small enough to stay in cache. The temporaries live in
    # scratch buffers that stay allocated between calls (see _scratch).
    group = max(1, min(n * c, _GROUP_BYTES // (h * w * x.itemsize)))
    size = group * hq * wq
    margin = (kh - 1) // sh * wq + (kw - 1) // sw  # the farthest a run starts into its phase
    phases = _scratch.buffer("maxpool.phases", phases_h * phases_w * size + margin, x.dtype)
    # Whatever an earlier call left in the padding of short phases and in the margin after the last one
    # stays there: only outputs that are cropped away read it.
    blocks = phases[: phases_h * phases_w * size].reshape(phases_h, phases_w, group, hq, wq)
    best = _scratch.buffer("maxpool.best", size, x.dtype)
    where = _scratch.buffer("maxpool.where", size, np.min_scalar_type(kh * kw - 1))
    larger = _scratch.buffer("maxpool.larger", size, bool)
    taps = _scratch.buffer("maxpool.taps", size, where.dtype)
    runs = []
    for tap in range(kh * kw):
        r, q = divmod(tap, kw)
        start = ((r % sh) * phases_w + q % sw) * size + (r // sh) * wq + q // sw
        runs.append(phases[start : start + size])
    # (phase, rows, columns) of each phase a tap reads, for the copy below when the image is not whole cells
    pieces = [
        ((a, b), len(range(a, h, sh)), len(range(b, w, sw))) for a in range(phases_h) for b in range(phases_w)
    ]
    out = np.empty((n, c, ho, wo), dtype=x.dtype)
    argmax = np.empty(out.shape, dtype=where.dtype)
    planes, out_planes, argmax_planes = (a.reshape(n * c, *a.shape[2:]) for a in (x, out, argmax))
    for first in range(0, n * c, group):
        chunk = planes[first : first + group]
        g = len(chunk)  # the last group may be smaller: its tail of the buffers is left over, unused
        if whole_cells:  # one transposing copy (the same as the loop below, faster)
            blocks[:, :, :g] = chunk.reshape(g, hq, sh, wq, sw).transpose(2, 4, 0, 1, 3)
        else:
            for (a, b), rows, cols in pieces:
                blocks[a, b, :g, :rows, :cols] = chunk[:, a::sh, b::sw]
        # Running maximum over the taps in row-major window order.
        best[...] = runs[0]
        where[...] = 0
        for tap in range(1, kh * kw):
            np.greater(runs[tap], best, out=larger)  # strictly: on a tie the first maximum stays (PyTorch)
            np.maximum(best, runs[tap], out=best)
            # Taps only grow, so "tap where larger, else keep" is a maximum with larger * tap.
            np.multiply(larger.view(np.uint8), where.dtype.type(tap), out=taps)
            np.maximum(where, taps, out=where)
        out_planes[first : first + g] = best.reshape(group, hq, wq)[:g, :ho, :wo]
        argmax_planes[first : first + g] = where.reshape(group, hq, wq)[:g, :ho, :wo]
    cache = {"x_shape": x.shape, "kernel_size": (kh, kw), "stride": (sh, sw), "argmax": argmax}
    return out, cache


def maxpool2d_backward(dout, cache):
    """Max pooling backward pass: the gradient with respect to x, given the gradient ``dout`` of the output.

    Taught in chapter 07_pooling. Each dout[e, c, i, j] goes to the input pixel that was its window's maximum
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
    # Where windows overlap, one pixel may receive several gradients: bincount sums them over the flat
    # index of each window's maximum in the (N, C, H, W) array, the index of the window's first pixel
    # plus the offset of its argmax tap. (Faster than routing tap by tap even when windows are disjoint.)
    taps = np.arange(kh * kw)
    offsets = taps // kw * w + taps % kw
    index = _scratch.buffer("maxpool.index", (n * c, ho * wo), np.intp)
    offsets.take(argmax.reshape(n * c, ho * wo), out=index)
    index += (np.arange(ho)[:, None] * (sh * w) + np.arange(wo) * sw).ravel()  # the corner in its plane
    index += (np.arange(n * c) * (h * w))[:, None]  # the plane
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
