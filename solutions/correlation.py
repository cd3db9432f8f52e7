"""Cross-correlation and convolution of one 2-D image with one 2-D kernel."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import _checks


def _image_and_kernel(image, kernel):
    image, kernel = _checks.float_arrays(image=image, kernel=kernel)
    _checks.ndim("image", image, 2)
    _checks.ndim("kernel", kernel, 2)
    _checks.non_empty("kernel", kernel)
    return image, kernel


def correlate2d(image, kernel):
    """Valid cross-correlation: S(i, j) = sum over m, n of I(i + m, j + n) K(m, n).

    Taught in chapter 01_convolution. Returns shape (H - kh + 1, W - kw + 1), equal to
    ``scipy.signal.correlate2d(image, kernel, mode="valid")``.
    Raises ValueError if an argument is not 2-D or the kernel is larger than the image.
    """
    image, kernel = _image_and_kernel(image, kernel)
    _checks.fits("kernel", kernel.shape, image.shape)
    windows = sliding_window_view(image, kernel.shape)  # (Ho, Wo, kh, kw) view, no copy
    return np.tensordot(windows, kernel, axes=2)


def convolve2d(image, kernel):
    """Valid convolution: S(i, j) = sum over m, n of I(i - m, j - n) K(m, n).

    Taught in chapter 01_convolution. It is the correlation with the kernel flipped in both directions;
    equal to ``scipy.signal.convolve2d(image, kernel, mode="valid")``.
    Raises ValueError if an argument is not 2-D or the kernel is larger than the image.
    """
    image, kernel = _image_and_kernel(image, kernel)
    return correlate2d(image, kernel[::-1, ::-1])


def convolve2d_full(image, kernel):
    """Full convolution: every position where kernel and image overlap, shape (H + kh - 1, W + kw - 1).

    Taught in chapter 01_convolution. Zero-pads the image by kh - 1 rows and kw - 1 columns on each side,
    then convolves; equal to ``scipy.signal.convolve2d(image, kernel, mode="full")`` and commutative.
    Raises ValueError if an argument is not 2-D or is empty.
    """
    image, kernel = _image_and_kernel(image, kernel)
    _checks.non_empty("image", image)
    kh, kw = kernel.shape
    return convolve2d(np.pad(image, ((kh - 1, kh - 1), (kw - 1, kw - 1))), kernel)
