"""Chapter 04, 3D activations, 4D weights and locally connected layers: cases, points, mistakes."""

from __future__ import annotations

import numpy as np

import solutions
from autograder.engine.exercise import Case, Exercise, Mistake


def _rand(rng, *shape):
    return np.round(rng.normal(size=shape), 2)


def _conv_cases(rng):
    r = lambda *s: _rand(rng, *s)  # noqa: E731 - a short local alias keeps the table readable
    return [
        Case(
            "1 image, 1 channel, 1 filter, 3x3 image, 2x2 kernel",
            (np.arange(9.0).reshape(1, 1, 3, 3), np.ones((1, 1, 2, 2))),
        ),
        Case("2 channels, 3 filters, with bias", (r(1, 2, 4, 4), r(3, 2, 3, 3), r(3))),
        Case("batch of 2, stride 2, padding 1, with bias", (r(2, 3, 5, 5), r(2, 3, 3, 3), r(2), 2, 1)),
        Case("non-square kernel (2, 3), stride (1, 2)", (r(1, 2, 5, 6), r(2, 2, 2, 3), None, (1, 2))),
        Case("padding (0, 1), stride (2, 1)", (r(1, 1, 5, 4), r(2, 1, 3, 3), r(2), (2, 1), (0, 1))),
        Case(
            "4 filters on a 6x4 image: bias length equals the output width",
            (r(1, 2, 6, 4), r(4, 2, 3, 1), r(4)),
        ),
        Case("1x1 kernel, 3 -> 2 channels", (r(2, 3, 3, 3), r(2, 3, 1, 1), r(2))),
        Case("integer input", (rng.integers(0, 5, size=(1, 2, 4, 4)), r(1, 2, 2, 2))),
        Case("channel mismatch (invalid)", (r(1, 3, 4, 4), r(2, 2, 3, 3)), invalid=True),
        Case("x without its batch axis (invalid)", (r(2, 4, 4), r(1, 2, 3, 3)), invalid=True),
    ]


def _conv(*args, **changes):
    """The reference conv2d on a case's arguments, some of them replaced (by name)."""
    names = ("x", "weight", "bias", "stride", "padding")
    values = dict(zip(names, (None, None, None, 1, 0), strict=True)) | dict(zip(names, args, strict=False))
    values |= changes
    return solutions.conv2d(*(values[n] for n in names))


def _one_axis(stride):
    sh, _ = (stride, stride) if isinstance(stride, int) else stride
    return (sh, 1)


conv2d = Exercise(
    name="conv2d",
    points=5,
    make_cases=_conv_cases,
    reference=solutions.conv2d,
    arg_names=("x", "weight", "bias", "stride", "padding"),
    shape_rule="out has shape (N, F, Ho, Wo): N from x, F from weight, Ho = floor((H + 2 ph - kh) / sh) + 1 "
    "and Wo = floor((W + 2 pw - kw) / sw) + 1.",
    mistakes=(
        Mistake(
            "kernel flipped (true convolution)",
            "Deep-learning convolution is a cross-correlation: use weight[f, c, m, l] as it is, without "
            "flipping (chapter 1).",
            lambda x, w, *a: _conv(x, w, *a, weight=np.asarray(w)[..., ::-1, ::-1]),
        ),
        Mistake(
            "bias dropped",
            "Add bias[f] to every pixel of output channel f when a bias is given.",
            lambda x, w, *a: _conv(x, w, *a, bias=None),
        ),
        Mistake(
            "bias broadcast on the wrong axis",
            "out has shape (N, F, Ho, Wo): bias[f] belongs to axis 1, so add bias[:, None, None], not bias.",
            lambda x, w, b=None, *a: _conv(x, w, None, *a) + np.asarray(b),
        ),
        Mistake(
            "stride applied on one axis only",
            "The stride moves the window down and across: rows i * sh and columns j * sw.",
            lambda x, w, b=None, s=1, *a: _conv(x, w, b, _one_axis(s), *a),
        ),
        Mistake(
            "padding ignored",
            "Pad every channel of x with zeros first: padding rows above and below, columns left and right.",
            lambda x, w, b=None, s=1, p=0: _conv(x, w, b, s, 0),
        ),
        Mistake(
            "NHWC vs NCHW",
            "Arrays here are NCHW, as in PyTorch: the output must be (N, F, Ho, Wo), channels before rows.",
            lambda *a: np.moveaxis(_conv(*a), 1, -1),
        ),
    ),
)


def _lc_cases(rng):
    def case(label, n, c, h, w, f, k, stride=1, bias=True):
        kh, kw = (k, k) if isinstance(k, int) else k
        sh, sw = (stride, stride) if isinstance(stride, int) else stride
        ho, wo = (h - kh) // sh + 1, (w - kw) // sw + 1
        args = [_rand(rng, n, c, h, w), _rand(rng, ho, wo, f, c, kh, kw)]
        args.append(_rand(rng, f, ho, wo) if bias else None)
        if stride != 1:
            args.append(stride)
        return Case(label, tuple(args))

    return [
        case("1 channel, 3x3 image, 2x2 kernel, no bias", 1, 1, 3, 3, 1, 2, bias=False),
        case("2 channels, 2 filters, with bias", 1, 2, 4, 4, 2, 3),
        case("batch of 2, stride 2", 2, 2, 5, 5, 3, 3, stride=2),
        case("non-square kernel (1, 2)", 1, 3, 3, 4, 2, (1, 2)),
        case("stride (2, 1)", 1, 1, 5, 4, 2, 2, stride=(2, 1)),
        case("1x1 kernel", 2, 3, 2, 3, 2, 1),
        Case(
            "weight for the wrong output size (invalid)",
            (_rand(rng, 1, 1, 4, 4), _rand(rng, 2, 2, 1, 1, 2, 2)),
            invalid=True,
        ),
        Case(
            "channel mismatch (invalid)", (_rand(rng, 1, 2, 3, 3), _rand(rng, 2, 2, 1, 3, 2, 2)), invalid=True
        ),
    ]


def _lc_shared(x, weight, bias=None, stride=1):
    out = solutions.conv2d(x, np.asarray(weight)[0, 0], None, stride)
    return out if bias is None else out + np.asarray(bias)


locally_connected2d = Exercise(
    name="locally_connected2d",
    points=3,
    make_cases=_lc_cases,
    reference=solutions.locally_connected2d,
    arg_names=("x", "weight", "bias", "stride"),
    shape_rule="out has shape (N, F, Ho, Wo): N from x, and (Ho, Wo, F) the first three axes of weight, "
    "one filter bank per output position.",
    mistakes=(
        Mistake(
            "weights shared in the locally connected layer",
            "A locally connected layer does not share weights: output position (i, j) uses its own "
            "filters weight[i, j], not weight[0, 0].",
            _lc_shared,
        ),
        Mistake(
            "bias dropped",
            "Add bias[f, i, j] (one per output unit) when a bias is given.",
            lambda x, w, b=None, s=1: solutions.locally_connected2d(x, w, None, s),
        ),
        Mistake(
            "stride ignored",
            "Output position (i, j) reads the kh x kw patch of x starting at row i * sh, column j * sw.",
            lambda x, w, b=None, s=1: solutions.locally_connected2d(
                x[:, :, : (np.shape(w)[0] - 1) + np.shape(w)[4], : (np.shape(w)[1] - 1) + np.shape(w)[5]],
                w,
                b,
            ),
        ),
    ),
)


def _tile_cases(rng):
    return [
        Case("one 1x1 filter over 2x2 positions", (np.ones((1, 1, 1, 1)), (2, 2))),
        Case("2 filters of 1 channel, 2x2 kernel, 3x2 positions", (_rand(rng, 2, 1, 2, 2), (3, 2))),
        Case("3 -> 4 channels, 3x3 kernel, 2x3 positions", (_rand(rng, 4, 3, 3, 3), (2, 3))),
        Case("out_hw given as an int", (_rand(rng, 2, 2, 1, 2), 3)),
        Case("integer weights", (rng.integers(-3, 4, size=(1, 2, 2, 2)), (2, 1))),
        Case("3-D weight (invalid)", (_rand(rng, 2, 3, 3), (2, 2)), invalid=True),
    ]


tile_weights = Exercise(
    name="tile_weights",
    points=2,
    make_cases=_tile_cases,
    reference=solutions.tile_weights,
    arg_names=("weight", "out_hw"),
    shape_rule="The result has shape (Ho, Wo, F, C, kh, kw): the Ho x Wo output positions first, then "
    "the shape of weight.",
    mistakes=(
        Mistake(
            "(Ho, Wo) swapped",
            "The result is indexed [i, j, f, c, m, l] with i < Ho (rows) and j < Wo (columns).",
            lambda w, hw: solutions.tile_weights(w, hw if isinstance(hw, int) else hw[::-1]),
        ),
        Mistake(
            "positions placed after the filter axes",
            "The output position comes first: shape (Ho, Wo, F, C, kh, kw), so that weight[i, j] is "
            "the filter bank of position (i, j).",
            lambda w, hw: np.moveaxis(solutions.tile_weights(w, hw), (0, 1), (-2, -1)),
        ),
    ),
)

EXERCISES = [conv2d, locally_connected2d, tile_weights]
