"""Chapter 03 reference solutions against PyTorch: output sizes, padding modes, padded strided correlation,
"same" padding."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from oracles import arrays, as_pair, int_or_pair, oracle_settings, tensor

from solutions import correlate2d_padded, output_size, pad2d, same_padding

torch.set_num_threads(1)
SETTINGS = oracle_settings(60)
TORCH_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "replicate", "circular": "circular"}


# output_size


@settings(SETTINGS, max_examples=150)
@given(st.integers(1, 12), st.integers(1, 6), st.integers(0, 3), st.integers(1, 4), st.integers(1, 3))
def test_output_size_matches_torch(n, k, p, s, d):
    weight = torch.ones(1, 1, k, dtype=torch.float64)
    try:
        expected = F.conv1d(
            torch.zeros(1, 1, n, dtype=torch.float64), weight, padding=p, stride=s, dilation=d
        )
    except RuntimeError:  # PyTorch refuses an empty output
        with pytest.raises(ValueError, match="kernel_size"):
            output_size(n, k, p, s, d)
        return
    size = output_size(n, k, padding=p, stride=s, dilation=d)
    assert type(size) is int
    assert size == expected.shape[-1]


def test_output_size_examples():
    assert output_size(32, 3) == 30
    assert output_size(32, 3, padding=1) == 32
    assert output_size(32, 3, padding=1, stride=2) == 16
    assert output_size(7, 3, stride=3) == 2  # floor: the last column is never reached
    assert output_size(7, 3, dilation=3) == 1
    assert type(output_size(np.int64(7), np.int32(3))) is int


@pytest.mark.parametrize(
    ("args", "name"),
    [
        ((0, 1), "input_size"),
        ((5, 0), "kernel_size"),
        ((5, 3, -1), "padding"),
        ((5, 3, 0, 0), "stride"),
        ((5, 3, 0, 1, 0), "dilation"),
        ((5.0, 3), "input_size"),
        ((5, 3, 0, True), "stride"),
        ((3, 5), "kernel_size"),  # empty output
        ((3, 2, 0, 1, 3), "kernel_size"),  # empty output from dilation
    ],
)
def test_output_size_bad_arguments(args, name):
    with pytest.raises(ValueError, match=name):
        output_size(*args)


# pad2d


def torch_pad(image, padding, mode):
    top, bottom, left, right = padding if isinstance(padding, tuple) else (padding,) * 4
    image = np.asarray(image, dtype=np.float64)
    flat = tensor(image.reshape(-1, *image.shape[-2:]))  # reflect/replicate/circular want (C, H, W)
    out = F.pad(flat, (left, right, top, bottom), mode=TORCH_MODES[mode])  # torch: last axis first
    return out.numpy().reshape(*image.shape[:-2], *out.shape[-2:])


paddings = st.one_of(st.integers(0, 6), st.tuples(*[st.integers(0, 6)] * 4))
modes = st.sampled_from(list(TORCH_MODES))
images = hnp.array_shapes(min_dims=2, max_dims=4, min_side=1, max_side=5).flatmap(arrays)


@settings(SETTINGS, max_examples=200)
@given(images, paddings, modes)
def test_pad2d_matches_torch(image, padding, mode):
    copy = image.copy()
    try:
        expected = torch_pad(image, padding, mode)
    except RuntimeError:  # reflect needs padding < size, circular padding <= size
        with pytest.raises(ValueError, match="padding"):
            pad2d(image, padding, mode)
        return
    out = pad2d(image, padding, mode)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(image, copy)
    assert not np.shares_memory(out, image)


def test_pad2d_examples():
    row = np.array([[1, 2, 3]])
    np.testing.assert_array_equal(pad2d(row, (0, 0, 2, 2)), [[0, 0, 1, 2, 3, 0, 0]])
    np.testing.assert_array_equal(pad2d(row, (0, 0, 2, 2), "reflect"), [[3, 2, 1, 2, 3, 2, 1]])
    np.testing.assert_array_equal(pad2d(row, (0, 0, 2, 2), "replicate"), [[1, 1, 1, 2, 3, 3, 3]])
    np.testing.assert_array_equal(pad2d(row, (0, 0, 2, 2), "circular"), [[2, 3, 1, 2, 3, 1, 2]])
    assert pad2d(row, 1).shape == (3, 5)
    assert pad2d(row.astype(np.float32), 1, "replicate").dtype == np.float32
    assert pad2d(row, 0).dtype == np.float64


@pytest.mark.parametrize(
    ("image", "padding", "mode", "name"),
    [
        (np.ones((3, 3)), -1, "zeros", "padding"),
        (np.ones((3, 3)), (1, 1, 1, -1), "zeros", "padding"),
        (np.ones((3, 3)), (1, 1), "zeros", "padding"),
        (np.ones((3, 3)), 1.0, "zeros", "padding"),
        (np.ones((3, 3)), 1, "constant", "mode"),  # torch's name is not ours
        (np.ones((3, 3)), 1, "foo", "mode"),
        (np.ones(3), 1, "zeros", "image"),
        (np.ones((3, 3)), 3, "reflect", "padding"),
        (np.ones((3, 5)), (0, 0, 4, 5), "reflect", "padding"),
        (np.ones((3, 3)), (4, 0, 0, 0), "circular", "padding"),
        (np.ones((0, 3)), 1, "replicate", "image"),
    ],
)
def test_pad2d_bad_arguments(image, padding, mode, name):
    with pytest.raises(ValueError, match=name):
        pad2d(image, padding, mode)


def test_pad2d_empty_image_with_zeros():
    np.testing.assert_array_equal(pad2d(np.ones((0, 2)), 1), np.zeros((2, 4)))


# correlate2d_padded


def torch_correlate(image, kernel, padding=0, stride=1, dilation=1):
    out = F.conv2d(
        tensor(image)[None, None],
        tensor(kernel)[None, None],
        padding=padding,
        stride=stride,
        dilation=dilation,
    )
    return out[0, 0].numpy()


@st.composite
def padded_problems(draw, dtype=np.float64):
    image = draw(arrays((draw(st.integers(1, 7)), draw(st.integers(1, 7))), dtype))
    kernel = draw(arrays((draw(st.integers(1, 6)), draw(st.integers(1, 6))), dtype))
    return image, kernel, draw(int_or_pair(0, 3)), draw(int_or_pair(1, 3))


@settings(SETTINGS, max_examples=200)
@given(padded_problems())
def test_correlate2d_padded_matches_torch(problem):
    image, kernel, padding, stride = problem
    (ph, pw), (kh, kw) = as_pair(padding), kernel.shape
    if kh > image.shape[0] + 2 * ph or kw > image.shape[1] + 2 * pw:
        with pytest.raises(ValueError, match="kernel"):
            correlate2d_padded(image, kernel, padding, stride)
        return
    out = correlate2d_padded(image, kernel, padding=padding, stride=stride)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, torch_correlate(image, kernel, padding, stride), rtol=1e-8, atol=1e-12)


@SETTINGS
@given(padded_problems(np.float32))
def test_correlate2d_padded_float32(problem):
    image, kernel, _, stride = problem
    padding = max(kernel.shape)  # always fits
    out = correlate2d_padded(image, kernel, padding, stride)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, torch_correlate(image, kernel, padding, stride), rtol=1e-5, atol=1e-6)


@SETTINGS
@given(padded_problems(np.int64))
def test_correlate2d_padded_integers_give_float64(problem):
    image, kernel, _, stride = problem
    padding = max(kernel.shape)
    out = correlate2d_padded(image, kernel, padding, stride)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, torch_correlate(image, kernel, padding, stride), rtol=1e-8, atol=1e-12)


def test_correlate2d_padded_random_floats_and_inputs_not_modified():
    rng = np.random.default_rng(1)
    image, kernel = rng.normal(size=(19, 23)), rng.normal(size=(5, 4))
    copies = image.copy(), kernel.copy()
    out = correlate2d_padded(image, kernel, padding=(2, 1), stride=(2, 3))
    np.testing.assert_allclose(out, torch_correlate(image, kernel, (2, 1), (2, 3)), rtol=1e-8, atol=1e-12)
    np.testing.assert_array_equal(image, copies[0])
    np.testing.assert_array_equal(kernel, copies[1])
    assert not np.shares_memory(out, image)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"image": np.ones(4)}, "image"),
        ({"kernel": np.ones((1, 3, 3))}, "kernel"),
        ({"padding": -1}, "padding"),
        ({"padding": (1, 1, 1, 1)}, "padding"),
        ({"stride": 0}, "stride"),
        ({"stride": (1, 0)}, "stride"),
        ({"stride": 1.5}, "stride"),
        ({"kernel": np.ones((7, 3))}, "kernel"),  # larger than the padded 6 x 6 image
    ],
)
def test_correlate2d_padded_bad_arguments(kwargs, name):
    args = {"image": np.ones((4, 4)), "kernel": np.ones((3, 3)), "padding": 1, "stride": 1} | kwargs
    with pytest.raises(ValueError, match=name):
        correlate2d_padded(**args)


# same_padding


@SETTINGS
@given(st.integers(1, 7), st.integers(1, 4), st.integers(1, 10), st.integers(0, 2**31 - 1))
def test_same_padding_matches_torch_same(k, d, n, seed):
    before, after = padding = same_padding(k, dilation=d)
    assert type(padding) is tuple and type(before) is int and type(after) is int
    assert before + after == d * (k - 1) and before == (before + after) // 2
    rng = np.random.default_rng(seed)
    x, w = tensor(rng.normal(size=(1, 1, n))), tensor(rng.normal(size=(1, 1, k)))
    with warnings.catch_warnings():  # PyTorch warns that even kernels need an extra padded copy
        warnings.simplefilter("ignore", UserWarning)
        expected = F.conv1d(x, w, padding="same", dilation=d)
    ours = F.conv1d(F.pad(x, padding), w, dilation=d)
    assert ours.shape[-1] == n
    np.testing.assert_allclose(ours.numpy(), expected.numpy(), rtol=1e-8, atol=1e-12)


def test_same_padding_examples():
    assert same_padding(3) == (1, 1)
    assert same_padding(4) == (1, 2)  # the odd pixel goes after, as in PyTorch and TensorFlow
    assert same_padding(1) == (0, 0)
    assert same_padding(3, dilation=2) == (2, 2)


@pytest.mark.parametrize(
    ("args", "name"),
    [((0,), "kernel_size"), ((3, 0), "dilation"), ((3.0,), "kernel_size"), ((3, False), "dilation")],
)
def test_same_padding_bad_arguments(args, name):
    with pytest.raises(ValueError, match=name):
        same_padding(*args)
