"""Chapter 01 reference solutions against SciPy: valid correlation, valid and full convolution."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st
from oracles import arrays, assert_close, oracle_settings

from solutions import convolve2d, convolve2d_full, correlate2d

SETTINGS = oracle_settings(60)


@st.composite
def image_and_kernel(draw, dtype=np.float64, kernel_fits=True):
    h, w = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    if kernel_fits:
        kh, kw = draw(st.integers(1, h)), draw(st.integers(1, w))
    else:
        kh, kw = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    return draw(arrays((h, w), dtype)), draw(arrays((kh, kw), dtype))


SCIPY = {
    correlate2d: lambda image, kernel: scipy.signal.correlate2d(image, kernel, mode="valid"),
    convolve2d: lambda image, kernel: scipy.signal.convolve2d(image, kernel, mode="valid"),
    convolve2d_full: lambda image, kernel: scipy.signal.convolve2d(image, kernel, mode="full"),
}
FUNCS = pytest.mark.parametrize("func", list(SCIPY), ids=lambda f: f.__name__)


def scipy_oracle(func, image, kernel):
    return SCIPY[func](np.asarray(image, np.float64), np.asarray(kernel, np.float64))


@SETTINGS
@given(image_and_kernel())
def test_correlate2d_matches_scipy(args):
    assert_close(correlate2d(*args), scipy_oracle(correlate2d, *args))


@SETTINGS
@given(image_and_kernel())
def test_convolve2d_matches_scipy(args):
    assert_close(convolve2d(*args), scipy_oracle(convolve2d, *args))


@SETTINGS
@given(image_and_kernel(kernel_fits=False))
def test_convolve2d_full_matches_scipy_and_commutes(args):
    image, kernel = args
    out = convolve2d_full(image, kernel)
    assert_close(out, scipy_oracle(convolve2d_full, image, kernel))
    assert_close(out, convolve2d_full(kernel, image))


@FUNCS
@pytest.mark.parametrize("seed", range(3))
def test_random_floats_match_scipy(func, seed):
    rng = np.random.default_rng(seed)
    image, kernel = rng.normal(size=(23, 17)), rng.normal(size=(4, 6))
    np.testing.assert_allclose(func(image, kernel), scipy_oracle(func, image, kernel), rtol=1e-8, atol=1e-12)


def test_worked_example():
    image = np.arange(9.0).reshape(3, 3)
    kernel = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(correlate2d(image, kernel), [[27.0, 37.0], [57.0, 67.0]])
    np.testing.assert_array_equal(convolve2d(image, kernel), [[13.0, 23.0], [43.0, 53.0]])


@SETTINGS
@given(st.data(), st.integers(1, 6), st.integers(1, 6))
def test_kernel_as_large_as_the_image_gives_one_value(data, h, w):
    image, kernel = data.draw(arrays((h, w))), data.draw(arrays((h, w)))
    out = correlate2d(image, kernel)
    assert out.shape == (1, 1)
    assert_close(out, [[np.sum(image * kernel)]])
    assert_close(convolve2d(image, kernel), [[np.sum(image * kernel[::-1, ::-1])]])


def test_one_by_one():
    assert_close(correlate2d([[3]], [[2]]), [[6.0]])
    assert_close(convolve2d([[3]], [[2]]), [[6.0]])
    assert_close(convolve2d_full([[3]], [[2]]), [[6.0]])


@FUNCS
@SETTINGS
@given(args=image_and_kernel(np.int64))
def test_integer_inputs_give_float64(func, args):
    assert_close(func(*args), scipy_oracle(func, *args))


@FUNCS
@SETTINGS
@given(args=image_and_kernel(np.float32))
def test_float32_stays_float32(func, args):
    image, kernel = args
    expected = scipy_oracle(func, image, kernel)
    assert_close(func(image, kernel), expected, np.float32)
    assert_close(func(image, kernel.astype(np.float64)), expected)  # mixed: float64


@FUNCS
def test_bool_and_list_inputs(func):
    image, kernel = [[True, False, True], [False, True, True]], [[1, 2]]
    assert_close(func(image, kernel), scipy_oracle(func, image, kernel))


@FUNCS
def test_views_and_inputs_not_modified(func):
    rng = np.random.default_rng(0)
    base_image, base_kernel = rng.normal(size=(7, 10)), rng.normal(size=(4, 3))
    image, kernel = base_image[::-1, ::2], base_kernel.T  # non-contiguous views
    image_copy, kernel_copy = image.copy(), kernel.copy()
    out = func(image, kernel)
    np.testing.assert_array_equal(image, image_copy)
    np.testing.assert_array_equal(kernel, kernel_copy)
    assert not np.shares_memory(out, base_image) and not np.shares_memory(out, base_kernel)
    np.testing.assert_allclose(out, func(image_copy, kernel_copy), rtol=1e-12)


@FUNCS
@pytest.mark.parametrize(
    ("image", "kernel", "name"),
    [
        (np.ones(5), np.ones((2, 2)), "image"),
        (np.ones((1, 4, 4)), np.ones((2, 2)), "image"),
        (np.ones((4, 4)), np.ones(2), "kernel"),
        (np.ones((4, 4)), np.ones((1, 2, 2)), "kernel"),
        (np.ones((4, 4)), np.ones((0, 2)), "kernel"),
        (np.array([["a", "b"], ["c", "d"]]), np.ones((1, 1)), "image"),
        (np.ones((4, 4)), np.ones((2, 2), dtype=complex), "kernel"),
    ],
)
def test_bad_arguments(func, image, kernel, name):
    with pytest.raises(ValueError, match=name):
        func(image, kernel)


@pytest.mark.parametrize("func", [correlate2d, convolve2d])
@pytest.mark.parametrize("kernel_shape", [(5, 5), (2, 5), (5, 2)])
def test_kernel_larger_than_image_is_an_error(func, kernel_shape):
    # SciPy would silently swap the arguments (all dimensions larger) or raise a generic error.
    with pytest.raises(ValueError, match="kernel"):
        func(np.ones((3, 3)), np.ones(kernel_shape))


def test_full_convolution_allows_a_larger_kernel():
    out = convolve2d_full(np.ones((2, 2)), np.ones((3, 4)))
    assert out.shape == (4, 5)
    with pytest.raises(ValueError, match="image"):
        convolve2d_full(np.ones((0, 2)), np.ones((3, 4)))
