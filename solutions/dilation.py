"""Dilated (atrous) convolution: kernel taps spread d pixels apart."""

from __future__ import annotations

import numpy as np

from . import _checks


def dilate_kernel(kernel, dilation):
    """Insert d - 1 zeros between neighbouring taps of a 2-D kernel.

    Taught in chapter 06_dilation. A (kh, kw) kernel becomes (d(kh - 1) + 1, d(kw - 1) + 1) with the taps
    at every d-th row and column. ``dilation`` is an int or a pair (dh, dw).
    Raises ValueError if the kernel is not 2-D (as the chapter's exercise states) or dilation < 1.
    """
    (kernel,) = _checks.float_arrays(kernel=kernel)
    _checks.ndim("kernel", kernel, 2)
    _checks.non_empty("kernel", kernel)
    dh, dw = _checks.pair("dilation", dilation, 1)
    kh, kw = kernel.shape
    out = np.zeros((dh * (kh - 1) + 1, dw * (kw - 1) + 1), dtype=kernel.dtype)
    out[::dh, ::dw] = kernel
    return out


def dilated_correlate2d(image, kernel, dilation=1):
    """Valid cross-correlation with a dilated kernel, without building the dilated kernel.

    Taught in chapter 06_dilation. S(i, j) = sum over m, l of I(i + dh*m, j + dw*l) K(m, l): each window
    spans d(k - 1) + 1 pixels and only every d-th one is used. ``dilation`` is an int or a pair.
    Equal to ``torch.nn.functional.conv2d(..., dilation=d)`` on 1 x 1 x H x W tensors.
    Raises ValueError for wrong dimensions, dilation < 1 or a dilated kernel larger than the image.
    """
    image, kernel = _checks.float_arrays(image=image, kernel=kernel)
    _checks.ndim("image", image, 2)
    _checks.ndim("kernel", kernel, 2)
    _checks.non_empty("kernel", kernel)
    dh, dw = _checks.pair("dilation", dilation, 1)
    kh, kw = kernel.shape
    span = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    _checks.fits("dilated kernel", span, image.shape)
    ho, wo = image.shape[0] - span[0] + 1, image.shape[1] - span[1] + 1
    # One pass per tap: the tap's weight times the image shifted by (dh*m, dw*l), added up. Each pass
    # reads a contiguous block of the image, with no copy of the (Ho, Wo, kh, kw) windows.
    out = np.zeros((ho, wo), dtype=image.dtype)
    term = np.empty_like(out)
    for m in range(kh):
        for l in range(kw):
            np.multiply(image[dh * m : dh * m + ho, dw * l : dw * l + wo], kernel[m, l], out=term)
            out += term
    return out


def effective_kernel_size(kernel_size, dilation):
    """Span of a dilated kernel along one axis: d(k - 1) + 1.

    Taught in chapter 06_dilation. Returns a Python int.
    Raises ValueError if k < 1 or d < 1.
    """
    k = _checks.integer("kernel_size", kernel_size, 1)
    d = _checks.integer("dilation", dilation, 1)
    return d * (k - 1) + 1
