"""Chapter 01, convolution vs cross-correlation: cases, points and known mistakes."""

from __future__ import annotations

import numpy as np

import solutions
from autograder.engine.exercise import Case, Exercise, Mistake


def _full_correlate(image, kernel):
    kh, kw = np.shape(kernel)
    return solutions.correlate2d(np.pad(np.asarray(image, float), ((kh - 1,), (kw - 1,))), kernel)


def _cases(rng: np.random.Generator, *, full: bool = False) -> list[Case]:
    """Hand-sized examples first, then random shapes, integer inputs and invalid input."""

    def rand(*shape):
        return np.round(rng.normal(size=shape), 2)

    cases = [
        Case(
            "3x3 image, 2x2 kernel (the worked example)",
            (np.arange(9.0).reshape(3, 3), np.array([[1.0, 2.0], [3.0, 4.0]])),
        ),
        Case("4x5 image, non-square 3x2 kernel", (rand(4, 5), rand(3, 2))),
        Case("5x4 image, 1x3 kernel", (rand(5, 4), rand(1, 3))),
        Case("6x6 image, 3x3 kernel", (rand(6, 6), rand(3, 3))),
        Case("kernel as large as the image (3x4)", (rand(3, 4), rand(3, 4))),
        Case("1x1 image, 1x1 kernel", (rand(1, 1), rand(1, 1))),
        Case(
            "integer image, fractional kernel",
            (rng.integers(0, 10, size=(4, 4)), np.array([[0.5, -0.25], [0.125, 0.1]])),
        ),
        Case("7x5 image, 2x3 kernel", (rand(7, 5), rand(2, 3))),
        Case("image given as a 1-D array (invalid)", (rand(6), rand(2, 2)), invalid=True),
    ]
    if full:
        cases += [Case("kernel larger than the image (full mode allows it)", (rand(2, 3), rand(3, 4)))]
    else:
        cases += [Case("kernel larger than the image (invalid)", (rand(2, 3), rand(3, 3)), invalid=True)]
    return cases


FULL_INSTEAD_OF_VALID = Mistake(
    "full size instead of valid",
    "A valid correlation only uses positions where the whole kernel fits inside the image: "
    "(H - kh + 1) x (W - kw + 1) outputs, none where the kernel sticks out.",
    _full_correlate,
)

correlate2d = Exercise(
    name="correlate2d",
    points=4,
    make_cases=_cases,
    reference=solutions.correlate2d,
    arg_names=("image", "kernel"),
    shape_rule="A valid correlation of an H x W image with a kh x kw kernel has (H - kh + 1) x "
    "(W - kw + 1) positions: one for each place where the whole kernel fits inside the image.",
    mistakes=(
        Mistake(
            "kernel flipped",
            "You computed a true convolution. Cross-correlation slides the kernel as it is: "
            "S(i, j) = sum over m, n of I(i + m, j + n) K(m, n), with no flip.",
            solutions.convolve2d,
        ),
        Mistake(
            "kernel transposed",
            "You indexed the kernel as K(n, m). The first kernel index moves down the rows, with i; "
            "the second along the columns, with j.",
            lambda image, kernel: solutions.correlate2d(image, np.asarray(kernel).T),
        ),
        FULL_INSTEAD_OF_VALID,
    ),
)

convolve2d = Exercise(
    name="convolve2d",
    points=3,
    make_cases=_cases,
    reference=solutions.convolve2d,
    arg_names=("image", "kernel"),
    shape_rule="A valid convolution of an H x W image with a kh x kw kernel has (H - kh + 1) x "
    "(W - kw + 1) outputs: one for each place where the whole kernel fits inside the image.",
    mistakes=(
        Mistake(
            "kernel not flipped (or flipped twice)",
            "True convolution flips the kernel in both directions before sliding it: "
            "S(i, j) = sum of I(i - m, j - n) K(m, n), i.e. correlate with K[::-1, ::-1]. "
            "Flipping and also indexing with minus signs flips twice and undoes it.",
            solutions.correlate2d,
        ),
        Mistake(
            "kernel flipped along one axis only",
            "Convolution flips the kernel both up-down and left-right (K[::-1, ::-1]), not along one axis.",
            lambda image, kernel: solutions.correlate2d(image, np.asarray(kernel)[::-1, :]),
        ),
        Mistake(
            "kernel flipped along one axis only",
            "Convolution flips the kernel both up-down and left-right (K[::-1, ::-1]), not along one axis.",
            lambda image, kernel: solutions.correlate2d(image, np.asarray(kernel)[:, ::-1]),
        ),
        Mistake(
            "full size instead of valid",
            "A valid convolution only uses positions where the whole kernel fits inside the image: "
            "(H - kh + 1) x (W - kw + 1) outputs, none where the kernel sticks out.",
            lambda image, kernel: solutions.convolve2d_full(image, kernel),
        ),
    ),
)

convolve2d_full = Exercise(
    name="convolve2d_full",
    points=3,
    make_cases=lambda rng: _cases(rng, full=True),
    reference=solutions.convolve2d_full,
    arg_names=("image", "kernel"),
    shape_rule="The full convolution grows: an H x W image and a kh x kw kernel give (H + kh - 1) x "
    "(W + kw - 1) outputs, one for every placement where the kernel overlaps the image, even by a "
    "single pixel.",
    mistakes=(
        Mistake(
            "valid size instead of full",
            "Full convolution keeps every position where the kernel overlaps the image at all: pixels "
            "outside the image count as 0, kh - 1 rows and kw - 1 columns beyond each side, giving "
            "(H + kh - 1) x (W + kw - 1) outputs.",
            solutions.convolve2d,
        ),
        Mistake(
            "kernel not flipped (or flipped twice)",
            "Full convolution still flips the kernel: S(i, j) = sum of I(i - m, j - n) K(m, n), so "
            "the kernel meets the image as K[::-1, ::-1].",
            _full_correlate,
        ),
        Mistake(
            "padded by the kernel size instead of kernel size - 1",
            "The kernel overlaps the image from kh - 1 rows and kw - 1 columns beyond each side, not "
            "kh and kw: with kh, the outermost rows and columns of the output are all zeros.",
            lambda image, kernel: solutions.convolve2d(
                np.pad(np.asarray(image, float), ((len(kernel),), (np.shape(kernel)[1],))), kernel
            ),
        ),
    ),
)

EXERCISES = [correlate2d, convolve2d, convolve2d_full]
