"""The scratch buffers behind the fast paths: results never share them, stale contents never leak into a
result, and threads never share one."""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from oracles import torch_conv2d, torch_maxpool

from solutions import _scratch, conv2d, maxpool2d_backward, maxpool2d_forward

torch.set_num_threads(1)
RNG = np.random.default_rng(11)

# (x shape, weight shape, stride, padding): the stride-1 rows path (output as wide as the image, and wider),
# the padded im2col path, the 1x1 path.
CONV_CASES = [
    ((3, 4, 9, 7), (5, 4, 3, 3), 1, 1),
    ((2, 3, 6, 5), (4, 3, 3, 3), 1, 2),
    ((2, 3, 11, 10), (4, 3, 5, 3), 2, (2, 1)),
    ((2, 6, 5, 5), (3, 6, 1, 1), 1, 0),
]
POOL_CASES = [((2, 3, 12, 12), 3, 2), ((2, 3, 11, 13), 2, None), ((1, 2, 9, 9), (3, 2), (2, 3))]


def poison_scratch():
    """Fill every scratch buffer of this thread with all-ones bytes: NaN in every float dtype."""
    for raw in _scratch._local.__dict__.get("buffers", {}).values():
        raw.fill(0xFF)


@pytest.mark.parametrize(("xs", "ws", "stride", "padding"), CONV_CASES)
def test_conv2d_results_survive_the_next_call(xs, ws, stride, padding):
    x1, x2, w = RNG.normal(size=xs), RNG.normal(size=xs), RNG.normal(size=ws)
    first = conv2d(x1, w, stride=stride, padding=padding)
    kept = first.copy()
    second = conv2d(x2, w, stride=stride, padding=padding)
    np.testing.assert_array_equal(first, kept)
    assert not np.shares_memory(first, second)
    np.testing.assert_allclose(second, torch_conv2d(x2, w, None, stride, padding), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("xs", "kernel", "stride"), POOL_CASES)
def test_maxpool_results_survive_the_next_call(xs, kernel, stride):
    x1, x2 = RNG.normal(size=xs), RNG.normal(size=xs)
    out1, cache1 = maxpool2d_forward(x1, kernel, stride)
    kept = out1.copy(), cache1["argmax"].copy()
    dx1 = maxpool2d_backward(np.ones_like(out1), cache1)
    kept_dx = dx1.copy()
    out2, cache2 = maxpool2d_forward(x2, kernel, stride)
    dx2 = maxpool2d_backward(np.ones_like(out2), cache2)
    np.testing.assert_array_equal(out1, kept[0])
    np.testing.assert_array_equal(cache1["argmax"], kept[1])
    np.testing.assert_array_equal(dx1, kept_dx)
    for a, b in ((out1, out2), (cache1["argmax"], cache2["argmax"]), (dx1, dx2)):
        assert not np.shares_memory(a, b)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_stale_scratch_contents_never_reach_a_result(dtype):
    """NaN left in every buffer by an earlier call: padding, margins and cropped columns must all be
    rewritten, and no floating-point warning may escape."""
    tolerance = {"rtol": 1e-10, "atol": 1e-12} if dtype == np.float64 else {"rtol": 1e-4, "atol": 1e-5}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for xs, ws, stride, padding in CONV_CASES:
            x, w = RNG.normal(size=xs).astype(dtype), RNG.normal(size=ws).astype(dtype)
            conv2d(x, w, stride=stride, padding=padding)  # the buffers exist and are big enough
            poison_scratch()
            np.testing.assert_allclose(
                conv2d(x, w, stride=stride, padding=padding),
                torch_conv2d(x, w, None, stride, padding),
                **tolerance,
            )
        for xs, kernel, stride in POOL_CASES:
            x = RNG.normal(size=xs).astype(dtype)
            out, cache = maxpool2d_forward(x, kernel, stride)
            poison_scratch()
            out, cache = maxpool2d_forward(x, kernel, stride)
            dout = RNG.normal(size=out.shape).astype(dtype)
            poison_scratch()
            dx = maxpool2d_backward(dout, cache)
            expected_out, _, expected_dx = torch_maxpool(x, kernel, stride, dout)
            np.testing.assert_array_equal(out, expected_out)
            np.testing.assert_allclose(dx, expected_dx, **tolerance)


def test_threads_never_share_a_buffer():
    """Eight threads at once, each on its own input, against the same calls made one after another."""
    inputs = [RNG.normal(size=(4, 8, 24, 24)) for _ in range(8)]
    w = RNG.normal(size=(6, 8, 3, 3))

    def work(x):
        out, cache = maxpool2d_forward(conv2d(x, w, padding=1), 3, 2)
        return out, maxpool2d_backward(out, cache), conv2d(x, w, stride=2, padding=2)

    expected = [work(x) for x in inputs]
    for _ in range(5):
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(work, inputs))
        for got, want in zip(results, expected, strict=True):
            for a, b in zip(got, want, strict=True):
                np.testing.assert_array_equal(a, b)


def test_buffer_is_reused_grown_and_capped():
    a = _scratch.buffer("test.reuse", (4, 5), np.float64)
    b = _scratch.buffer("test.reuse", (2, 3), np.float32)
    assert np.shares_memory(a, b)
    assert b.shape == (2, 3) and b.dtype == np.float32
    c = _scratch.buffer("test.reuse", (100, 100), np.float64)  # bigger: a new buffer
    assert c.shape == (100, 100) and not np.shares_memory(a, c)
    assert not np.shares_memory(c, _scratch.buffer("test.other", (100, 100), np.float64))
    big = _scratch.MAX_BYTES // 8 + 1
    d, e = _scratch.buffer("test.big", big, np.float64), _scratch.buffer("test.big", big, np.float64)
    assert not np.shares_memory(d, e)  # too big to keep: allocated afresh each time
