"""Chapter 07, max pooling forward and backward, average pooling: cases, points and known mistakes."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

import solutions
from autograder.engine.exercise import Case, Exercise, Mistake
from autograder.engine.runner import GRADIENT_STEP
from autograder.errors import WrongKind


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _out_shape(x, k, s):
    kh, kw = _pair(k)
    sh, sw = _pair(k if s is None else s)
    n, c, h, w = np.shape(x)
    return n, c, (h - kh) // sh + 1, (w - kw) // sw + 1


POOLED_SHAPE = (
    "out has shape (N, C, Ho, Wo) with Ho = floor((H - kh) / sh) + 1 and Wo = floor((W - kw) / sw) + 1: "
    "one output per window, for every n and c."
)

FIGURE_EXAMPLE = np.array([[[[1.0, 3, 2, 0], [4, 2, 1, 5], [0, 1, 3, 2], [2, 6, 1, 1]]]])


class Input(NamedTuple):
    label: str
    x: np.ndarray
    kernel_size: object
    stride: object
    ties: bool = False  # windows whose maximum is not unique: max pooling's argmax rule matters


def _inputs(rng):
    """Pooling inputs: hand-sized first, then ties, overlaps and batches."""
    ties = rng.integers(0, 3, size=(1, 2, 4, 4)).astype(float)

    def r(*shape):
        return np.round(rng.normal(size=shape), 2)

    return [
        Input("4x4 image, 2x2 windows (stride defaults to 2)", FIGURE_EXAMPLE, 2, None),
        Input(
            "5x5 image, 3x3 windows, stride 2 (overlapping)", np.round(rng.normal(size=(1, 1, 5, 5)), 2), 3, 2
        ),
        Input(
            "4x4 image, 2x2 windows, stride 1 (overlapping)", np.round(rng.normal(size=(1, 1, 4, 4)), 2), 2, 1
        ),
        Input("ties: small integers, 2x2 windows", ties, 2, None, ties=True),
        Input("ties: all equal, 2x2 windows, stride 1", np.ones((1, 1, 3, 3)), 2, 1, ties=True),
        Input("batch of 2, 3 channels, 2x2", np.round(rng.normal(size=(2, 3, 4, 6)), 2), 2, None),
        Input("non-square window (1, 3), stride (1, 2)", r(1, 2, 3, 7), (1, 3), (1, 2)),
        Input("5x5 image, 2x2 windows: the last row and column are dropped", r(1, 1, 5, 5), 2, None),
        Input(
            "ties: integers, 3x3 windows, stride 2",
            rng.integers(0, 2, size=(1, 1, 5, 5)).astype(float),
            3,
            2,
            ties=True,
        ),
    ]


def _forward_cases(rng):
    cases = [Case(i.label, (i.x, i.kernel_size, i.stride)) for i in _inputs(rng)]
    cases += [
        # ties in every window, where the first and the last maximum of a window are far apart
        Case("ties: a maximum at two corners of each (2, 3) window", (TWO_CORNERS, (2, 3), None)),
        Case("ties: all equal, (3, 2) windows, stride (1, 2)", (np.full((1, 2, 4, 4), 7.0), (3, 2), (1, 2))),
        Case("window larger than the image (invalid)", (np.ones((1, 1, 2, 2)), 3, None), invalid=True),
        Case("x without a batch axis (invalid)", (np.ones((1, 4, 4)), 2, None), invalid=True),
        Case("stride (1, 0) (invalid)", (np.ones((1, 1, 4, 4)), 2, (1, 0)), invalid=True),
    ]
    return cases


# Each (2, 3) window of this input has its maximum 9 at its top-left and bottom-right corners.
TWO_CORNERS = np.array([[[[9.0, 1, 2, 9, 0, 1], [3, 4, 9, 2, 5, 9]]]])


def _out_only(value):
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise WrongKind("maxpool2d_forward must return a pair (out, cache)")
    return value[0]


def notebook_cache(cache) -> tuple:
    """The reference's cache in the form the notebook's docstring states: ``(x_shape, argmax)``,
    argmax of shape (N, C, Ho, Wo, 2) holding the (row, column) in x of each window's maximum."""
    kh, kw = cache["kernel_size"]
    sh, sw = cache["stride"]
    taps = np.asarray(cache["argmax"], dtype=int)
    ho, wo = taps.shape[2:]
    rows = np.arange(ho)[:, None] * sh + taps // kw
    cols = np.arange(wo)[None, :] * sw + taps % kw
    return tuple(int(v) for v in cache["x_shape"]), np.stack([rows, cols], axis=-1)


def _forward(x, kernel_size, stride=None):
    """The reference forward pass, its cache as the notebook states it."""
    out, cache = solutions.maxpool2d_forward(x, kernel_size, stride)
    return out, notebook_cache(cache)


def _out_and_argmax(value):
    """What is graded of ``(out, cache)``: out and the cache's argmax (the docstring states the cache:
    a pair (x_shape, argmax))."""
    out = _out_only(value)
    cache = value[1]
    if not isinstance(cache, tuple | list) or len(cache) != 2:
        raise WrongKind(
            "the cache must be a pair (x_shape, argmax), argmax an int array (N, C, Ho, Wo, 2) of the "
            f"(row, column) in x of each window's maximum; got {type(cache).__name__}"
        )
    return out, np.asarray(cache[1]) if isinstance(cache[1], np.ndarray) else cache[1]


def _last_on_ties(x, k, s=None):
    """(out, argmax) of a forward pass that keeps the last maximum of a window (a `>=` in the loop)."""
    x = np.asarray(x, float)
    out = np.zeros(_out_shape(x, k, s))
    argmax = np.zeros((*out.shape, 2), dtype=int)
    kw = _pair(k)[1]
    for i, j, rows, cols in _windows(x, k, s):
        flat = x[:, :, rows, cols].reshape(x.shape[0], x.shape[1], -1)
        last = flat.shape[-1] - 1 - np.argmax(flat[..., ::-1], axis=-1)
        out[:, :, i, j] = flat.max(axis=-1)
        argmax[:, :, i, j] = np.stack([rows.start + last // kw, cols.start + last % kw], axis=-1)
    return out, argmax


def _windows(x, k, s):
    """(index arrays of each window, in row-major order) for loop-level wrong answers."""
    kh, kw = _pair(k)
    sh, sw = _pair(k if s is None else s)
    n, c, ho, wo = _out_shape(x, k, s)
    for i in range(ho):
        for j in range(wo):
            yield i, j, slice(i * sh, i * sh + kh), slice(j * sw, j * sw + kw)


def _pool_with(x, k, s, reduce):
    x = np.asarray(x, float)
    out = np.zeros(_out_shape(x, k, s))
    for i, j, rows, cols in _windows(x, k, s):
        out[:, :, i, j] = reduce(x[:, :, rows, cols].reshape(x.shape[0], x.shape[1], -1), axis=-1)
    return out


maxpool2d_forward = Exercise(
    name="maxpool2d_forward",
    points=3,
    make_cases=_forward_cases,
    reference=_forward,
    project=_out_and_argmax,
    parts=("out", "the cache's argmax"),
    arg_names=("x", "kernel_size", "stride"),
    shape_rule=POOLED_SHAPE + " The cache's argmax has shape (N, C, Ho, Wo, 2).",
    mistakes=(
        Mistake(
            "stride ignored",
            "Windows start every stride pixels (the kernel size when stride is None): window (i, j) "
            "starts at row i * sh, column j * sw.",
            lambda x, k, s=None: _out_and_argmax(_forward(x, k, 1)),
        ),
        Mistake(
            "last maximum taken on ties",
            "When a window's maximum appears more than once, the cache records the first one in row-major "
            "window order (np.argmax does this); a loop that updates on >= keeps the last one. "
            "maxpool2d_backward routes dout to the position the cache records.",
            _last_on_ties,
        ),
        Mistake(
            "minimum instead of maximum",
            "Max pooling keeps the largest value of each window.",
            lambda x, k, s=None: (_pool_with(x, k, s, np.min), None),
        ),
        Mistake(
            "average instead of maximum",
            "That is average pooling (exercise 3); max pooling keeps the largest value.",
            lambda x, k, s=None: (solutions.avgpool2d(x, k, s), None),
        ),
    ),
)


def _backward_cases(rng):
    cases = []
    for i in _inputs(rng):
        dout = np.round(rng.normal(size=_out_shape(i.x, i.kernel_size, i.stride)), 2)
        cases.append(Case(i.label, (i.x, i.kernel_size, i.stride, dout)))
    return cases


def _backward(x, k, s, dout):
    _, cache = solutions.maxpool2d_forward(x, k, s)
    return solutions.maxpool2d_backward(dout, cache)


def _gradient(case, returned):
    """Split the driver's ``(dx, numerical gradient of the student's forward)``. The numerical
    gradient only counts where it exists: the student's forward pass had no kink at x (the runner
    sends None then) and max pooling itself is differentiable there (no near-ties in any window)."""
    if not isinstance(returned, tuple | list) or len(returned) != 2:
        raise TypeError("the backward driver returned something other than (dx, numerical gradient)")
    dx, numeric = returned
    x, k, s, _ = case.args
    if not isinstance(numeric, np.ndarray) or numeric.shape != np.shape(x) or not _differentiable(x, k, s):
        return dx, None
    return dx, numeric


def _differentiable(x, k, s, margin=4 * GRADIENT_STEP):
    """True when every window's maximum beats the runner-up by more than ``margin``."""
    kh, kw = _pair(k)
    sh, sw = _pair(k if s is None else s)
    windows = np.lib.stride_tricks.sliding_window_view(np.asarray(x, float), (kh, kw), axis=(2, 3))
    flat = np.sort(windows[:, :, ::sh, ::sw].reshape(*windows.shape[:2], -1, kh * kw), axis=-1)
    return kh * kw == 1 or bool(np.all(flat[..., -1] - flat[..., -2] > margin))


def _route(x, k, s, dout, *, spread=False, average=False, overwrite=False, last=False):
    """Loop-level backward passes with one thing done wrong."""
    x, dout = np.asarray(x, float), np.asarray(dout, float)
    dx = np.zeros_like(x)
    kh, kw = _pair(k)
    for i, j, rows, cols in _windows(x, k, s):
        window = x[:, :, rows, cols]
        g = dout[:, :, i, j][:, :, None, None]
        if spread or average:
            dx[:, :, rows, cols] += g / (kh * kw) if average else g
            continue
        flat = window.reshape(x.shape[0], x.shape[1], -1)
        if last:
            where = flat.shape[-1] - 1 - np.argmax(flat[..., ::-1], axis=-1)
        else:
            where = np.argmax(flat, axis=-1)
        mask = np.zeros_like(flat)
        np.put_along_axis(mask, where[..., None], 1.0, axis=-1)
        mask = mask.reshape(window.shape)
        if overwrite:
            region = dx[:, :, rows, cols]
            dx[:, :, rows, cols] = np.where(mask > 0, g, region)
        else:
            dx[:, :, rows, cols] += mask * g
    return dx


maxpool2d_backward = Exercise(
    name="maxpool2d_backward",
    points=4,
    make_cases=_backward_cases,
    reference=_backward,
    driver="maxpool_backward",
    uses=("maxpool2d_forward",),
    gradient=_gradient,
    arg_names=("x", "kernel_size", "stride", "dout"),
    shape_rule="dx has the shape of x, (N, C, H, W): one gradient per input pixel, not one per window.",
    mistakes=(
        Mistake(
            "gradient sent to every cell of the window",
            "Only the maximum influenced the output: route dout[e, c, i, j] to the argmax of window "
            "(i, j) and give the other cells 0.",
            lambda *a: _route(*a, spread=True),
        ),
        Mistake(
            "gradient averaged over the window",
            "Spreading dout / (kh * kw) over the window is the backward pass of average pooling; max "
            "pooling sends all of dout to the argmax.",
            lambda *a: _route(*a, average=True),
        ),
        Mistake(
            "overlapping contributions overwritten instead of summed",
            "When windows overlap, one pixel can be the maximum of several windows: add their gradients "
            "(dx[...] += dout), do not assign.",
            lambda *a: _route(*a, overwrite=True),
        ),
        Mistake(
            "last maximum taken on ties",
            "On ties the first maximum in row-major window order gets the gradient, and your backward "
            "pass sends it where the cache of your maxpool2d_forward says: that forward pass records the "
            "last maximum of a tied window. Fix maxpool2d_forward (exercise 1, whose feedback shows its "
            "cache) to keep the first one, as np.argmax does.",
            lambda *a: _route(*a, last=True),
        ),
    ),
)


def _avg_cases(rng):
    cases = [Case(i.label, (i.x, i.kernel_size, i.stride)) for i in _inputs(rng) if not i.ties]
    cases.append(Case("integer input, 2x2", (rng.integers(0, 5, size=(1, 1, 4, 4)), 2, None)))
    cases.append(
        Case("window larger than the image (invalid)", (np.ones((1, 1, 2, 2)), 3, None), invalid=True)
    )
    cases.append(Case("stride 0 (invalid)", (np.ones((1, 1, 4, 4)), 2, 0), invalid=True))
    return cases


avgpool2d = Exercise(
    name="avgpool2d",
    points=3,
    make_cases=_avg_cases,
    reference=solutions.avgpool2d,
    arg_names=("x", "kernel_size", "stride"),
    shape_rule=POOLED_SHAPE,
    mistakes=(
        Mistake(
            "sum instead of mean",
            "Average pooling divides each window's sum by the number of cells, kh * kw.",
            lambda x, k, s=None: _pool_with(x, k, s, np.sum),
        ),
        Mistake(
            "stride ignored",
            "Windows start every stride pixels (the kernel size when stride is None).",
            lambda x, k, s=None: solutions.avgpool2d(x, k, 1),
        ),
    ),
)

EXERCISES = [maxpool2d_forward, maxpool2d_backward, avgpool2d]
