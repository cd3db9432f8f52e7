"""Chapter 07 reference solutions against PyTorch: max pooling forward and backward (autograd, which sends
the gradient to the first maximum of each window), average pooling, and a numerical gradient check."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from oracles import EIGHTHS, as_pair, int_or_pair, oracle_settings, tensor, torch_maxpool

from solutions import avgpool2d, maxpool2d_backward, maxpool2d_forward

torch.set_num_threads(1)
SETTINGS = oracle_settings(80)


@st.composite
def problems(draw, dtype=np.float64, elements=EIGHTHS):
    """(x, kernel_size, stride, dout): stride None (= kernel) or anything, so windows may overlap or skip."""
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kh, kw = kernel = as_pair(draw(int_or_pair(1, 4)))
    h, w = kh + draw(st.integers(0, 4)), kw + draw(st.integers(0, 4))
    x = draw(hnp.arrays(dtype, (n, c, h, w), elements=elements))
    kernel_size = draw(st.sampled_from([kernel, kh])) if kh == kw else kernel
    stride = draw(st.none() | int_or_pair(1, 4))
    (sh, sw) = kernel if stride is None else as_pair(stride)
    out_shape = (n, c, (h - kh) // sh + 1, (w - kw) // sw + 1)
    dout = draw(hnp.arrays(dtype if dtype == np.float32 else np.float64, out_shape, elements=EIGHTHS))
    return x, kernel_size, stride, dout


# Small integers: most windows hold the same maximum several times.
TIES = problems(elements=st.integers(-2, 2).map(float))


def plane_index(argmax, kernel_size, stride, width):
    """The cache's argmax as PyTorch's indices: flat positions in each H x W plane."""
    kw = as_pair(kernel_size)[1]
    sh, sw = as_pair(kernel_size if stride is None else stride)
    rows = np.arange(argmax.shape[2])[:, None] * sh + argmax // kw
    cols = np.arange(argmax.shape[3]) * sw + argmax % kw
    return rows * width + cols


def check_maxpool(problem, dtype=np.float64):
    x, kernel_size, stride, dout = problem
    copies = x.copy(), dout.copy()
    out, cache = maxpool2d_forward(x, kernel_size, stride)
    dx = maxpool2d_backward(dout, cache)
    expected_out, _, expected_dx = torch_maxpool(x, kernel_size, stride, dout)
    assert out.dtype == dtype and dx.dtype == dtype
    assert dx.shape == x.shape
    np.testing.assert_array_equal(out, expected_out)
    np.testing.assert_array_equal(dx, expected_dx)
    np.testing.assert_array_equal(x, copies[0])
    np.testing.assert_array_equal(dout, copies[1])
    assert not np.shares_memory(out, x) and not np.shares_memory(dx, dout)


@settings(SETTINGS, max_examples=120)
@given(problems())
def test_maxpool_matches_torch(problem):
    check_maxpool(problem)


@settings(SETTINGS, max_examples=120)
@given(TIES)
def test_maxpool_with_ties_matches_torch(problem):
    check_maxpool(problem)


@SETTINGS
@given(TIES)
def test_cache_argmax_is_the_first_maximum_like_torch(problem):
    x, kernel_size, stride, dout = problem
    _, cache = maxpool2d_forward(x, kernel_size, stride)
    _, torch_indices, _ = torch_maxpool(x, kernel_size, stride, dout)
    (kh, kw), argmax = as_pair(kernel_size), cache["argmax"]
    assert argmax.min() >= 0 and argmax.max() < kh * kw
    np.testing.assert_array_equal(plane_index(argmax, kernel_size, stride, x.shape[3]), torch_indices)


@SETTINGS
@given(problems(np.float32))
def test_maxpool_float32(problem):
    check_maxpool(problem, np.float32)


@SETTINGS
@given(problems(np.int64, elements=st.integers(-3, 3)))
def test_maxpool_integers_give_float64(problem):
    check_maxpool(problem)


def test_overlapping_windows_add_their_gradients():
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 1, 1] = 5.0  # the maximum of all four 2x2 windows
    out, cache = maxpool2d_forward(x, 2, stride=1)
    np.testing.assert_array_equal(out, np.full((1, 1, 2, 2), 5.0))
    dx = maxpool2d_backward(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), cache)
    expected = np.zeros((1, 1, 3, 3))
    expected[0, 0, 1, 1] = 10.0
    np.testing.assert_array_equal(dx, expected)


def test_ties_go_to_the_first_maximum():
    x = np.array([[[[1.0, 3.0], [3.0, 3.0]]]])
    _, cache = maxpool2d_forward(x, 2)
    np.testing.assert_array_equal(maxpool2d_backward(np.ones((1, 1, 1, 1)), cache), [[[[0, 1], [0, 0]]]])


@pytest.mark.parametrize(
    ("shape", "kernel_size", "stride"),
    [((1, 2, 6, 6), 2, None), ((2, 1, 7, 6), 3, 1), ((1, 1, 7, 8), (3, 2), (2, 3)), ((1, 1, 5, 5), 5, None)],
)
def test_maxpool_backward_numerical_gradient(shape, kernel_size, stride):
    """Centred differences of L = sum(maxpool(x) * dout); x holds distinct values 1 apart, so an eps of
    1e-3 never changes which element is the maximum and the differences are exact up to rounding."""
    rng = np.random.default_rng(0)
    x = rng.permutation(np.prod(shape)).reshape(shape).astype(np.float64)
    out, cache = maxpool2d_forward(x, kernel_size, stride)
    dout = rng.normal(size=out.shape)
    eps = 1e-3
    numerical = np.zeros(shape)
    for index in np.ndindex(shape):
        step = np.zeros(shape)
        step[index] = eps
        plus = np.sum(maxpool2d_forward(x + step, kernel_size, stride)[0] * dout)
        minus = np.sum(maxpool2d_forward(x - step, kernel_size, stride)[0] * dout)
        numerical[index] = (plus - minus) / (2 * eps)
    np.testing.assert_allclose(maxpool2d_backward(dout, cache), numerical, rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize(
    ("shape", "kernel_size", "stride"),
    [
        ((4, 8, 32, 32), 3, 2),
        # More than one group of planes (about 2 MiB each), the last one short; the width is not a whole
        # number of strides, then it is.
        ((3, 67, 40, 41), 3, 2),
        ((3, 67, 40, 40), 2, 2),
        ((2, 70, 41, 43), (3, 2), (2, 3)),
    ],
)
def test_maxpool_random_floats_bigger_input(shape, kernel_size, stride):
    rng = np.random.default_rng(3)
    x = rng.normal(size=shape)
    out, cache = maxpool2d_forward(x, kernel_size, stride)
    dout = rng.normal(size=out.shape)
    expected_out, expected_indices, expected_dx = torch_maxpool(x, kernel_size, stride, dout)
    np.testing.assert_array_equal(out, expected_out)
    np.testing.assert_allclose(maxpool2d_backward(dout, cache), expected_dx, rtol=1e-12, atol=0)
    np.testing.assert_array_equal(
        plane_index(cache["argmax"], kernel_size, stride, shape[3]), expected_indices
    )


@settings(SETTINGS, max_examples=100)
@given(problems())
def test_avgpool_matches_torch(problem):
    x, kernel_size, stride, _ = problem
    copy = x.copy()
    out = avgpool2d(x, kernel_size, stride)
    assert out.dtype == np.float64
    expected = F.avg_pool2d(tensor(x), kernel_size, stride).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-8, atol=1e-12)
    np.testing.assert_array_equal(x, copy)


@SETTINGS
@given(problems(np.float32))
def test_avgpool_float32(problem):
    x, kernel_size, stride, _ = problem
    out = avgpool2d(x, kernel_size, stride)
    assert out.dtype == np.float32
    np.testing.assert_allclose(
        out, F.avg_pool2d(tensor(x), kernel_size, stride).numpy(), rtol=1e-5, atol=1e-6
    )


def test_avgpool_integers_and_example():
    x = np.arange(16).reshape(1, 1, 4, 4)
    out = avgpool2d(x, 2)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [[[[2.5, 4.5], [10.5, 12.5]]]])
    np.testing.assert_array_equal(avgpool2d(x, (1, 4), stride=(3, 1)), [[[[1.5], [13.5]]]])


@pytest.mark.parametrize("pool", [lambda *a: maxpool2d_forward(*a)[0], avgpool2d])
@pytest.mark.parametrize(
    ("x", "kernel_size", "stride", "name"),
    [
        (np.ones((4, 4)), 2, None, "x"),
        (np.ones((1, 4, 4)), 2, None, "x"),  # forgot the batch axis
        (np.ones((1, 1, 4, 4)), 0, None, "kernel_size"),
        (np.ones((1, 1, 4, 4)), (2, 2, 2), None, "kernel_size"),
        (np.ones((1, 1, 4, 4)), 2.0, None, "kernel_size"),
        (np.ones((1, 1, 4, 4)), 2, 0, "stride"),
        (np.ones((1, 1, 4, 4)), 2, (1, -1), "stride"),
        (np.ones((1, 1, 4, 4)), 5, None, "kernel_size"),  # larger than the image
        (np.ones((1, 1, 4, 4)), (1, 5), 1, "kernel_size"),
    ],
)
def test_pooling_bad_arguments(pool, x, kernel_size, stride, name):
    with pytest.raises(ValueError, match=name):
        pool(x, kernel_size, stride)


def test_maxpool_backward_bad_arguments():
    _, cache = maxpool2d_forward(np.ones((1, 2, 4, 4)), 2)
    with pytest.raises(ValueError, match="dout"):
        maxpool2d_backward(np.ones((1, 2, 3, 3)), cache)
    with pytest.raises(ValueError, match="dout"):
        maxpool2d_backward(np.ones((2, 2, 2)), cache)
    with pytest.raises(ValueError, match="cache"):
        maxpool2d_backward(np.ones((1, 2, 2, 2)), None)
    with pytest.raises(ValueError, match="cache"):
        maxpool2d_backward(np.ones((1, 2, 2, 2)), {"argmax": cache["argmax"]})


def test_pooling_hidden_cases_check_only_the_invalid_inputs_the_text_states():
    """The reference refuses a stride below 1; chapter 07's exercises state which inputs raise (x not 4-D, a
    window larger than the image). The hidden cases check only those: a stride below 1 is checked only once
    the exercise's text says it raises."""
    import re

    import nbformat
    from helpers import source_notebook

    from autograder.engine import exercises

    stubs = {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in nbformat.read(source_notebook("07_pooling"), as_version=4).cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }
    for name in ("maxpool2d_forward", "avgpool2d"):
        raises = re.search(r"Raises ValueError(.*?)\.\n", stubs[name], re.S)[1]
        stated = "stride" in raises
        for case in exercises.exercise(name).cases():
            stride = case.args[2]
            if stride is not None and min(np.atleast_1d(stride)) < 1:
                assert stated, f"{name}: {case.label} checks a stride the text does not say raises"
