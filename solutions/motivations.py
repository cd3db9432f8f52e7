"""Why convolutions: parameter counts, receptive fields and translation."""

from __future__ import annotations

import numpy as np

from . import _checks


def _shape3(name, shape):
    if not isinstance(shape, tuple | list) or len(shape) != 3:
        raise ValueError(f"{name} must be a (channels, height, width) triple, got {shape!r}")
    return tuple(_checks.integer(name, n, 1) for n in shape)


def dense_parameters(in_shape, out_shape, bias=True):
    """Parameters of a fully connected layer from a (C, H, W) input to an (F, Ho, Wo) output.

    Taught in chapter 02_motivations. Every output is connected to every input:
    C*H*W * F*Ho*Wo weights, plus F*Ho*Wo biases if ``bias``. Returns a Python int.
    Raises ValueError if a shape is not a triple of positive ints.
    """
    c, h, w = _shape3("in_shape", in_shape)
    f, ho, wo = _shape3("out_shape", out_shape)
    outputs = f * ho * wo
    return c * h * w * outputs + (outputs if _checks.flag("bias", bias) else 0)


def locally_connected_parameters(in_channels, out_shape, kernel_size, bias=True):
    """Parameters of a locally connected layer: a convolution without weight sharing.

    Taught in chapter 02_motivations. ``out_shape`` is (F, Ho, Wo); each of the Ho*Wo positions has its own
    F x C x kh x kw filter bank: Ho*Wo*F*C*kh*kw weights, plus F*Ho*Wo biases if ``bias``.
    ``kernel_size`` is an int or a pair (kh, kw). Returns a Python int.
    Raises ValueError for non-positive or non-integer sizes.
    """
    c = _checks.integer("in_channels", in_channels, 1)
    f, ho, wo = _shape3("out_shape", out_shape)
    kh, kw = _checks.pair("kernel_size", kernel_size, 1)
    return ho * wo * f * c * kh * kw + (f * ho * wo if _checks.flag("bias", bias) else 0)


def conv_parameters(in_channels, out_channels, kernel_size, bias=True):
    """Parameters of a convolutional layer: one F x C x kh x kw filter bank shared by every position.

    Taught in chapter 02_motivations. F*C*kh*kw weights, plus F biases if ``bias``; independent of the
    image size. ``kernel_size`` is an int or a pair (kh, kw). Returns a Python int.
    Raises ValueError for non-positive or non-integer sizes.
    """
    c = _checks.integer("in_channels", in_channels, 1)
    f = _checks.integer("out_channels", out_channels, 1)
    kh, kw = _checks.pair("kernel_size", kernel_size, 1)
    return f * c * kh * kw + (f if _checks.flag("bias", bias) else 0)


def receptive_field(layers):
    """Receptive field (in input pixels, along one axis) of one output unit of a stack of conv layers.

    Taught in chapter 02_motivations. ``layers`` is a sequence of (kernel, stride, dilation) triples, first
    layer first. Starting from r = 1 and jump j = 1, each layer adds (k - 1) * d * j to r, then multiplies
    j by s. An empty stack gives 1. Returns a Python int.
    Raises ValueError if a layer is not a triple of positive ints.
    """
    r, j = 1, 1
    for index, layer in enumerate(layers):
        name = f"layers[{index}]"
        if not isinstance(layer, tuple | list | np.ndarray) or np.shape(layer) != (3,):
            raise ValueError(f"{name} must be a (kernel, stride, dilation) triple, got {layer!r}")
        k, s, d = (_checks.integer(name, v, 1) for v in layer)
        r += (k - 1) * d * j
        j *= s
    return r


def _shift_slices(shift, size):
    """(destination, source) slices that move ``size`` cells by ``shift`` (clipped to the axis)."""
    shift = max(-size, min(size, shift))
    if shift >= 0:
        return slice(shift, size), slice(0, size - shift)
    return slice(0, size + shift), slice(-shift, size)


def translate(image, dy, dx):
    """Shift the content of an image down by ``dy`` and right by ``dx`` rows/columns, filling with zeros.

    Taught in chapter 02_motivations. Works on the last two axes of any (..., H, W) array and keeps its shape;
    negative shifts move up/left, and a shift as large as the image leaves only zeros.
    Raises ValueError if the image has fewer than 2 dimensions or a shift is not an integer.
    """
    (image,) = _checks.float_arrays(image=image)
    _checks.min_ndim("image", image, 2)
    rows_to, rows_from = _shift_slices(_checks.integer("dy", dy), image.shape[-2])
    cols_to, cols_from = _shift_slices(_checks.integer("dx", dx), image.shape[-1])
    out = np.zeros_like(image)
    out[..., rows_to, cols_to] = image[..., rows_from, cols_from]
    return out
