"""Chapter 02, motivations for convolutions: cases, points and known mistakes."""

from __future__ import annotations

import numpy as np

import solutions
from autograder.engine.exercise import Case, Exercise, Mistake


def _pair(k):
    return (k, k) if isinstance(k, int) else tuple(k)


BIAS_FORGOTTEN = Mistake(
    "bias forgotten",
    "With bias=True every output unit also has one bias parameter: add them to the count.",
    lambda *args: None,
)


def _dense_cases(rng):
    cases = [
        Case("(1, 2, 2) -> (1, 1, 1), with bias", ((1, 2, 2), (1, 1, 1), True)),
        Case("(3, 4, 4) -> (2, 2, 2), without bias", ((3, 4, 4), (2, 2, 2), False)),
        Case("(3, 32, 32) -> (16, 30, 30), with bias", ((3, 32, 32), (16, 30, 30), True)),
    ]
    for i in range(4):
        c, h, w, f, ho, wo = (int(v) for v in rng.integers(1, 9, size=6))
        cases.append(Case(f"random shapes {i + 1}", ((c, h, w), (f, ho, wo), bool(i % 2))))
    cases += [
        Case("in_shape with a zero size (invalid)", ((3, 0, 4), (2, 2, 2), True), invalid=True),
        Case("out_shape that is not a triple (invalid)", ((3, 4, 4), (2, 2), True), invalid=True),
    ]
    return cases


def _dense_no_bias(in_shape, out_shape, bias):
    return solutions.dense_parameters(in_shape, out_shape, bias=False)


def _dense_bias_per_channel(in_shape, out_shape, bias):
    return solutions.dense_parameters(in_shape, out_shape, bias=False) + (out_shape[0] if bias else 0)


dense_parameters = Exercise(
    name="dense_parameters",
    points=1,
    make_cases=_dense_cases,
    reference=solutions.dense_parameters,
    arg_names=("in_shape", "out_shape", "bias"),
    mistakes=(
        Mistake(BIAS_FORGOTTEN.name, BIAS_FORGOTTEN.hint, _dense_no_bias),
        Mistake(
            "bias counted per channel instead of per unit",
            "A fully connected layer has one bias per output unit: F * Ho * Wo of them, not F.",
            _dense_bias_per_channel,
        ),
    ),
)


def _lc_cases(rng):
    cases = [
        Case("1 channel, (1, 2, 2) out, 2x2 kernel, with bias", (1, (1, 2, 2), 2, True)),
        Case("3 channels, (4, 3, 3) out, 3x3 kernel, without bias", (3, (4, 3, 3), 3, False)),
        Case("non-square kernel (3, 1)", (2, (2, 4, 5), (3, 1), True)),
    ]
    for i in range(4):
        c, f, ho, wo, kh, kw = (int(v) for v in rng.integers(1, 6, size=6))
        cases.append(Case(f"random sizes {i + 1}", (c, (f, ho, wo), (kh, kw), bool(i % 2 == 0))))
    cases += [
        Case("kernel_size 0 (invalid)", (3, (2, 2, 2), 0, True), invalid=True),
        Case("in_channels 0 (invalid)", (0, (2, 2, 2), 3, True), invalid=True),
    ]
    return cases


def _lc_weights(c, out_shape, k):
    f, ho, wo = out_shape
    kh, kw = _pair(k)
    return ho * wo * f * c * kh * kw


locally_connected_parameters = Exercise(
    name="locally_connected_parameters",
    points=2,
    make_cases=_lc_cases,
    reference=solutions.locally_connected_parameters,
    arg_names=("in_channels", "out_shape", "kernel_size", "bias"),
    mistakes=(
        Mistake(BIAS_FORGOTTEN.name, BIAS_FORGOTTEN.hint, lambda c, o, k, b: _lc_weights(c, o, k)),
        Mistake(
            "bias counted per channel instead of per position",
            "Without weight sharing each output position has its own biases: F * Ho * Wo, not F.",
            lambda c, o, k, b: _lc_weights(c, o, k) + (o[0] if b else 0),
        ),
        Mistake(
            "weights shared across positions",
            "That count shares one filter bank between all positions. A locally connected layer has a "
            "separate F x C x kh x kw filter bank at each of the Ho * Wo output positions.",
            lambda c, o, k, b: solutions.conv_parameters(c, o[0], k, bias=b),
        ),
        Mistake(
            "in-channels forgotten",
            "Each filter spans all C input channels: it has C * kh * kw weights.",
            lambda c, o, k, b: _lc_weights(1, o, k) + (o[0] * o[1] * o[2] if b else 0),
        ),
    ),
)


def _conv_cases(rng):
    cases = [
        Case("1 -> 1 channel, 3x3, with bias", (1, 1, 3, True)),
        Case("3 -> 64 channels, 3x3, with bias", (3, 64, 3, True)),
        Case("16 -> 32 channels, (1, 5), without bias", (16, 32, (1, 5), False)),
    ]
    for i in range(4):
        c, f, kh, kw = (int(v) for v in rng.integers(1, 9, size=4))
        cases.append(Case(f"random sizes {i + 1}", (c, f, (kh, kw), bool(i % 2))))
    cases.append(Case("out_channels 0 (invalid)", (3, 0, 3, True), invalid=True))
    return cases


conv_parameters = Exercise(
    name="conv_parameters",
    points=1,
    make_cases=_conv_cases,
    reference=solutions.conv_parameters,
    arg_names=("in_channels", "out_channels", "kernel_size", "bias"),
    mistakes=(
        Mistake(
            BIAS_FORGOTTEN.name,
            "With bias=True each of the F filters has one bias: add F.",
            lambda c, f, k, b: solutions.conv_parameters(c, f, k, bias=False),
        ),
        Mistake(
            "in-channels forgotten",
            "Each filter spans all C input channels: F * C * kh * kw weights.",
            lambda c, f, k, b: solutions.conv_parameters(1, f, k, bias=b),
        ),
    ),
)


def _rf_cases(rng):
    cases = [
        Case("no layers", ([],)),
        Case("one 3x3 layer", ([(3, 1, 1)],)),
        Case("two 3x3 layers", ([(3, 1, 1), (3, 1, 1)],)),
        Case("3x3 stride 2, then 3x3", ([(3, 2, 1), (3, 1, 1)],)),
        Case("three strided layers", ([(3, 2, 1), (3, 2, 1), (3, 1, 1)],)),
        Case("dilations 1, 2, 4", ([(3, 1, 1), (3, 1, 2), (3, 1, 4)],)),
        Case("7x7 stride 2, 3x3 stride 2 (a ResNet stem)", ([(7, 2, 1), (3, 2, 1)],)),
    ]
    for i in range(3):
        layers = [
            tuple(int(v) for v in (rng.integers(1, 6), rng.integers(1, 4), rng.integers(1, 4)))
            for _ in range(int(rng.integers(2, 5)))
        ]
        cases.append(Case(f"random stack {i + 1}", (layers,)))
    cases.append(Case("a layer with stride 0 (invalid)", ([(3, 0, 1)],), invalid=True))
    return cases


def _rf(layers, *, dilation=True, compound=True, stride=True):
    r, j = 1, 1
    for k, s, d in layers:
        r += (k - 1) * (d if dilation else 1) * j
        if stride:
            j = j * s if compound else s
    return r


receptive_field = Exercise(
    name="receptive_field",
    points=3,
    make_cases=_rf_cases,
    reference=solutions.receptive_field,
    arg_names=("layers",),
    mistakes=(
        Mistake(
            "stride ignored",
            "After a layer with stride s, neighbouring units are s input pixels apart: multiply the jump j "
            "by s, and grow r by (k - 1) * d * j for the next layer.",
            lambda layers: _rf(layers, stride=False),
        ),
        Mistake(
            "stride not compounded across layers",
            "The jump j is the product of the strides of all earlier layers, not just the last one: "
            "j *= s, not j = s.",
            lambda layers: _rf(layers, compound=False),
        ),
        Mistake(
            "dilation ignored",
            "A kernel of size k with dilation d spans d * (k - 1) + 1 inputs: r grows by (k - 1) * d * j.",
            lambda layers: _rf(layers, dilation=False),
        ),
        Mistake(
            "kernel sizes added",
            "Stacking layers does not add kernel sizes: two 3x3 layers see 5 pixels, not 6. Start from r = 1 "
            "and add (k - 1) * d * j per layer.",
            lambda layers: sum(k for k, _, _ in layers) or 1,
        ),
    ),
)


def _translate_cases(rng):
    def img(*shape):
        return np.round(rng.normal(size=shape), 2)

    small = np.arange(1.0, 13.0).reshape(3, 4)
    return [
        Case("3x4 image, down 1", (small, 1, 0)),
        Case("3x4 image, right 2", (small, 0, 2)),
        Case("3x4 image, up 1 and left 1", (small, -1, -1)),
        Case("4x5 image, down 2 and right 1", (img(4, 5), 2, 1)),
        Case("no shift", (img(3, 3), 0, 0)),
        Case("shift larger than the image", (img(3, 4), 5, -7)),
        Case("integer image, down 1 and left 2", (rng.integers(0, 9, size=(4, 4)), 1, -2)),
        Case("a (2, 3, 4) stack of images, down 1 and right 1", (img(2, 3, 4), 1, 1)),
        Case("a 1-D array (invalid)", (img(5), 1, 0), invalid=True),
    ]


translate = Exercise(
    name="translate",
    points=3,
    make_cases=_translate_cases,
    reference=solutions.translate,
    arg_names=("image", "dy", "dx"),
    shape_rule="The shifted image has the shape of the input: what moves out of the frame is lost and "
    "the uncovered rows and columns are filled with zeros, so nothing is added or cut.",
    mistakes=(
        Mistake(
            "circular shift instead of zero fill",
            "np.roll wraps what leaves one side back in on the other. Content shifted out is lost and the "
            "uncovered rows and columns are zeros.",
            lambda image, dy, dx: np.roll(np.asarray(image, float), (dy, dx), axis=(-2, -1)),
        ),
        Mistake(
            "dy and dx swapped",
            "dy moves rows (axis -2, down), dx moves columns (axis -1, right).",
            lambda image, dy, dx: solutions.translate(image, dx, dy),
        ),
        Mistake(
            "shifted in the wrong direction",
            "Positive dy moves the content down and positive dx right: the pixel at (0, 0) ends up at "
            "(dy, dx).",
            lambda image, dy, dx: solutions.translate(image, -dy, -dx),
        ),
    ),
)

EXERCISES = [dense_parameters, locally_connected_parameters, conv_parameters, receptive_field, translate]
