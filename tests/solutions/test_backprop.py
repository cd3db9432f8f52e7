"""Chapter 08 reference solutions against PyTorch: the convolution's backward pass (autograd through
``conv2d``), and a numerical gradient check."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from oracles import (
    arrays,
    as_pair,
    int_or_pair,
    oracle_settings,
    torch_conv2d,
    torch_conv2d_backward,
)
from oracles import (
    assert_close_long_sums as assert_close,
)

from solutions import conv2d_backward, conv_transpose2d

torch.set_num_threads(1)
SETTINGS = oracle_settings(60)


# conv2d_backward


@st.composite
def backward_problems(draw, dtype=np.float64):
    """(dout, x, weight, stride, padding) whose kernel fits the padded image (stride may skip pixels)."""
    n, c, f = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride, padding = draw(int_or_pair(1, 3)), draw(int_or_pair(0, 2))
    (sh, sw), (ph, pw) = as_pair(stride), as_pair(padding)
    h = draw(st.integers(max(1, kh - 2 * ph), 8))
    w = draw(st.integers(max(1, kw - 2 * pw), 8))
    x, weight = draw(arrays((n, c, h, w), dtype)), draw(arrays((f, c, kh, kw), dtype))
    ho, wo = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    dout = draw(arrays((n, f, ho, wo), dtype))
    return dout, x, weight, stride, padding


@settings(SETTINGS, max_examples=150)
@given(backward_problems())
def test_conv2d_backward_matches_torch_autograd(problem):
    dout, x, weight, stride, padding = problem
    copies = [a.copy() for a in (dout, x, weight)]
    dx, dweight, dbias = conv2d_backward(dout, x, weight, stride, padding)
    expected = torch_conv2d_backward(x, weight, stride, padding, dout)
    for got, want in zip((dx, dweight, dbias), expected, strict=True):
        assert_close(got, want)
    for array, copy in zip((dout, x, weight), copies, strict=True):
        np.testing.assert_array_equal(array, copy)  # inputs are never modified
    assert not any(np.shares_memory(g, a) for g in (dx, dweight, dbias) for a in (dout, x, weight))


@SETTINGS
@given(backward_problems(np.float32))
def test_conv2d_backward_float32_stays_float32(problem):
    dout, x, weight, stride, padding = problem
    expected = torch_conv2d_backward(x, weight, stride, padding, dout)
    for got, want in zip(conv2d_backward(dout, x, weight, stride, padding), expected, strict=True):
        assert_close(got, want, np.float32)


@SETTINGS
@given(backward_problems(np.int64))
def test_conv2d_backward_integers_give_float64(problem):
    dout, x, weight, stride, padding = problem
    expected = torch_conv2d_backward(x, weight, stride, padding, dout)
    for got, want in zip(conv2d_backward(dout, x, weight, stride, padding), expected, strict=True):
        assert_close(got, want)


@SETTINGS
@given(backward_problems())
def test_dx_is_a_transposed_convolution_of_dout(problem):
    """The chapter's claim, checked on PyTorch's dx: conv_transpose2d(dout, weight) with the stride and
    padding of the forward pass, and output_padding for the rows the forward pass's floor dropped."""
    dout, x, weight, stride, padding = problem
    (sh, sw), (ph, pw), (kh, kw) = as_pair(stride), as_pair(padding), weight.shape[2:]
    extra = ((x.shape[2] + 2 * ph - kh) % sh, (x.shape[3] + 2 * pw - kw) % sw)
    dx = torch_conv2d_backward(x, weight, stride, padding, dout)[0]
    assert_close(conv_transpose2d(dout, weight, None, stride, padding, extra), dx)


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "stride", "padding"),
    [
        ((2, 3, 6, 5), (4, 3, 3, 3), 1, 1),
        ((1, 2, 7, 7), (2, 2, 3, 2), (2, 3), (1, 0)),
        ((2, 1, 5, 5), (1, 1, 5, 5), 1, 0),
    ],
)
def test_conv2d_backward_numerical_gradient(x_shape, w_shape, stride, padding):
    """Centred differences of L = sum(conv2d(x, weight, b) * dout): L is linear in each of x, weight and
    b, so the differences are exact up to rounding."""
    rng = np.random.default_rng(1)
    x, weight, bias = rng.normal(size=x_shape), rng.normal(size=w_shape), rng.normal(size=w_shape[0])
    dout = rng.normal(size=torch_conv2d(x, weight, bias, stride, padding).shape)

    def loss(xv, wv, bv):
        return float(np.sum(torch_conv2d(xv, wv, bv, stride, padding) * dout))

    numerical = []
    for which, array in enumerate((x, weight, bias)):
        grad = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            args = [x.copy(), weight.copy(), bias.copy()]
            args[which][index] += 1e-4
            plus = loss(*args)
            args[which][index] -= 2e-4
            grad[index] = (plus - loss(*args)) / 2e-4
        numerical.append(grad)
    for got, want in zip(conv2d_backward(dout, x, weight, stride, padding), numerical, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "padding"), [((64, 1, 8, 8), (8, 1, 3, 3), 1), ((64, 8, 4, 4), (16, 8, 3, 3), 1)]
)
def test_conv2d_backward_random_floats_network_sized(x_shape, w_shape, padding):
    """The two layers of the chapter's network, batch 64, with float64 rounding in the sums."""
    rng = np.random.default_rng(2)
    x, weight = rng.normal(size=x_shape), rng.normal(size=w_shape)
    dout = rng.normal(size=torch_conv2d(x, weight, None, 1, padding).shape)
    expected = torch_conv2d_backward(x, weight, 1, padding, dout)
    for got, want in zip(conv2d_backward(dout, x, weight, 1, padding), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


def test_conv2d_backward_hand_example():
    """The chapter's worked example: a 3x3 image, a 2x2 kernel, dout of ones."""
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    weight = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    dx, dweight, dbias = conv2d_backward(np.ones((1, 1, 2, 2)), x, weight)
    # Each pixel receives the kernel taps that touched it: the corner only tap (0, 0), the centre all four.
    np.testing.assert_array_equal(dx[0, 0], [[1, 3, 2], [4, 10, 6], [3, 7, 4]])
    # dweight[m, l] sums the pixels tap (m, l) read: the 2x2 block starting at (m, l).
    np.testing.assert_array_equal(
        dweight[0, 0], [[0 + 1 + 3 + 4, 1 + 2 + 4 + 5], [3 + 4 + 6 + 7, 4 + 5 + 7 + 8]]
    )
    np.testing.assert_array_equal(dbias, [4.0])


GOOD = {"x": np.ones((1, 2, 5, 5)), "weight": np.ones((3, 2, 3, 3)), "stride": 1, "padding": 0}


@pytest.mark.parametrize(
    ("changes", "dout_shape", "name"),
    [
        ({}, (1, 3, 4, 4), "dout"),  # one row and column short
        ({}, (1, 2, 3, 3), "dout"),  # channels instead of filters
        ({}, (3, 3, 3), "dout"),
        ({"stride": 2}, (1, 3, 3, 3), "dout"),  # stride 2 gives 2x2
        ({"x": np.ones((2, 5, 5))}, (1, 3, 3, 3), "x"),
        ({"weight": np.ones((3, 2, 3))}, (1, 3, 3, 3), "weight"),
        ({"weight": np.ones((3, 1, 3, 3))}, (1, 3, 3, 3), "channels"),
        ({"stride": 0}, (1, 3, 3, 3), "stride"),
        ({"stride": (1, 2, 3)}, (1, 3, 3, 3), "stride"),
        ({"padding": -1}, (1, 3, 3, 3), "padding"),
        ({"weight": np.ones((3, 2, 6, 6))}, (1, 3, 1, 1), "kernel"),
    ],
)
def test_conv2d_backward_bad_arguments(changes, dout_shape, name):
    args = GOOD | changes
    with pytest.raises(ValueError, match=name):
        conv2d_backward(np.ones(dout_shape), args["x"], args["weight"], args["stride"], args["padding"])
