"""Chapter 08, the backward pass of a convolution: cases, points, mistakes."""

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
            invalid=True,
        ),
        Case(
            "channel mismatch (invalid)",
            (np.ones((1, 2, 2, 2)), _rand(rng, 1, 3, 4, 4), _rand(rng, 2, 2, 3, 3), 1, 0),
            invalid=True,
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
            "Pixel (u, v) was multiplied by weight[m, l] in output (u - m, v - l): sending dout back is a "
            "full convolution, so the kernel appears flipped. Add dout[e, f, i, j] * weight[f] into the "
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
            "contributions (+= inside the loop over the examples e), of shape (F, C, kh, kw).",
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


EXERCISES = [conv2d_backward]
