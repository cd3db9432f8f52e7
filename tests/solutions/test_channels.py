"""Chapter 04 reference solutions against PyTorch: multi-channel conv2d, the locally connected layer (against
``torch.nn.functional.unfold``) and weight tiling."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from oracles import arrays, as_pair, assert_close, int_or_pair, oracle_settings, tensor, torch_conv2d

from solutions import conv2d, locally_connected2d, tile_weights

torch.set_num_threads(1)
SETTINGS = oracle_settings(60)


# conv2d


@st.composite
def conv_problems(draw, dtype=np.float64, max_kernel=4):
    n, c, f = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, w = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    kh, kw = draw(st.integers(1, max_kernel)), draw(st.integers(1, max_kernel))
    x, weight = draw(arrays((n, c, h, w), dtype)), draw(arrays((f, c, kh, kw), dtype))
    bias = draw(st.none() | arrays((f,), dtype))
    return x, weight, bias, draw(int_or_pair(1, 3)), draw(int_or_pair(0, 2))


@settings(SETTINGS, max_examples=150)
@given(conv_problems())
def test_conv2d_matches_torch(problem):
    x, weight, bias, stride, padding = problem
    (ph, pw), (kh, kw) = as_pair(padding), weight.shape[2:]
    if kh > x.shape[2] + 2 * ph or kw > x.shape[3] + 2 * pw:
        with pytest.raises(ValueError, match="kernel"):
            conv2d(x, weight, bias, stride, padding)
        return
    assert_close(
        conv2d(x, weight, bias, stride=stride, padding=padding),
        torch_conv2d(x, weight, bias, stride, padding),
    )


@SETTINGS
@given(conv_problems(max_kernel=1))
def test_conv2d_one_by_one_kernels_match_torch(problem):
    x, weight, bias, stride, padding = problem
    assert_close(conv2d(x, weight, bias), torch_conv2d(x, weight, bias))
    assert_close(conv2d(x, weight, bias, stride, padding), torch_conv2d(x, weight, bias, stride, padding))


@SETTINGS
@given(conv_problems(np.float32))
def test_conv2d_float32_stays_float32(problem):
    x, weight, bias, stride, _ = problem
    padding = max(weight.shape[2:])  # always fits
    expected = torch_conv2d(x, weight, bias, stride, padding)
    assert_close(conv2d(x, weight, bias, stride, padding), expected, np.float32)
    assert_close(conv2d(x, weight.astype(np.float64), bias, stride, padding), expected)  # mixed: float64


@SETTINGS
@given(conv_problems(np.int64))
def test_conv2d_integers_give_float64(problem):
    x, weight, bias, stride, _ = problem
    padding = max(weight.shape[2:])
    assert_close(conv2d(x, weight, bias, stride, padding), torch_conv2d(x, weight, bias, stride, padding))


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "stride", "padding"),
    [
        ((8, 16, 32, 32), (32, 16, 3, 3), 1, 1),
        ((32, 64, 16, 16), (64, 64, 1, 1), 1, 0),
        ((2, 3, 17, 13), (5, 3, 5, 2), (2, 3), (1, 0)),
        # stride 1, output wider than the image: taps near the edges read more than a row away
        ((2, 3, 4, 2), (4, 3, 3, 5), 1, (2, 4)),
        ((1, 2, 6, 1), (3, 2, 1, 7), 1, (0, 3)),
        # a batch whose columns take several passes through the buffer, the last one short
        ((37, 3, 20, 20), (4, 3, 3, 3), 1, 1),
        # strided: output rows gathered in chunks (34, 34, 6 rows), the last one short
        ((2, 8, 150, 151), (4, 8, 5, 5), 2, 1),
    ],
)
def test_conv2d_random_floats_match_torch_and_inputs_not_modified(x_shape, w_shape, stride, padding):
    rng = np.random.default_rng(0)
    x, weight, bias = rng.normal(size=x_shape), rng.normal(size=w_shape), rng.normal(size=w_shape[0])
    copies = [a.copy() for a in (x, weight, bias)]
    out = conv2d(x, weight, bias, stride, padding)
    # Absolute floor for outputs that cancel to nearly 0 (sums of hundreds of products of order 1).
    np.testing.assert_allclose(out, torch_conv2d(x, weight, bias, stride, padding), rtol=1e-8, atol=1e-10)
    for a, copy in zip((x, weight, bias), copies, strict=True):
        np.testing.assert_array_equal(a, copy)
        assert not np.shares_memory(out, a)
    assert out.flags.c_contiguous


def test_conv2d_non_contiguous_inputs():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 2, 9, 8)).transpose(0, 1, 3, 2)[:, :, ::-1]  # (3, 2, 8, 9) view
    weight = rng.normal(size=(2, 4, 3, 3))[:, ::2].transpose(1, 0, 2, 3)  # (2, 2, 3, 3) view
    for stride, padding in [(1, 0), (2, 1)]:
        expected = torch_conv2d(x.copy(), weight.copy(), None, stride, padding)
        np.testing.assert_allclose(
            conv2d(x, weight, stride=stride, padding=padding), expected, rtol=1e-8, atol=1e-10
        )
    one = weight[:, :, :1, :1]
    np.testing.assert_allclose(conv2d(x, one), torch_conv2d(x.copy(), one.copy()), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"x": np.ones((3, 5, 5))}, "x"),  # forgot the batch axis
        ({"weight": np.ones((2, 3, 3))}, "weight"),
        ({"weight": np.ones((2, 4, 3, 3))}, "x has 3 channels but weight expects 4"),
        ({"x": np.ones((1, 5, 5, 3))}, "channels"),  # NHWC instead of NCHW
        ({"bias": np.ones(3)}, "bias"),
        ({"bias": np.ones((2, 1))}, "bias"),
        ({"stride": 0}, "stride"),
        ({"stride": (1, 2, 3)}, "stride"),
        ({"padding": -1}, "padding"),
        ({"padding": (0, -1)}, "padding"),
        ({"padding": 0.5}, "padding"),
        ({"weight": np.ones((2, 3, 6, 3))}, "kernel"),
        ({"weight": np.ones((2, 3, 0, 3))}, "weight"),
    ],
)
def test_conv2d_bad_arguments(kwargs, name):
    args = {
        "x": np.ones((1, 3, 5, 5)),
        "weight": np.ones((2, 3, 3, 3)),
        "bias": None,
        "stride": 1,
        "padding": 0,
    }
    with pytest.raises(ValueError, match=name):
        conv2d(**(args | kwargs))


def test_conv2d_padding_lets_the_kernel_fit():
    out = conv2d(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)), padding=1)
    np.testing.assert_array_equal(out, [[[[4.0, 4.0], [4.0, 4.0]]]])


# locally_connected2d


def torch_locally_connected(x, weight, bias=None, stride=1):
    """Independent oracle: unfold the input into columns, one matrix product per output position."""
    ho, wo, f, c, kh, kw = weight.shape
    columns = F.unfold(tensor(x), (kh, kw), stride=stride)  # (N, C*kh*kw, Ho*Wo)
    filters = tensor(weight).reshape(ho * wo, f, c * kh * kw)
    out = torch.einsum("nkl,lfk->nfl", columns, filters).reshape(x.shape[0], f, ho, wo)
    return (out + (0 if bias is None else tensor(bias))).numpy()


@st.composite
def lc_problems(draw, dtype=np.float64):
    n, c, f = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 3))
    h, w = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    kh, kw = draw(st.integers(1, h)), draw(st.integers(1, w))
    sh, sw = stride = as_pair(draw(int_or_pair(1, 3)))
    ho, wo = (h - kh) // sh + 1, (w - kw) // sw + 1
    x, weight = draw(arrays((n, c, h, w), dtype)), draw(arrays((ho, wo, f, c, kh, kw), dtype))
    bias = draw(st.none() | arrays((f, ho, wo), dtype))
    return x, weight, bias, draw(st.sampled_from([stride, sh])) if sh == sw else stride


@settings(SETTINGS, max_examples=100)
@given(lc_problems())
def test_locally_connected2d_matches_unfold_oracle(problem):
    x, weight, bias, stride = problem
    copies = [None if a is None else a.copy() for a in (x, weight, bias)]
    out = locally_connected2d(x, weight, bias, stride=stride)
    assert_close(out, torch_locally_connected(x, weight, bias, stride))
    assert out.flags.c_contiguous
    for a, copy in zip((x, weight, bias), copies, strict=True):
        np.testing.assert_array_equal(a, copy)


@SETTINGS
@given(lc_problems(np.float32))
def test_locally_connected2d_float32(problem):
    x, weight, bias, stride = problem
    assert_close(
        locally_connected2d(x, weight, bias, stride),
        torch_locally_connected(x, weight, bias, stride),
        np.float32,
    )


@SETTINGS
@given(lc_problems(np.int64))
def test_locally_connected2d_integers_give_float64(problem):
    x, weight, bias, stride = problem
    assert_close(
        locally_connected2d(x, weight, bias, stride), torch_locally_connected(x, weight, bias, stride)
    )


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"x": np.ones((3, 5, 5))}, "x"),
        ({"weight": np.ones((3, 2, 3, 3, 3))}, "weight"),
        ({"weight": np.ones((3, 3, 2, 4, 3, 3))}, "channels"),
        ({"weight": np.ones((2, 3, 2, 3, 3, 3))}, "weight"),  # 2x3 positions, but the output is 3x3
        ({"stride": 2}, "weight"),  # the output would be 2x2
        ({"stride": 0}, "stride"),
        ({"bias": np.ones(2)}, "bias"),
        ({"bias": np.ones((2, 3, 2))}, "bias"),
        ({"weight": np.ones((1, 1, 2, 3, 6, 6))}, "kernel"),
    ],
)
def test_locally_connected2d_bad_arguments(kwargs, name):
    args = {"x": np.ones((1, 3, 5, 5)), "weight": np.ones((3, 3, 2, 3, 3, 3)), "bias": None, "stride": 1}
    with pytest.raises(ValueError, match=name):
        locally_connected2d(**(args | kwargs))


# tile_weights


@SETTINGS
@given(conv_problems())
def test_tiled_locally_connected_layer_is_a_convolution(problem):
    x, weight, bias, stride, _ = problem
    (sh, sw), (kh, kw) = as_pair(stride), weight.shape[2:]
    if kh > x.shape[2] or kw > x.shape[3]:
        return
    out_hw = ((x.shape[2] - kh) // sh + 1, (x.shape[3] - kw) // sw + 1)
    tiled = tile_weights(weight, out_hw)
    assert tiled.shape == (*out_hw, *weight.shape)
    lc_bias = None if bias is None else np.broadcast_to(bias[:, None, None], (len(bias), *out_hw))
    expected = torch_conv2d(x, weight, bias, stride)
    assert_close(locally_connected2d(x, tiled, lc_bias, stride), expected)
    assert_close(conv2d(x, weight, bias, stride), expected)


def test_tile_weights_is_a_real_copy():
    weight = np.arange(24.0).reshape(2, 3, 2, 2)
    copy = weight.copy()
    tiled = tile_weights(weight, (4, 5))
    assert tiled.shape == (4, 5, 2, 3, 2, 2) and tiled.dtype == np.float64
    assert tiled.flags.c_contiguous and tiled.flags.writeable and tiled.flags.owndata
    assert not np.shares_memory(tiled, weight)
    for i in range(4):
        for j in range(5):
            np.testing.assert_array_equal(tiled[i, j], weight)
    tiled[0, 0] = -1.0  # untying one position touches neither the others nor the original
    np.testing.assert_array_equal(tiled[1, 1], weight)
    np.testing.assert_array_equal(weight, copy)
    assert tile_weights(weight.astype(np.float32), 3).shape == (3, 3, 2, 3, 2, 2)
    assert tile_weights(weight.astype(np.float32), 3).dtype == np.float32
    assert tile_weights(weight.astype(int), (1, 2)).dtype == np.float64


@pytest.mark.parametrize(
    ("weight", "out_hw", "name"),
    [
        (np.ones((2, 3, 3)), (2, 2), "weight"),
        (np.ones((2, 3, 3, 3)), (0, 2), "out_hw"),
        (np.ones((2, 3, 3, 3)), (2, 2, 2), "out_hw"),
        (np.ones((2, 3, 3, 3)), 2.0, "out_hw"),
    ],
)
def test_tile_weights_bad_arguments(weight, out_hw, name):
    with pytest.raises(ValueError, match=name):
        tile_weights(weight, out_hw)
