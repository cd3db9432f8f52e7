"""Chapter 08, the backward pass of a convolution and transposed convolution: cases, points, mistakes."""

from __future__ import annotations

import numpy as np

import solutions
from autograder.engine.exercise import Case, Exercise, Mistake


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _rand(rng, *shape):
    return np.round(rng.normal(size=shape), 2)


# -- conv2d_backward ---------------------------------------------------------------------------------

WORKED_EXAMPLE = (
    np.ones((1, 1, 2, 2)),
    np.arange(9.0).reshape(1, 1, 3, 3),
    np.array([[[[1.0, 2.0], [3.0, 4.0]]]]),
)


def _backward_cases(rng):
    def case(label, n, c, f, hw, k, stride=1, padding=0):
        (h, w), (kh, kw), (sh, sw), (ph, pw) = _pair(hw), _pair(k), _pair(stride), _pair(padding)
        ho, wo = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
        args = (_rand(rng, n, f, ho, wo), _rand(rng, n, c, h, w), _rand(rng, f, c, kh, kw), stride, padding)
        return Case(label, args)

    return [
        Case("the worked example: 3x3 image, 2x2 kernel, dout of ones", (*WORKED_EXAMPLE, 1, 0)),
        case("2 channels, 3 filters, 4x4 image, 3x3 kernel", 1, 2, 3, 4, 3),
        case("batch of 2, stride 2, 5x5 image, 3x3 kernel", 2, 1, 2, 5, 3, stride=2),
        case("batch of 2, 3 channels, 2 filters, padding 1", 2, 3, 2, 4, 3, padding=1),
        case("batch of 3, 2 channels, 2 filters, stride 2, padding 1", 3, 2, 2, 5, 3, stride=2, padding=1),
        case(
            "non-square kernel (2, 3), stride (1, 2), padding (1, 0)", 2, 2, 3, (4, 6), (2, 3), (1, 2), (1, 0)
        ),
        case("stride 2 on a 6x6 image: the last row and column are never read", 1, 2, 1, 6, 3, stride=2),
        case("1x1 kernel, batch of 2, 3 channels, 2 filters", 2, 3, 2, 3, 1),
        Case(
            "dout of the wrong shape (invalid)",
            (np.ones((1, 2, 3, 3)), _rand(rng, 1, 2, 4, 4), _rand(rng, 2, 2, 3, 3), 1, 0),
        ),
        Case(
            "channel mismatch (invalid)",
            (np.ones((1, 2, 2, 2)), _rand(rng, 1, 3, 4, 4), _rand(rng, 2, 2, 3, 3), 1, 0),
        ),
    ]


def _dx_loop(dout, x, weight, stride, padding, *, flip=False, use_stride=True, crop=True):
    """dx by sending each dout[:, :, i, j] back through the kernel, with one thing done wrong."""
    dout, x, weight = (np.asarray(a, dtype=float) for a in (dout, x, weight))
    (sh, sw), (ph, pw) = _pair(stride), _pair(padding)
    if not use_stride:
        sh = sw = 1
    kernel = weight[..., ::-1, ::-1] if flip else weight
    n, c, h, w = x.shape
    kh, kw = weight.shape[2:]
    dxpad = np.zeros((n, c, h + 2 * ph, w + 2 * pw))
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            contribution = np.einsum("nf,fckl->nckl", dout[:, :, i, j], kernel)
            dxpad[:, :, i * sh : i * sh + kh, j * sw : j * sw + kw] += contribution
    return dxpad[:, :, ph : ph + h, pw : pw + w] if crop else dxpad


def _with(args, *, dx=None, dweight=None, dbias=None):
    """The reference gradients with some of them replaced by a wrong one."""
    right = solutions.conv2d_backward(*args)
    return tuple(right[i] if wrong is None else wrong for i, wrong in enumerate((dx, dweight, dbias)))


def _last_image_dweight(dout, x, weight, stride=1, padding=0):
    return solutions.conv2d_backward(np.asarray(dout)[-1:], np.asarray(x)[-1:], weight, stride, padding)[1]


def _per_image_dweight(dout, x, weight, stride=1, padding=0):
    per = [
        solutions.conv2d_backward(d[None], i[None], weight, stride, padding)[1]
        for d, i in zip(dout, x, strict=True)
    ]
    return np.stack(per)


def _backward_gradient(case, returned):
    """Split the driver's ``(gradients, numerical gradients of the student's conv2d)``; the numerical
    ones count only when the student's conv2d ran on every perturbed input (a triple of arrays)."""
    if not isinstance(returned, tuple | list) or len(returned) != 2:
        raise TypeError("the backward driver returned something other than (gradients, numerical)")
    gradients, numerical = returned
    if not isinstance(numerical, tuple | list) or len(numerical) != 3:
        return gradients, None
    return gradients, tuple(numerical)


conv2d_backward = Exercise(
    name="conv2d_backward",
    points=5,
    make_cases=_backward_cases,
    reference=solutions.conv2d_backward,
    driver="conv_backward",
    uses=("conv2d",),
    gradient=_backward_gradient,
    arg_names=("dout", "x", "weight", "stride", "padding"),
    shape_rule="dx has the shape of x, (N, C, H, W), dweight that of weight, (F, C, kh, kw), and dbias "
    "one entry per filter, (F,).",
    parts=("dx", "dweight", "dbias"),
    mistakes=(
        Mistake(
            "kernel not flipped in dx (correlation instead of convolution)",
            "Pixel (p, q) was multiplied by weight[m, l] in output (p - m, q - l): sending dout back is a "
            "full convolution, so the kernel appears flipped. Add dout[n, f, i, j] * weight[f] into the "
            "window the forward pass read, and the flip happens by itself.",
            lambda *a: _with(a, dx=_dx_loop(*a, flip=True)),
        ),
        Mistake(
            "stride ignored in dx",
            "Output (i, j) read the window starting at row i * sh, column j * sw: its gradient goes back to "
            "that window (in the full-convolution view, dout is spread out with stride - 1 zeros between "
            "its entries).",
            lambda *a: _with(a, dx=_dx_loop(*a, use_stride=False)),
        ),
        Mistake(
            "padding not cropped from dx",
            "Accumulate dx on the padded image, then crop the padding off: dx has the shape of x, and the "
            "zeros that padding added are not inputs.",
            lambda *a: _with(a, dx=_dx_loop(*a, crop=False)),
        ),
        Mistake(
            "dweight not summed over the batch",
            "Every image of the batch used the same weights: dweight is the sum of the images' "
            "contributions (+= inside the loop over n), of shape (F, C, kh, kw).",
            lambda *a: _with(a, dweight=_last_image_dweight(*a)),
        ),
        Mistake(
            "dweight not summed over the batch",
            "Every image of the batch used the same weights: add the images' contributions up into one "
            "(F, C, kh, kw) array.",
            lambda *a: _with(a, dweight=_per_image_dweight(*a)),
        ),
        Mistake(
            "dweight with F and C swapped",
            "dweight has the shape of weight, (F, C, kh, kw): filters first, then input channels.",
            lambda *a: _with(a, dweight=solutions.conv2d_backward(*a)[1].transpose(1, 0, 2, 3)),
        ),
        Mistake(
            "dbias summed over the wrong axes",
            "bias[f] was added to every position of every image in channel f: dbias[f] sums dout[:, f] over "
            "the batch and both spatial axes (axes 0, 2 and 3).",
            lambda *a: _with(a, dbias=np.asarray(a[0], dtype=float).sum(axis=(2, 3))),
        ),
        Mistake(
            "dbias summed over the wrong axes",
            "dbias has one entry per filter: sum dout over the batch and both spatial axes.",
            lambda *a: _with(a, dbias=np.asarray(a[0], dtype=float).sum(axis=(1, 2, 3))),
        ),
        Mistake(
            "dbias summed over the wrong axes",
            "dbias has one entry per filter: sum dout over the batch and over the spatial axes too.",
            lambda *a: _with(a, dbias=np.asarray(a[0], dtype=float).sum(axis=0)),
        ),
    ),
)


# -- transposed_output_size --------------------------------------------------------------------------


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
        ("output_padding equal to the stride (invalid)", (3, 3, 0, 1, 1, 1)),
        # PyTorch's rule: output_padding < max(stride, dilation), on both sides of the boundary
        (
            "n 4, kernel 3, stride 1, dilation 2, output_padding 1 (allowed: below the dilation)",
            (4, 3, 0, 1, 1, 2),
        ),
        (
            "n 3, kernel 3, stride 2, dilation 3, output_padding 2 (allowed: below the dilation)",
            (3, 3, 0, 2, 2, 3),
        ),
        ("output_padding equal to the dilation, above the stride (invalid)", (4, 3, 0, 1, 2, 2)),
        ("output_padding equal to the stride, above the dilation (invalid)", (4, 3, 1, 3, 3, 2)),
        ("padding crops everything (invalid)", (1, 1, 1, 1, 0, 1)),
        ("stride 0 (invalid)", (4, 3, 0, 0, 0, 1)),
    ]
    return [Case(label, args) for label, args in cases]


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
        Case("channel mismatch (invalid)", (_rand(rng, 1, 2, 3, 3), _rand(rng, 3, 2, 2, 2), None, 1, 0, 0)),
        Case(
            "output_padding not smaller than stride (invalid)",
            (_rand(rng, 1, 1, 3, 3), _rand(rng, 1, 1, 3, 3), None, 2, 0, 2),
        ),
        Case("negative padding (invalid)", (_rand(rng, 1, 1, 3, 3), _rand(rng, 1, 1, 2, 2), None, 1, -1, 0)),
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


EXERCISES = [conv2d_backward, transposed_output_size, conv_transpose2d]
