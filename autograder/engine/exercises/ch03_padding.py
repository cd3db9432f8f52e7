"""Chapter 03, padding, stride and the output-size formula: cases, points and known mistakes."""

from __future__ import annotations

import math

import numpy as np

import solutions
from autograder.engine.exercise import Case, Exercise, Mistake


def _size_cases(rng):
    cases = [
        Case("n=5, k=3 (valid)", (5, 3)),
        Case("n=5, k=3, p=1 ('same')", (5, 3, 1)),
        Case("n=7, k=3, s=2 (stride divides evenly)", (7, 3, 0, 2)),
        Case("n=8, k=3, s=2 (the floor drops a column)", (8, 3, 0, 2)),
        Case("n=224, k=7, p=3, s=2 (a ResNet stem)", (224, 7, 3, 2)),
        Case("n=10, k=3, d=2 (dilation)", (10, 3, 0, 1, 2)),
        Case("n=9, k=3, p=2, s=3, d=2", (9, 3, 2, 3, 2)),
    ]
    for i in range(3):
        n, k, p, s, d = (
            int(v)
            for v in (
                rng.integers(8, 40),
                rng.integers(1, 6),
                rng.integers(0, 3),
                rng.integers(1, 4),
                rng.integers(1, 3),
            )
        )
        cases.append(Case(f"random sizes {i + 1}", (n, k, p, s, d)))
    cases += [
        Case("kernel larger than the input (invalid)", (3, 5), invalid=True),
        Case("n=4, k=3, d=2: the dilated kernel spans 5 (invalid)", (4, 3, 0, 1, 2), invalid=True),
        Case("stride 0 (invalid)", (5, 3, 0, 0), invalid=True),
        Case("negative padding (invalid)", (5, 3, -1), invalid=True),
    ]
    return cases


_FLOOR_HINT = (
    "A placement of the kernel that does not fit entirely is not counted: round the division down (//), "
    "never up (ceil) or to the nearest (round)."
)


def _size(n, k, p=0, s=1, d=1, *, rounding=math.floor, dilation=True, sides=2):
    span = (d if dilation else 1) * (k - 1) + 1
    return int(rounding((n + sides * p - span) / s)) + 1


output_size = Exercise(
    name="output_size",
    points=3,
    make_cases=_size_cases,
    reference=solutions.output_size,
    arg_names=("input_size", "kernel_size", "padding", "stride", "dilation"),
    mistakes=(
        Mistake("ceil or round instead of floor", _FLOOR_HINT, lambda *a: _size(*a, rounding=math.ceil)),
        Mistake("ceil or round instead of floor", _FLOOR_HINT, lambda *a: _size(*a, rounding=round)),
        Mistake(
            "dilation ignored",
            "With dilation d the kernel spans d * (k - 1) + 1 inputs: subtract that, not k.",
            lambda *a: _size(*a, dilation=False),
        ),
        Mistake(
            "padding added on one side only",
            "padding is added on both sides of the axis: n + 2p.",
            lambda *a: _size(*a, sides=1),
        ),
    ),
)


def _pad_cases(rng):
    small = np.arange(1.0, 13.0).reshape(3, 4)
    cases = [
        Case(f"3x4 image, padding 1, {mode}", (small, 1, mode))
        for mode in ("zeros", "reflect", "replicate", "circular")
    ]
    cases += [
        Case(
            "3x4 image, (top, bottom, left, right) = (0, 2, 1, 0), reflect", (small, (0, 2, 1, 0), "reflect")
        ),
        Case("3x4 image, (2, 0, 0, 3), replicate", (small, (2, 0, 0, 3), "replicate")),
        Case(
            "4x4 image, (1, 0, 2, 1), circular",
            (np.round(rng.normal(size=(4, 4)), 2), (1, 0, 2, 1), "circular"),
        ),
        Case(
            "5x5 image, padding 2, zeros (mode given by default)", (np.round(rng.normal(size=(5, 5)), 2), 2)
        ),
        Case(
            "a (2, 3, 3) stack, padding 1, reflect", (np.round(rng.normal(size=(2, 3, 3)), 2), 1, "reflect")
        ),
        Case("integer image, padding 1, replicate", (rng.integers(0, 9, size=(3, 3)), 1, "replicate")),
        Case("unknown mode 'symmetric' (invalid)", (small, 1, "symmetric"), invalid=True),
        Case("negative padding (invalid)", (small, -1, "zeros"), invalid=True),
        Case(
            "reflect padding as large as the image (invalid)", (small, (3, 0, 0, 0), "reflect"), invalid=True
        ),
    ]
    return cases


_ONE_SIDE_HINT = (
    "Padding goes on both sides of each axis: e.g. padding 1 makes a (3, 4) image (5, 6), one row above "
    "and one below, one column left and one right. Your result is short by one side's padding on each "
    "axis: one side of each axis is missing."
)


def _sides(padding):
    return (padding,) * 4 if isinstance(padding, int) else tuple(padding)


def _numpy_pad(image, padding, numpy_mode):
    top, bottom, left, right = _sides(padding)
    image = np.asarray(image, float)
    widths = [(0, 0)] * (image.ndim - 2) + [(top, bottom), (left, right)]
    return np.pad(image, widths, mode=numpy_mode)


pad2d = Exercise(
    name="pad2d",
    points=3,
    make_cases=_pad_cases,
    reference=solutions.pad2d,
    arg_names=("image", "padding", "mode"),
    shape_rule="The padded image has top + H + bottom rows and left + W + right columns (an int padding "
    "p adds p on each of the four sides); any leading axes stay as they are.",
    mistakes=(
        Mistake(
            "padding added on one side of each axis only",
            _ONE_SIDE_HINT,
            lambda image, padding, mode="zeros": solutions.pad2d(
                image, tuple(p * keep for p, keep in zip(_sides(padding), (1, 0, 1, 0), strict=True)), mode
            ),
        ),
        Mistake(
            "padding added on one side of each axis only",
            _ONE_SIDE_HINT,
            lambda image, padding, mode="zeros": solutions.pad2d(
                image, tuple(p * keep for p, keep in zip(_sides(padding), (0, 1, 0, 1), strict=True)), mode
            ),
        ),
        Mistake(
            "symmetric instead of reflect",
            "'reflect' mirrors around the edge pixel without repeating it: padding [1, 2, 3] by 2 gives "
            "[3, 2, 1, 2, 3, ...]. Repeating the edge ([2, 1, 1, 2, 3]) is numpy's 'symmetric'.",
            lambda image, padding, mode="zeros": _numpy_pad(image, padding, "symmetric"),
        ),
        Mistake(
            "padding sides swapped",
            "padding is (top, bottom, left, right): the first number goes above the image, the third "
            "to its left.",
            lambda image, padding, mode="zeros": solutions.pad2d(
                image, tuple(_sides(padding)[i] for i in (1, 0, 3, 2)), mode
            ),
        ),
        Mistake(
            "PyTorch's order (left, right, top, bottom) used",
            "torch.nn.functional.pad lists the last axis first; this exercise takes (top, bottom, left, "
            "right).",
            lambda image, padding, mode="zeros": solutions.pad2d(
                image, tuple(_sides(padding)[i] for i in (2, 3, 0, 1)), mode
            ),
        ),
        Mistake(
            "mode ignored (always zeros)",
            "Each mode fills the border differently: zeros, a mirror image, the edge value repeated, or "
            "the opposite side of the image.",
            lambda image, padding, mode="zeros": solutions.pad2d(image, padding, "zeros"),
        ),
    ),
)


def _corr_cases(rng):
    def rand(*shape):
        return np.round(rng.normal(size=shape), 2)

    return [
        Case("4x4 image, 3x3 kernel, padding 1", (np.arange(16.0).reshape(4, 4), np.ones((3, 3)), 1)),
        Case("5x5 image, 3x3 kernel, stride 2", (rand(5, 5), rand(3, 3), 0, 2)),
        Case("6x5 image, 2x2 kernel, padding 1, stride 2", (rand(6, 5), rand(2, 2), 1, 2)),
        Case("7x7 image, 3x3 kernel, padding 1, stride 3", (rand(7, 7), rand(3, 3), 1, 3)),
        Case(
            "5x6 image, 3x2 kernel, padding (1, 0), stride (1, 2)", (rand(5, 6), rand(3, 2), (1, 0), (1, 2))
        ),
        Case("3x3 image, 5x5 kernel, padding 1 (fits only once padded)", (rand(3, 3), rand(5, 5), 1)),
        Case("1x1 image, 1x1 kernel", (rand(1, 1), rand(1, 1))),
        Case("integer image, padding 2, stride 2", (rng.integers(0, 5, size=(4, 4)), rand(3, 3), 2, 2)),
        Case("kernel larger than the padded image (invalid)", (rand(3, 3), rand(4, 4), 0), invalid=True),
        Case("stride 0 (invalid)", (rand(4, 4), rand(2, 2), 0, 0), invalid=True),
    ]


correlate2d_padded = Exercise(
    name="correlate2d_padded",
    points=2,
    make_cases=_corr_cases,
    reference=solutions.correlate2d_padded,
    arg_names=("image", "kernel", "padding", "stride"),
    shape_rule="The output has floor((H + 2 ph - kh) / sh) + 1 rows and floor((W + 2 pw - kw) / sw) + 1 "
    "columns: the positions of the kernel inside the padded image, every stride-th one.",
    mistakes=(
        Mistake(
            "stride ignored",
            "With stride s only every s-th position is kept: output row i starts at input row i * s.",
            lambda image, kernel, padding=0, stride=1: solutions.correlate2d_padded(image, kernel, padding),
        ),
        Mistake(
            "padding ignored",
            "Pad the image with zeros first (padding rows above and below, padding columns left and "
            "right), then slide the kernel over the padded image.",
            lambda image, kernel, padding=0, stride=1: solutions.correlate2d_padded(image, kernel, 0, stride),
        ),
        Mistake(
            "kernel flipped",
            "This is cross-correlation: slide the kernel as it is, without flipping it.",
            lambda image, kernel, padding=0, stride=1: solutions.correlate2d_padded(
                image, np.asarray(kernel)[::-1, ::-1], padding, stride
            ),
        ),
    ),
)


def _same_cases(rng):
    cases = [Case(f"k={k}", (k,)) for k in (1, 2, 3, 4, 5, 7)]
    cases += [Case("k=3, d=2", (3, 2)), Case("k=4, d=3", (4, 3)), Case("k=2, d=5", (2, 5))]
    cases += [
        Case("kernel_size 0 (invalid)", (0,), invalid=True),
        Case("dilation 0 (invalid)", (3, 0), invalid=True),
    ]
    return cases


same_padding = Exercise(
    name="same_padding",
    points=2,
    make_cases=_same_cases,
    reference=solutions.same_padding,
    arg_names=("kernel_size", "dilation"),
    mistakes=(
        Mistake(
            "extra padding on the wrong side",
            "For an even total, PyTorch and TensorFlow put the extra row or column after the image "
            "(bottom/right): before gets the smaller half.",
            lambda k, d=1: solutions.same_padding(k, d)[::-1],
        ),
        Mistake(
            "dilation ignored",
            "A dilated kernel spans d * (k - 1) + 1 pixels: the total padding is d * (k - 1).",
            lambda k, d=1: solutions.same_padding(k),
        ),
        Mistake(
            "total padding k instead of k - 1",
            "A k-tap kernel loses k - 1 outputs in valid mode; that is what 'same' padding gives back.",
            lambda k, d=1: (d * k // 2, d * k - d * k // 2),
        ),
    ),
)

EXERCISES = [output_size, pad2d, correlate2d_padded, same_padding]
