"""Chapter 05, 1x1 convolutions and the bottleneck: cases, points and known mistakes."""

from __future__ import annotations

import numpy as np

import solutions
from autograder.engine.exercise import Case, Exercise, Mistake


def _rand(rng, *shape):
    return np.round(rng.normal(size=shape), 2)


def _conv1x1_cases(rng):
    return [
        Case(
            "1 image, 2 -> 1 channels, 2x2 pixels",
            (np.arange(8.0).reshape(1, 2, 2, 2), np.array([[1.0, -1.0]])),
        ),
        Case("3 -> 2 channels with bias", (_rand(rng, 1, 3, 3, 3), _rand(rng, 2, 3), _rand(rng, 2))),
        Case("4 -> 3 channels (weight is not square)", (_rand(rng, 1, 4, 2, 5), _rand(rng, 3, 4), None)),
        Case(
            "2 -> 4 channels, batch of 2, with bias",
            (_rand(rng, 2, 2, 3, 2), _rand(rng, 4, 2), _rand(rng, 4)),
        ),
        Case("square weight (3 -> 3), batch of 2", (_rand(rng, 2, 3, 2, 2), _rand(rng, 3, 3), None)),
        Case("1x1 image", (_rand(rng, 1, 5, 1, 1), _rand(rng, 2, 5), _rand(rng, 2))),
        Case("integer input", (rng.integers(0, 5, size=(1, 2, 3, 3)), _rand(rng, 2, 2), None)),
        Case(
            "weight (C, F) instead of (F, C) (invalid: channel mismatch)",
            (_rand(rng, 1, 3, 2, 2), _rand(rng, 3, 2)),
            invalid=True,
        ),
        Case("4-D weight (invalid)", (_rand(rng, 1, 2, 2, 2), _rand(rng, 1, 2, 1, 1)), invalid=True),
    ]


def _transposed_weight(x, weight, bias=None):
    return solutions.conv1x1(x, np.asarray(weight).T, bias)


conv1x1 = Exercise(
    name="conv1x1",
    points=4,
    make_cases=_conv1x1_cases,
    reference=solutions.conv1x1,
    arg_names=("x", "weight", "bias"),
    shape_rule="out has shape (N, F, H, W): a 1x1 convolution keeps the height and width of x and turns its "
    "C channels into F, F the first axis of weight.",
    mistakes=(
        Mistake(
            "weight read as (C, F)",
            "weight has shape (F, C): row f of weight holds the C coefficients of output channel f. Check "
            "which axis of weight you sum over.",
            _transposed_weight,
        ),
        Mistake(
            "bias dropped",
            "Add bias[f] to every pixel of output channel f when a bias is given.",
            lambda x, weight, bias=None: solutions.conv1x1(x, weight),
        ),
        Mistake(
            "NHWC vs NCHW",
            "Arrays are NCHW: the output is (N, F, H, W), channels before rows and columns.",
            lambda *a: np.moveaxis(solutions.conv1x1(*a), 1, -1),
        ),
    ),
)


def _macs_cases(rng):
    cases = [
        Case("1 -> 1 channel, 1x1 kernel, 1x1 output", (1, 1, 1, 1)),
        Case("3 -> 64 channels, 3x3, 224x224 output", (3, 64, 3, 224)),
        Case("256 -> 64 channels, 1x1, 56x56", (256, 64, 1, 56)),
        Case("non-square kernel (1, 7) and output (14, 28)", (32, 16, (1, 7), (14, 28))),
    ]
    for i in range(3):
        c, f, k, h = (
            int(v)
            for v in (rng.integers(1, 65), rng.integers(1, 65), rng.integers(1, 6), rng.integers(1, 33))
        )
        cases.append(Case(f"random sizes {i + 1}", (c, f, k, h)))
    cases.append(Case("out_channels 0 (invalid)", (3, 0, 3, 8), invalid=True))
    return cases


conv_macs = Exercise(
    name="conv_macs",
    points=3,
    make_cases=_macs_cases,
    reference=solutions.conv_macs,
    arg_names=("in_channels", "out_channels", "kernel_size", "out_hw"),
    mistakes=(
        Mistake(
            "in-channels forgotten",
            "Each output value sums C * kh * kw products, over all C input channels: C * kh * kw "
            "multiply-accumulates, for each of the F * Ho * Wo outputs.",
            lambda c, f, k, hw: solutions.conv_macs(1, f, k, hw),
        ),
        # F * C * kh * kw is also the number of weights: one model for both ways of reaching it
        Mistake(
            "output positions forgotten",
            "F * C * kh * kw is the number of weights; every weight is used once at each of the Ho * Wo "
            "output positions: multiply by Ho * Wo.",
            lambda c, f, k, hw: solutions.conv_macs(c, f, k, 1),
        ),
    ),
)


def _bottleneck_cases(rng):
    cases = [
        Case("1x1 256 -> 64, then 3x3 64 -> 256, 56x56 output", (256, 64, 256, 3, 56)),
        Case("tiny: 2 -> 1 -> 2, 3x3, 1x1 output", (2, 1, 2, 3, 1)),
        Case("non-square output (7, 14), 5x5 kernel", (64, 16, 32, 5, (7, 14))),
    ]
    for i in range(3):
        c, mid, f, k, h = (
            int(v)
            for v in (
                rng.integers(1, 129),
                rng.integers(1, 33),
                rng.integers(1, 129),
                rng.integers(1, 6),
                rng.integers(1, 33),
            )
        )
        cases.append(Case(f"random sizes {i + 1}", (c, mid, f, k, h)))
    cases.append(Case("mid_channels 0 (invalid)", (64, 0, 64, 3, 8), invalid=True))
    return cases


bottleneck_macs = Exercise(
    name="bottleneck_macs",
    points=3,
    make_cases=_bottleneck_cases,
    reference=solutions.bottleneck_macs,
    arg_names=("in_channels", "mid_channels", "out_channels", "kernel_size", "out_hw"),
    mistakes=(
        Mistake(
            "the 1x1 layer's own cost forgotten",
            "The bottleneck has two layers: the 1x1 (C -> mid) costs Ho * Wo * mid * C too.",
            lambda c, m, f, k, hw: solutions.conv_macs(m, f, k, hw),
        ),
        Mistake(
            "k x k layer counted from the input channels",
            "The k x k layer reads the mid channels that the 1x1 layer produced, not the C input channels.",
            lambda c, m, f, k, hw: solutions.conv_macs(c, m, 1, hw) + solutions.conv_macs(c, f, k, hw),
        ),
        Mistake(
            "in-channels forgotten",
            "Each layer sums over its input channels: C for the 1x1 layer, mid for the k x k layer.",
            lambda c, m, f, k, hw: solutions.conv_macs(1, m, 1, hw) + solutions.conv_macs(1, f, k, hw),
        ),
    ),
)

EXERCISES = [conv1x1, conv_macs, bottleneck_macs]
