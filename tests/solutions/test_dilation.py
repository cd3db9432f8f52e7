"""Chapter 06 reference solutions against PyTorch's ``dilation`` argument."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from oracles import arrays, as_pair, int_or_pair, oracle_settings, tensor

from solutions import correlate2d, dilate_kernel, dilated_correlate2d, effective_kernel_size

torch.set_num_threads(1)
SETTINGS = oracle_settings(80)


def torch_correlate(image, kernel, dilation):
    return F.conv2d(tensor(image)[None, None], tensor(kernel)[None, None], dilation=dilation)[0, 0].numpy()


@st.composite
def problems(draw, dtype=np.float64, fits=False):
    """(image, kernel, dilation); with ``fits``, the image is always large enough for the dilated kernel."""
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    dilation = draw(int_or_pair(1, 4))
    if fits:
        (dh, dw) = as_pair(dilation)
        h, w = dh * (kh - 1) + 1 + draw(st.integers(0, 3)), dw * (kw - 1) + 1 + draw(st.integers(0, 3))
    else:
        h, w = draw(st.integers(1, 10)), draw(st.integers(1, 10))
    return draw(arrays((h, w), dtype)), draw(arrays((kh, kw), dtype)), dilation


@settings(SETTINGS, max_examples=200)
@given(problems())
def test_dilated_correlate2d_matches_torch(problem):
    image, kernel, dilation = problem
    (dh, dw), (kh, kw) = as_pair(dilation), kernel.shape
    if dh * (kh - 1) + 1 > image.shape[0] or dw * (kw - 1) + 1 > image.shape[1]:
        with pytest.raises(ValueError, match="kernel"):
            dilated_correlate2d(image, kernel, dilation)
        return
    copies = image.copy(), kernel.copy()
    out = dilated_correlate2d(image, kernel, dilation)
    assert out.dtype == np.float64
    expected = torch_correlate(image, kernel, dilation)
    np.testing.assert_allclose(out, expected, rtol=1e-8, atol=1e-12)
    # Same as building the dilated kernel and correlating with it.
    np.testing.assert_allclose(
        correlate2d(image, dilate_kernel(kernel, dilation)), expected, rtol=1e-8, atol=1e-12
    )
    np.testing.assert_array_equal(image, copies[0])
    np.testing.assert_array_equal(kernel, copies[1])


@SETTINGS
@given(problems(np.float32, fits=True))
def test_dilated_correlate2d_float32(problem):
    out = dilated_correlate2d(*problem)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, torch_correlate(*problem), rtol=1e-5, atol=1e-6)


@SETTINGS
@given(problems(np.int64, fits=True))
def test_dilated_correlate2d_integers_give_float64(problem):
    out = dilated_correlate2d(*problem)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, torch_correlate(*problem), rtol=1e-8, atol=1e-12)


def test_dilated_correlate2d_example():
    image = np.arange(25).reshape(5, 5)
    out = dilated_correlate2d(image, [[1, 0], [0, 1]], dilation=2)
    assert out.dtype == np.float64
    # taps at (i, j) and (i + 2, j + 2)
    np.testing.assert_array_equal(
        out, [[0 + 12, 1 + 13, 2 + 14], [5 + 17, 6 + 18, 7 + 19], [10 + 22, 11 + 23, 12 + 24]]
    )
    np.testing.assert_array_equal(
        dilated_correlate2d(image, [[1, 2]], dilation=1), correlate2d(image, [[1, 2]])
    )


@SETTINGS
@given(
    hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=4).flatmap(arrays),
    int_or_pair(1, 4),
)
def test_dilate_kernel_is_torch_dilation(kernel, dilation):
    (dh, dw), (kh, kw) = as_pair(dilation), kernel.shape[-2:]
    copy = kernel.copy()
    big = dilate_kernel(kernel, dilation)
    assert big.dtype == np.float64
    assert big.shape == (*kernel.shape[:-2], dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    np.testing.assert_array_equal(big[..., ::dh, ::dw], kernel)
    assert np.count_nonzero(big) == np.count_nonzero(kernel)
    np.testing.assert_array_equal(kernel, copy)
    # A PyTorch convolution with the dilated kernel equals one with dilation=d on the original kernel.
    weight = kernel.reshape(-1, 1, kh, kw)
    x = tensor(np.random.default_rng(0).normal(size=(1, 1, big.shape[-2] + 2, big.shape[-1] + 3)))
    expected = F.conv2d(x, tensor(weight), dilation=(dh, dw))
    np.testing.assert_allclose(F.conv2d(x, tensor(big.reshape(-1, 1, *big.shape[-2:]))), expected, rtol=1e-12)


def test_dilate_kernel_example_and_dtypes():
    kernel = np.array([[1, 2], [3, 4]])
    np.testing.assert_array_equal(dilate_kernel(kernel, 2), [[1, 0, 2], [0, 0, 0], [3, 0, 4]])
    np.testing.assert_array_equal(dilate_kernel(kernel, (1, 3)), [[1, 0, 0, 2], [3, 0, 0, 4]])
    assert dilate_kernel(kernel, 2).dtype == np.float64
    assert dilate_kernel(kernel.astype(np.float32), 2).dtype == np.float32
    assert not np.shares_memory(dilate_kernel(kernel, 1), kernel)


@SETTINGS
@given(st.integers(1, 7), st.integers(1, 5), st.integers(0, 6))
def test_effective_kernel_size_matches_torch(k, d, extra):
    size = effective_kernel_size(k, d)
    assert type(size) is int
    assert size == dilate_kernel(np.ones((1, k)), d).shape[1]
    n = size + extra  # the valid output has n - size + 1 positions
    out = F.conv1d(
        torch.zeros(1, 1, n, dtype=torch.float64), torch.ones(1, 1, k, dtype=torch.float64), dilation=d
    )
    assert out.shape[-1] == n - size + 1


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: dilated_correlate2d(np.ones((5, 5)), np.ones((2, 2)), 0), "dilation"),
        (lambda: dilated_correlate2d(np.ones((5, 5)), np.ones((2, 2)), (1, -1)), "dilation"),
        (lambda: dilated_correlate2d(np.ones((5, 5)), np.ones((2, 2)), 1.5), "dilation"),
        (lambda: dilated_correlate2d(np.ones((5, 5)), np.ones((3, 3)), 3), "kernel"),  # spans 7 > 5
        (lambda: dilated_correlate2d(np.ones((5, 5)), np.ones((1, 3)), (9, 3)), "kernel"),  # spans 7 > 5
        (lambda: dilated_correlate2d(np.ones(5), np.ones((2, 2))), "image"),
        (lambda: dilated_correlate2d(np.ones((5, 5)), np.ones((1, 2, 2))), "kernel"),
        (lambda: dilate_kernel(np.ones(3), 2), "kernel"),
        (lambda: dilate_kernel(np.ones((2, 3, 3)), 2), "kernel"),  # the exercise says: not 2-D raises
        (lambda: dilate_kernel(np.ones((3, 3)), 0), "dilation"),
        (lambda: dilate_kernel(np.ones((3, 3)), True), "dilation"),
        (lambda: effective_kernel_size(0, 2), "kernel_size"),
        (lambda: effective_kernel_size(3, 0), "dilation"),
        (lambda: effective_kernel_size(3, 2.0), "dilation"),
    ],
)
def test_bad_arguments(call, name):
    with pytest.raises(ValueError, match=name):
        call()
