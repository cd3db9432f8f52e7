"""Chapter 09, transposed convolution and its output size: cases, points, mistakes."""

from __future__ import annotations

import numpy as np

import solutions
from autograder.engine.exercise import Case, Exercise, Mistake


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _rand(rng, *shape):
    return np.round(rng.normal(size=shape), 2)


# -- transposed_output_size --------------------------------------------------------------------------


INVALID = True  # a row of a case table whose arguments the exercise must reject


def _size_cases(rng):
    cases = [
        ("n 4, kernel 3, padding 1, stride 2", (4, 3, 1, 2)),
        ("n 4, kernel 3, padding 1, stride 2, output_padding 1", (4, 3, 1, 2, 1)),
        ("n 3, kernel 2 (defaults: no padding, stride 1)", (3, 2)),
        ("n 5, kernel 4, padding 1, stride 2 (2x upsampling)", (5, 4, 1, 2, 0, 1)),
        ("n 7, kernel 3, stride 3, output_padding 2", (7, 3, 0, 3, 2, 1)),
        ("n 4, kernel 3, padding 2, dilation 2", (4, 3, 2, 1, 0, 2)),
        ("n 1, kernel 5", (1, 5, 0, 1, 0, 1)),
        ("n 6, kernel 5, padding 2, stride 2, output_padding 1", (6, 5, 2, 2, 1, 1)),
        ("output_padding equal to the stride (invalid)", (3, 3, 0, 1, 1, 1), INVALID),
        # PyTorch's rule: output_padding < max(stride, dilation), on both sides of the boundary
        (
            "n 4, kernel 3, stride 1, dilation 2, output_padding 1 (allowed: below the dilation)",
            (4, 3, 0, 1, 1, 2),
        ),
        (
            "n 3, kernel 3, stride 2, dilation 3, output_padding 2 (allowed: below the dilation)",
            (3, 3, 0, 2, 2, 3),
        ),
        ("output_padding equal to the dilation, above the stride (invalid)", (4, 3, 0, 1, 2, 2), INVALID),
        ("output_padding equal to the stride, above the dilation (invalid)", (4, 3, 1, 3, 3, 2), INVALID),
        ("padding crops everything (invalid)", (1, 1, 1, 1, 0, 1), INVALID),
        ("stride 0 (invalid)", (4, 3, 0, 0, 0, 1), INVALID),
    ]
    return [Case(label, args, *invalid) for label, args, *invalid in cases]


def _forward_formula(n, k, p=0, s=1, op=0, d=1):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def _without_output_padding(n, k, p=0, s=1, op=0, d=1):
    return (n - 1) * s - 2 * p + d * (k - 1) + 1


transposed_output_size = Exercise(
    name="transposed_output_size",
    points=2,
    make_cases=_size_cases,
    reference=solutions.transposed_output_size,
    arg_names=("input_size", "kernel_size", "padding", "stride", "output_padding", "dilation"),
    mistakes=(
        Mistake(
            "chapter 03's formula used instead",
            "That is the size of a convolution's output. A transposed convolution goes the other way: "
            "solve chapter 03's formula for n, (n - 1) * s - 2p + d(k - 1) + 1, plus output_padding.",
            _forward_formula,
        ),
        Mistake(
            "output_padding forgotten",
            "Add output_padding: it picks which of the stride sizes that a convolution maps to the same "
            "output size the transposed convolution produces.",
            _without_output_padding,
        ),
    ),
)

# -- conv_transpose2d --------------------------------------------------------------------------------


def _transpose_cases(rng):
    def case(label, n, c, f, hw, k, stride=1, padding=0, output_padding=0, bias=False):
        (h, w), (kh, kw) = _pair(hw), _pair(k)
        b = _rand(rng, f) if bias else None
        args = (_rand(rng, n, c, h, w), _rand(rng, c, f, kh, kw), b, stride, padding, output_padding)
        return Case(label, args)

    return [
        Case(
            "one row of two pixels, 3x3 kernel of ones, stride 2: each stamps the kernel",
            (np.array([[[[1.0, 10.0]]]]), np.ones((1, 1, 3, 3)), None, 2, 0, 0),
        ),
        case("1 channel, 3x3 input, 2x2 kernel, stride 1", 1, 1, 1, 3, 2),
        case("2 -> 2 channels, stride 2, 3x3 kernel, padding 1", 1, 2, 2, 3, 3, 2, 1),
        case("2 -> 2 channels, stride 2, padding 1, output_padding 1", 1, 2, 2, 3, 3, 2, 1, 1),
        case("3 -> 2 channels, stride 1, padding 1, with bias", 1, 3, 2, 4, 3, 1, 1, bias=True),
        case(
            "batch of 2, stride (2, 1), kernel (3, 2), output_padding (1, 0)",
            2,
            2,
            2,
            (3, 4),
            (3, 2),
            (2, 1),
            0,
            (1, 0),
        ),
        case("2x upsampling: 4x4 kernel, stride 2, padding 1, with bias", 2, 2, 2, 3, 4, 2, 1, bias=True),
        case("stride 3, 2x2 kernel (gaps between stamps), output_padding 2", 1, 1, 1, 2, 2, 3, 0, 2),
        Case(
            "channel mismatch (invalid)",
            (_rand(rng, 1, 2, 3, 3), _rand(rng, 3, 2, 2, 2), None, 1, 0, 0),
            invalid=True,
        ),
        Case(
            "output_padding not smaller than stride (invalid)",
            (_rand(rng, 1, 1, 3, 3), _rand(rng, 1, 1, 3, 3), None, 2, 0, 2),
            invalid=True,
        ),
        Case(
            "negative padding (invalid)",
            (_rand(rng, 1, 1, 3, 3), _rand(rng, 1, 1, 2, 2), None, 1, -1, 0),
            invalid=True,
        ),
    ]


def _padded_instead(x, weight, bias=None, stride=1, padding=0, output_padding=0, *, bias_first=False):
    """The uncropped output with ``padding`` zeros added around it."""
    (ph, pw) = _pair(padding)
    b = bias if bias_first else None
    out = np.pad(
        solutions.conv_transpose2d(x, weight, b, stride, 0, output_padding),
        ((0, 0), (0, 0), (ph, ph), (pw, pw)),
    )
    return out if bias is None or bias_first else out + np.asarray(bias, dtype=float)[:, None, None]


conv_transpose2d = Exercise(
    name="conv_transpose2d",
    points=3,
    make_cases=_transpose_cases,
    reference=solutions.conv_transpose2d,
    arg_names=("x", "weight", "bias", "stride", "padding", "output_padding"),
    shape_rule="The output grows: (N, F, Ho, Wo) with F = weight.shape[1], Ho = (H - 1) * sh - 2 * ph + "
    "kh + output_padding and Wo alike.",
    mistakes=(
        Mistake(
            "weight read as (F, C_in)",
            "A transposed convolution's weight is (C_in, F, kh, kw), input channels first (it is the weight "
            "of the convolution it reverses): input channel c stamps weight[c, f] into output channel f.",
            lambda x, w, *a: solutions.conv_transpose2d(x, np.asarray(w).transpose(1, 0, 2, 3), *a),
        ),
        Mistake(
            "output_padding ignored",
            "output_padding adds that many rows (columns) at the bottom (right) of the output: the size is "
            "(H - 1) * stride - 2 * padding + kh + output_padding.",
            lambda x, w, b=None, s=1, p=0, op=0: solutions.conv_transpose2d(x, w, b, s, p, 0),
        ),
        Mistake(
            "padding added instead of cropped",
            "In a transposed convolution, padding is what the forward convolution had added: crop padding "
            "rows and columns off each side of the stamped output, do not add them.",
            _padded_instead,
        ),
        Mistake(
            "padding added instead of cropped",
            "Crop padding rows and columns off each side of the stamped output, do not add them.",
            lambda *a: _padded_instead(*a, bias_first=True),
        ),
    ),
)


EXERCISES = [transposed_output_size, conv_transpose2d]
