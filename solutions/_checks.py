"""Argument checks shared by the solutions. Every error is a ValueError whose message names the argument."""

from __future__ import annotations

import numbers

import numpy as np

PAD_MODES = ("zeros", "reflect", "replicate", "circular")


def integer(name, value, minimum=None):
    """``value`` as a Python int; ValueError unless it is an integer (not a bool) and >= ``minimum``."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def pair(name, value, minimum=None):
    """An int or a pair of ints as a tuple of two Python ints, each >= ``minimum``."""
    if isinstance(value, tuple | list):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
        return tuple(integer(name, v, minimum) for v in value)
    value = integer(name, value, minimum)
    return value, value


def flag(name, value):
    """``value`` as a bool; ValueError unless it is True or False."""
    if not isinstance(value, bool | np.bool_):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def float_arrays(**arrays):
    """The named array-likes as float arrays of one dtype, in the order given; None stays None.

    The dtype is float32 if every array is float32, otherwise float64 (ints and bools become float64).
    Arrays already of that dtype are returned as they are, never copied: callers must not write into them.
    """
    converted = {}
    for name, value in arrays.items():
        if value is None:
            converted[name] = None
            continue
        array = np.asarray(value)
        if array.dtype.kind not in "buif":
            raise ValueError(f"{name} must hold real numbers, got dtype {array.dtype}")
        converted[name] = array
    present = [a for a in converted.values() if a is not None]
    dtype = np.float32 if all(a.dtype == np.float32 for a in present) else np.float64
    return tuple(None if a is None else a.astype(dtype, copy=False) for a in converted.values())


def ndim(name, array, expected):
    """ValueError unless ``array`` has ``expected`` dimensions."""
    if array.ndim != expected:
        raise ValueError(f"{name} must be {expected}-D, got {array.ndim}-D")


def min_ndim(name, array, minimum):
    """ValueError unless ``array`` has at least ``minimum`` dimensions."""
    if array.ndim < minimum:
        raise ValueError(f"{name} must be at least {minimum}-D, got {array.ndim}-D")


def non_empty(name, array):
    """ValueError if ``array`` has a zero-length axis."""
    if array.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {array.shape}")


def shape(name, array, expected):
    """ValueError unless ``array.shape == expected``."""
    if array.shape != tuple(expected):
        raise ValueError(f"{name} must have shape {tuple(expected)}, got {array.shape}")


def channels(x, weight_channels):
    """ValueError unless the NCHW input ``x`` has ``weight_channels`` channels."""
    if x.shape[1] != weight_channels:
        raise ValueError(f"x has {x.shape[1]} channels but weight expects {weight_channels}")


def conv_layer(x, weight, bias, stride, padding, *, in_axis=1):
    """The checks every convolution layer makes: x and weight 4-D, a non-empty weight whose input-channel
    axis (``in_axis``: 1 for a convolution's (F, C, kh, kw), 0 for a transposed one's (C, F, kh, kw))
    matches x, a bias (if any) with one entry per output channel, stride >= 1 and padding >= 0 as ints or
    pairs. Returns the (stride, padding) pairs."""
    ndim("x", x, 4)
    ndim("weight", weight, 4)
    non_empty("weight", weight)
    channels(x, weight.shape[in_axis])
    if bias is not None:
        shape("bias", bias, (weight.shape[1 - in_axis],))
    return pair("stride", stride, 1), pair("padding", padding, 0)


def fits(name, kernel_hw, image_hw, image="image"):
    """ValueError if a (kh, kw) window does not fit in an (H, W) image (the output would be empty)."""
    kernel_hw, image_hw = tuple(kernel_hw), tuple(image_hw)
    if kernel_hw[0] > image_hw[0] or kernel_hw[1] > image_hw[1]:
        raise ValueError(f"{name} {kernel_hw} is larger than the {image} {image_hw}")


def pad_mode(mode):
    """ValueError unless ``mode`` is one of PAD_MODES."""
    if mode not in PAD_MODES:
        options = ", ".join(repr(m) for m in PAD_MODES)
        raise ValueError(f"mode must be one of {options}, got {mode!r}")
