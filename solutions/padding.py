"""Padding, strides and the output-size formula."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import _checks

# pad2d mode -> numpy.pad mode
_NUMPY_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def output_size(input_size, kernel_size, padding=0, stride=1, dilation=1):
    """Length of a convolution's output along one axis: floor((n + 2p - d(k - 1) - 1) / s) + 1.

    Taught in chapter 03_padding. Returns a Python int.
    Raises ValueError if n < 1, k < 1, p < 0, s < 1, d < 1, or the output would be empty (result < 1).
    """
    n = _checks.integer("input_size", input_size, 1)
    k = _checks.integer("kernel_size", kernel_size, 1)
    p = _checks.integer("padding", padding, 0)
    s = _checks.integer("stride", stride, 1)
    d = _checks.integer("dilation", dilation, 1)
    span = d * (k - 1) + 1
    if span > n + 2 * p:
        raise ValueError(
            f"kernel_size {k} (spanning {span} with dilation {d}) is larger than input_size {n} "
            f"with padding {p}: the output would be empty"
        )
    return (n + 2 * p - span) // s + 1


def pad2d(image, padding, mode="zeros"):
    """Pad the last two axes of an (..., H, W) array.

    Taught in chapter 03_padding. ``padding`` is an int (all four sides) or (top, bottom, left, right).
    Modes: "zeros" (constant 0), "reflect" (mirror without repeating the edge), "replicate" (repeat the
    edge), "circular" (wrap around); equal to ``torch.nn.functional.pad`` with modes constant, reflect,
    replicate and circular. As in PyTorch, "reflect" needs padding < the size of its axis, "circular"
    padding <= that size, and every mode but "zeros" a non-empty image.
    Raises ValueError for negative padding, an unknown mode or a padding the mode cannot make.
    """
    (image,) = _checks.float_arrays(image=image)
    _checks.min_ndim("image", image, 2)
    _checks.pad_mode(mode)
    if isinstance(padding, tuple | list):
        if len(padding) != 4:
            raise ValueError(f"padding must be an int or (top, bottom, left, right), got {padding!r}")
        top, bottom, left, right = (_checks.integer("padding", p, 0) for p in padding)
    else:
        top = bottom = left = right = _checks.integer("padding", padding, 0)
    if mode != "zeros":
        _checks.non_empty("image", image)
        height, width = image.shape[-2:]
        for pad, size, axis in ((max(top, bottom), height, "height"), (max(left, right), width, "width")):
            if mode == "reflect" and pad >= size:
                raise ValueError(f"padding {pad} must be < the image {axis} {size} for mode 'reflect'")
            if mode == "circular" and pad > size:
                raise ValueError(f"padding {pad} must be <= the image {axis} {size} for mode 'circular'")
    widths = [(0, 0)] * (image.ndim - 2) + [(top, bottom), (left, right)]
    return np.pad(image, widths, mode=_NUMPY_MODES[mode])


def correlate2d_padded(image, kernel, padding=0, stride=1):
    """Zero-pad a 2-D image, then cross-correlate with a 2-D kernel, keeping every ``stride``-th position.

    Taught in chapter 03_padding. ``padding`` (rows, columns added on each side) and ``stride`` are ints or
    pairs. Output shape per axis: floor((n + 2p - k) / s) + 1; equal to ``torch.nn.functional.conv2d`` on
    1 x 1 x H x W tensors.
    Raises ValueError for wrong dimensions, negative padding, stride < 1 or a kernel larger than the
    padded image.
    """
    image, kernel = _checks.float_arrays(image=image, kernel=kernel)
    _checks.ndim("image", image, 2)
    _checks.ndim("kernel", kernel, 2)
    _checks.non_empty("kernel", kernel)
    ph, pw = _checks.pair("padding", padding, 0)
    sh, sw = _checks.pair("stride", stride, 1)
    padded = np.pad(image, ((ph, ph), (pw, pw))) if ph or pw else image
    _checks.fits("kernel", kernel.shape, padded.shape, "padded image")
    windows = sliding_window_view(padded, kernel.shape)[::sh, ::sw]
    return np.tensordot(windows, kernel, axes=2)


def same_padding(kernel_size, dilation=1):
    """(before, after) zero padding that keeps the size of a stride-1 convolution's output.

    Taught in chapter 03_padding. The total is d(k - 1); ``before = total // 2`` and ``after`` takes the rest
    (PyTorch's and TensorFlow's "same"). Returns a tuple of two Python ints.
    Raises ValueError if k < 1 or d < 1.
    """
    k = _checks.integer("kernel_size", kernel_size, 1)
    d = _checks.integer("dilation", dilation, 1)
    total = d * (k - 1)
    return total // 2, total - total // 2
