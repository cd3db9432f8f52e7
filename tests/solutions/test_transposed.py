"""Chapter 09 reference solutions against PyTorch: transposed convolution and its output size."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from oracles import (
    arrays,
    as_pair,
    int_or_pair,
    oracle_settings,
    tensor,
    torch_conv_transpose2d,
)
from oracles import (
    assert_close_long_sums as assert_close,
)

from solutions import conv_transpose2d, output_size, transposed_output_size

torch.set_num_threads(1)
SETTINGS = oracle_settings(60)


# conv_transpose2d


@st.composite
def transpose_problems(draw, dtype=np.float64):
    """(x, weight, bias, stride, padding, output_padding) with a non-empty output."""
    n, c, f = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, w = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    sh, sw = stride = as_pair(draw(int_or_pair(1, 3)))
    oph, opw = draw(st.integers(0, sh - 1)), draw(st.integers(0, sw - 1))
    ph = draw(st.integers(0, ((h - 1) * sh + kh + oph - 1) // 2))
    pw = draw(st.integers(0, ((w - 1) * sw + kw + opw - 1) // 2))
    x, weight = draw(arrays((n, c, h, w), dtype)), draw(arrays((c, f, kh, kw), dtype))
    bias = draw(st.none() | arrays((f,), dtype))
    squeeze = draw(st.booleans())  # ints where the pair's two values agree

    def pick(v):
        return v[0] if squeeze and v[0] == v[1] else v

    return x, weight, bias, pick(stride), pick((ph, pw)), pick((oph, opw))


@settings(SETTINGS, max_examples=150)
@given(transpose_problems())
def test_conv_transpose2d_matches_torch(problem):
    x, weight, bias, stride, padding, output_padding = problem
    copies = x.copy(), weight.copy()
    out = conv_transpose2d(x, weight, bias, stride, padding, output_padding)
    assert_close(out, torch_conv_transpose2d(x, weight, bias, stride, padding, output_padding))
    np.testing.assert_array_equal(x, copies[0])
    np.testing.assert_array_equal(weight, copies[1])


@SETTINGS
@given(transpose_problems(np.float32))
def test_conv_transpose2d_float32_stays_float32(problem):
    x, weight, bias, *rest = problem
    assert_close(
        conv_transpose2d(x, weight, bias, *rest), torch_conv_transpose2d(x, weight, bias, *rest), np.float32
    )


@SETTINGS
@given(transpose_problems(np.int64))
def test_conv_transpose2d_integers_give_float64(problem):
    x, weight, bias, *rest = problem
    assert_close(conv_transpose2d(x, weight, bias, *rest), torch_conv_transpose2d(x, weight, bias, *rest))


def test_conv_transpose2d_stamps_the_kernel():
    """Stride 2, one input pixel per image corner: each stamps its multiple of the kernel; overlaps add."""
    x = np.array([[[[1.0, 10.0]]]])
    weight = np.ones((1, 1, 3, 3))
    out = conv_transpose2d(x, weight, stride=2)
    np.testing.assert_array_equal(out[0, 0], [[1, 1, 11, 10, 10]] * 3)
    np.testing.assert_array_equal(conv_transpose2d(x, weight, stride=2, padding=1)[0, 0], [[1, 11, 10]])
    assert conv_transpose2d(x, weight, stride=2, output_padding=1).shape == (1, 1, 4, 6)


@pytest.mark.parametrize(
    ("x", "weight", "kwargs", "name"),
    [
        (np.ones((1, 2, 3, 3)), np.ones((3, 2, 2, 2)), {}, "channels"),  # weight read as (F, C_in)
        (np.ones((2, 3, 3)), np.ones((2, 1, 2, 2)), {}, "x"),
        (np.ones((1, 2, 3, 3)), np.ones((2, 1, 2)), {}, "weight"),
        (np.ones((1, 2, 3, 3)), np.ones((2, 1, 2, 2)), {"bias": np.ones(2)}, "bias"),
        (np.ones((1, 2, 3, 3)), np.ones((2, 1, 2, 2)), {"stride": 2, "output_padding": 2}, "output_padding"),
        (np.ones((1, 2, 3, 3)), np.ones((2, 1, 2, 2)), {"output_padding": 1}, "output_padding"),
        (np.ones((1, 2, 3, 3)), np.ones((2, 1, 2, 2)), {"output_padding": -1}, "output_padding"),
        (np.ones((1, 2, 3, 3)), np.ones((2, 1, 2, 2)), {"padding": -1}, "padding"),
        (np.ones((1, 2, 3, 3)), np.ones((2, 1, 2, 2)), {"padding": 2}, "padding"),  # 4 - 4: empty
        (np.ones((1, 2, 3, 3)), np.ones((2, 1, 2, 2)), {"stride": 0}, "stride"),
    ],
)
def test_conv_transpose2d_bad_arguments(x, weight, kwargs, name):
    with pytest.raises(ValueError, match=name):
        conv_transpose2d(x, weight, **kwargs)


# transposed_output_size


@settings(SETTINGS, max_examples=200)
@given(
    st.integers(1, 9),
    st.integers(1, 5),
    st.integers(0, 3),
    st.integers(1, 4),
    st.data(),
    st.integers(1, 3),
)
def test_transposed_output_size_matches_torch_and_inverts_output_size(n, k, p, s, data, d):
    op = data.draw(st.integers(0, max(s, d) - 1))
    expected = (n - 1) * s - 2 * p + d * (k - 1) + op + 1
    if expected < 1:
        with pytest.raises(ValueError, match="padding"):
            transposed_output_size(n, k, p, s, op, d)
        return
    size = transposed_output_size(n, k, p, s, op, d)
    assert type(size) is int
    out = F.conv_transpose2d(
        tensor(np.zeros((1, 1, n, 1))),
        tensor(np.zeros((1, 1, k, 1))),
        stride=(s, 1),
        padding=(p, 0),
        output_padding=(op, 0),
        dilation=(d, 1),
    )
    assert size == out.shape[2]
    if op < s:
        assert output_size(size, k, p, s, d) == n  # chapter 03's formula maps it back
    else:  # allowed by the dilation only: a size that no such convolution maps back to n
        assert output_size(size, k, p, s, d) > n


def torch_transposed_size(n, k, p, s, op, d):
    """The output length of PyTorch's ConvTranspose2d along one axis, or None if it refuses."""
    layer = torch.nn.ConvTranspose2d(
        1, 1, (k, 1), stride=(s, 1), padding=(p, 0), output_padding=(op, 0), dilation=(d, 1), bias=False
    )
    try:
        with torch.no_grad():
            return layer(torch.zeros(1, 1, n, 1, dtype=torch.float64).to(layer.weight.dtype)).shape[2]
    except RuntimeError:
        return None


GRID = [
    (n, k, p, s, op, d)
    for n in (1, 3, 4)
    for k in (1, 3)
    for p in (0, 1, 2)
    for s in (1, 2, 3)
    for d in (1, 2, 3)
    for op in range(0, max(s, d) + 2)
]


def test_transposed_output_size_follows_pytorchs_output_padding_rule():
    """Over a grid of (n, k, p, s, op, d), including output_padding from 0 to max(stride, dilation) + 1:
    a size exactly where PyTorch's ConvTranspose2d gives one, ValueError exactly where it refuses."""
    accepted_by_dilation = 0
    for n, k, p, s, op, d in GRID:
        expected = torch_transposed_size(n, k, p, s, op, d)
        if expected is None:
            with pytest.raises(ValueError):
                transposed_output_size(n, k, p, s, op, d)
        else:
            assert transposed_output_size(n, k, p, s, op, d) == expected, (n, k, p, s, op, d)
            accepted_by_dilation += op >= s
    assert accepted_by_dilation > 0, "the grid reaches output_padding >= stride with a larger dilation"
    assert torch_transposed_size(4, 3, 0, 1, 1, 2) == transposed_output_size(4, 3, 0, 1, 1, 2) == 9
    with pytest.raises(ValueError, match="output_padding"):
        transposed_output_size(4, 3, 0, 1, 2, 2)


def test_conv_transpose2d_keeps_output_padding_below_the_stride():
    """conv_transpose2d has no dilation: its output_padding stays below the stride, as PyTorch's."""
    x, weight = np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2))
    with pytest.raises(RuntimeError):
        F.conv_transpose2d(tensor(x), tensor(weight), stride=2, output_padding=2)
    with pytest.raises(ValueError, match="output_padding"):
        conv_transpose2d(x, weight, stride=2, output_padding=2)


def test_transposed_output_size_examples():
    assert transposed_output_size(4, 3, padding=1, stride=2) == 7
    assert transposed_output_size(4, 3, padding=1, stride=2, output_padding=1) == 8
    assert output_size(7, 3, 1, 2) == output_size(8, 3, 1, 2) == 4  # why output_padding exists
    assert transposed_output_size(np.int64(3), 2) == 4


@pytest.mark.parametrize(
    ("args", "name"),
    [
        ((0, 3), "input_size"),
        ((4, 0), "kernel_size"),
        ((4, 3, -1), "padding"),
        ((4, 3, 0, 0), "stride"),
        ((4, 3, 0, 2, 2), "output_padding"),
        ((4, 3, 0, 1, 2, 2), "output_padding"),  # equal to the dilation, larger than the stride
        ((4, 3, 0, 2, -1), "output_padding"),
        ((4, 3, 0, 1, 0, 0), "dilation"),
        ((1, 1, 1), "padding"),  # the output would be empty
        ((4.0, 3), "input_size"),
        ((4, True), "kernel_size"),
    ],
)
def test_transposed_output_size_bad_arguments(args, name):
    with pytest.raises(ValueError, match=name):
        transposed_output_size(*args)
