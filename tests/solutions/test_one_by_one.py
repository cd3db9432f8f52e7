"""Chapter 05 reference solutions: 1x1 convolutions against PyTorch, MAC counts against counting the products
a real PyTorch convolution performs."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from oracles import arrays, as_pair, oracle_settings, tensor

from solutions import bottleneck_macs, conv1x1, conv_macs

torch.set_num_threads(1)
SETTINGS = oracle_settings(60)


@st.composite
def problems(draw, dtype=np.float64):
    n, c, f = draw(st.integers(1, 2)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    h, w = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    x, weight = draw(arrays((n, c, h, w), dtype)), draw(arrays((f, c), dtype))
    return x, weight, draw(st.none() | arrays((f,), dtype))


def torch_conv1x1(x, weight, bias):
    bias = None if bias is None else tensor(bias)
    return F.conv2d(tensor(x), tensor(weight)[..., None, None], bias).numpy()


@SETTINGS
@given(problems())
def test_conv1x1_matches_torch(problem):
    x, weight, bias = problem
    copies = [None if a is None else a.copy() for a in problem]
    out = conv1x1(x, weight, bias)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, torch_conv1x1(x, weight, bias), rtol=1e-8, atol=1e-12)
    for a, copy in zip(problem, copies, strict=True):
        np.testing.assert_array_equal(a, copy)
        assert a is None or not np.shares_memory(out, a)


@SETTINGS
@given(problems(np.float32))
def test_conv1x1_float32(problem):
    out = conv1x1(*problem)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, torch_conv1x1(*problem), rtol=1e-5, atol=1e-6)


@SETTINGS
@given(problems(np.int64))
def test_conv1x1_integers_give_float64(problem):
    out = conv1x1(*problem)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, torch_conv1x1(*problem), rtol=1e-8, atol=1e-12)


def test_conv1x1_random_floats():
    rng = np.random.default_rng(0)
    x, weight, bias = rng.normal(size=(4, 64, 9, 7)), rng.normal(size=(32, 64)), rng.normal(size=32)
    np.testing.assert_allclose(
        conv1x1(x, weight, bias), torch_conv1x1(x, weight, bias), rtol=1e-8, atol=1e-10
    )


@pytest.mark.parametrize(
    ("x", "weight", "bias", "name"),
    [
        (np.ones((3, 4, 4)), np.ones((2, 3)), None, "x"),
        (np.ones((1, 3, 4, 4)), np.ones((2, 3, 1, 1)), None, "weight"),
        (np.ones((1, 3, 4, 4)), np.ones(3), None, "weight"),
        (np.ones((1, 3, 4, 4)), np.ones((3, 2)), None, "channels"),  # transposed weight
        (np.ones((1, 3, 4, 4)), np.ones((2, 3)), np.ones(3), "bias"),
    ],
)
def test_conv1x1_bad_arguments(x, weight, bias, name):
    with pytest.raises(ValueError, match=name):
        conv1x1(x, weight, bias)


def counted_macs(c, f, kernel_size, out_hw):
    """Multiply-accumulates of a real convolution, counted: with all-ones input and weights, each output is
    the number of products that made it, so the outputs sum to the MAC count. The input is grown by the
    kernel so the valid output is exactly out_hw (the padding zeros of a "same" layer count as well)."""
    (kh, kw), (ho, wo) = as_pair(kernel_size), as_pair(out_hw)
    x = torch.ones(1, c, ho + kh - 1, wo + kw - 1, dtype=torch.float64)
    out = F.conv2d(x, torch.ones(f, c, kh, kw, dtype=torch.float64))
    assert out.shape[2:] == (ho, wo)
    return int(out.sum())


sizes = st.integers(1, 6)
pairs = st.one_of(sizes, st.tuples(sizes, sizes))


@SETTINGS
@given(sizes, sizes, pairs, pairs)
def test_conv_macs_match_counted_products(c, f, kernel_size, out_hw):
    macs = conv_macs(c, f, kernel_size, out_hw)
    assert type(macs) is int
    assert macs == counted_macs(c, f, kernel_size, out_hw)


@SETTINGS
@given(sizes, sizes, sizes, pairs, pairs)
def test_bottleneck_macs_are_both_layers(c, mid, f, kernel_size, out_hw):
    macs = bottleneck_macs(c, mid, f, kernel_size, out_hw)
    assert type(macs) is int
    assert macs == counted_macs(c, mid, 1, out_hw) + counted_macs(mid, f, kernel_size, out_hw)


def test_mac_examples():
    assert conv_macs(256, 256, 3, 28) == 28 * 28 * 256 * 256 * 9
    # The bottleneck's point: squeezing 256 channels to 64 first makes the 3x3 layer about 3.6x cheaper.
    assert bottleneck_macs(256, 64, 256, 3, 28) == 28 * 28 * (256 * 64 + 64 * 256 * 9)
    assert type(conv_macs(np.int64(2), np.int32(3), (np.int64(3), 1), 4)) is int


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: conv_macs(0, 8, 3, 4), "in_channels"),
        (lambda: conv_macs(3, 0, 3, 4), "out_channels"),
        (lambda: conv_macs(3, 8, -3, 4), "kernel_size"),
        (lambda: conv_macs(3, 8, 3, (4, 0)), "out_hw"),
        (lambda: conv_macs(3, 8, 3, 4.0), "out_hw"),
        (lambda: conv_macs(3.5, 8, 3, 4), "in_channels"),
        (lambda: bottleneck_macs(3, 0, 8, 3, 4), "mid_channels"),
        (lambda: bottleneck_macs(3, 2, 8, (3, 3, 3), 4), "kernel_size"),
    ],
)
def test_mac_bad_arguments(call, name):
    with pytest.raises(ValueError, match=name):
        call()
