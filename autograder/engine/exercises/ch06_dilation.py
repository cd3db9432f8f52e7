"""Chapter 06, dilated convolutions: cases, points and known mistakes."""

from __future__ import annotations

import numpy as np

import solutions
from autograder.engine.exercise import Case, Exercise, Mistake


def _rand(rng, *shape):
    return np.round(rng.normal(size=shape), 2)


def _dilate_cases(rng):
    return [
        Case("2x2 kernel, dilation 2", (np.array([[1.0, 2.0], [3.0, 4.0]]), 2)),
        Case("3x3 kernel, dilation 1 (unchanged)", (_rand(rng, 3, 3), 1)),
        Case("3x3 kernel, dilation 3", (_rand(rng, 3, 3), 3)),
        Case("non-square 2x3 kernel, dilation 2", (_rand(rng, 2, 3), 2)),
        Case("1x1 kernel, dilation 4 (a single tap stays single)", (_rand(rng, 1, 1), 4)),
        Case("1x3 kernel, dilation 2", (_rand(rng, 1, 3), 2)),
        Case("integer kernel, dilation 2", (rng.integers(-3, 4, size=(2, 2)), 2)),
        Case("dilation 0 (invalid)", (_rand(rng, 2, 2), 0), invalid=True),
        Case("1-D kernel (invalid)", (_rand(rng, 3), 2), invalid=True),
    ]


def _spread(kernel, gap):
    """Taps with ``gap`` zeros between them."""
    kernel = np.asarray(kernel, float)
    kh, kw = kernel.shape
    out = np.zeros(((gap + 1) * (kh - 1) + 1, (gap + 1) * (kw - 1) + 1))
    out[:: gap + 1, :: gap + 1] = kernel
    return out


dilate_kernel = Exercise(
    name="dilate_kernel",
    points=3,
    make_cases=_dilate_cases,
    reference=solutions.dilate_kernel,
    arg_names=("kernel", "dilation"),
    shape_rule="The dilated kernel has d(kh - 1) + 1 rows and d(kw - 1) + 1 columns: d - 1 zeros between "
    "neighbouring taps, none before the first tap or after the last.",
    mistakes=(
        Mistake(
            "d zeros instead of d - 1",
            "Dilation d puts the taps d pixels apart, so there are d - 1 zeros between neighbouring taps "
            "(dilation 1 is the ordinary kernel, with no zeros).",
            lambda kernel, d: _spread(kernel, d),
        ),
        Mistake(
            "zeros after the last tap",
            "The dilated kernel ends at the last tap: its size is d * (k - 1) + 1, not d * k.",
            lambda kernel, d: np.pad(solutions.dilate_kernel(kernel, d), ((0, d - 1), (0, d - 1))),
        ),
    ),
)


def _corr_cases(rng):
    return [
        Case(
            "5x5 image, 2x2 kernel, dilation 2",
            (np.arange(25.0).reshape(5, 5), np.array([[1.0, 0.0], [0.0, -1.0]]), 2),
        ),
        Case("6x6 image, 3x3 kernel, dilation 1", (_rand(rng, 6, 6), _rand(rng, 3, 3), 1)),
        Case("7x7 image, 3x3 kernel, dilation 2", (_rand(rng, 7, 7), _rand(rng, 3, 3), 2)),
        Case("9x8 image, 3x2 kernel, dilation 3", (_rand(rng, 9, 8), _rand(rng, 3, 2), 3)),
        Case("dilated kernel exactly as large as the image", (_rand(rng, 5, 5), _rand(rng, 3, 3), 2)),
        Case("1x1 kernel, dilation 3", (_rand(rng, 3, 4), _rand(rng, 1, 1), 3)),
        Case("integer image, dilation 2", (rng.integers(0, 9, size=(6, 6)), _rand(rng, 2, 2), 2)),
        Case(
            "dilated kernel larger than the image (invalid)",
            (_rand(rng, 4, 4), _rand(rng, 3, 3), 2),
            invalid=True,
        ),
        Case("dilation 0 (invalid)", (_rand(rng, 4, 4), _rand(rng, 2, 2), 0), invalid=True),
    ]


def _as_stride(image, kernel, d=1):
    """What dilation-as-stride computes: an ordinary kernel, every d-th position."""
    return solutions.correlate2d_padded(image, kernel, 0, d)


dilated_correlate2d = Exercise(
    name="dilated_correlate2d",
    points=4,
    make_cases=_corr_cases,
    reference=solutions.dilated_correlate2d,
    arg_names=("image", "kernel", "dilation"),
    shape_rule="The output has H - d(kh - 1) rows and W - d(kw - 1) columns: the positions where the "
    "dilated kernel, d(kh - 1) + 1 by d(kw - 1) + 1, fits inside the image.",
    mistakes=(
        Mistake(
            "dilation used as stride",
            "Stride jumps over positions of the output; dilation spreads the kernel's taps. Keep every "
            "position (stride 1) and read the pixels image[i + m * d, j + l * d].",
            _as_stride,
        ),
        Mistake(
            "d zeros instead of d - 1",
            "Taps are d pixels apart: tap (m, l) reads image[i + m * d, j + l * d].",
            lambda image, kernel, d=1: solutions.dilated_correlate2d(image, kernel, d + 1),
        ),
        Mistake(
            "dilation ignored",
            "Tap (m, l) reads image[i + m * d, j + l * d], and the output is smaller accordingly.",
            lambda image, kernel, d=1: solutions.correlate2d(image, kernel),
        ),
    ),
)


def _eff_cases(rng):
    cases = [Case(f"k={k}, d={d}", (k, d)) for k, d in [(3, 1), (3, 2), (3, 4), (1, 5), (5, 3), (2, 2)]]
    cases += [Case(f"random {i + 1}", (int(rng.integers(1, 12)), int(rng.integers(1, 9)))) for i in range(2)]
    cases += [
        Case("kernel_size 0 (invalid)", (0, 2), invalid=True),
        Case("dilation 0 (invalid)", (3, 0), invalid=True),
    ]
    return cases


effective_kernel_size = Exercise(
    name="effective_kernel_size",
    points=3,
    make_cases=_eff_cases,
    reference=solutions.effective_kernel_size,
    arg_names=("kernel_size", "dilation"),
    mistakes=(
        Mistake(
            "d * k instead of d(k - 1) + 1",
            "Count the span from the first tap to the last: k - 1 gaps of d pixels, plus the first tap.",
            lambda k, d: d * k,
        ),
        Mistake(
            "d zeros instead of d - 1",
            "Between two taps there are d - 1 zeros, so the span is d(k - 1) + 1, not (d + 1)(k - 1) + 1.",
            lambda k, d: (d + 1) * (k - 1) + 1,
        ),
    ),
)

EXERCISES = [dilate_kernel, dilated_correlate2d, effective_kernel_size]
