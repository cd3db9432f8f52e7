"""Chapter 02 reference solutions: parameter counts against real PyTorch modules, receptive fields against
gradients pushed back through a stack of PyTorch convolutions, translation against its definition."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from oracles import as_pair, oracle_settings

from solutions import (
    conv_parameters,
    correlate2d,
    dense_parameters,
    locally_connected_parameters,
    receptive_field,
    translate,
)

torch.set_num_threads(1)
SETTINGS = oracle_settings(40)
sizes = st.integers(1, 4)
shapes = st.tuples(sizes, sizes, sizes)
kernel_sizes = st.one_of(st.integers(1, 5), st.tuples(st.integers(1, 5), st.integers(1, 5)))


def n_parameters(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@SETTINGS
@given(shapes, shapes, st.booleans())
def test_dense_parameters_match_nn_linear(in_shape, out_shape, bias):
    linear = torch.nn.Linear(int(np.prod(in_shape)), int(np.prod(out_shape)), bias=bias)
    count = dense_parameters(in_shape, out_shape, bias=bias)
    assert type(count) is int
    assert count == n_parameters(linear)


@SETTINGS
@given(sizes, sizes, kernel_sizes, st.booleans())
def test_conv_parameters_match_nn_conv2d(c, f, kernel_size, bias):
    count = conv_parameters(c, f, kernel_size, bias=bias)
    assert type(count) is int
    assert count == n_parameters(torch.nn.Conv2d(c, f, kernel_size, bias=bias))


@SETTINGS
@given(sizes, shapes, kernel_sizes, st.booleans())
def test_locally_connected_parameters_are_one_conv_per_position(c, out_shape, kernel_size, bias):
    # PyTorch has no locally connected layer: it is Ho*Wo independent convolutions, each with one output.
    f, ho, wo = out_shape
    count = locally_connected_parameters(c, out_shape, kernel_size, bias=bias)
    assert type(count) is int
    assert count == ho * wo * n_parameters(torch.nn.Conv2d(c, f, kernel_size, bias=bias))
    kh, kw = as_pair(kernel_size)
    assert count == ho * wo * f * c * kh * kw + (f * ho * wo if bias else 0)


def test_counts_accept_numpy_integers_and_return_python_ints():
    c, f, k = np.int64(3), np.int32(8), np.int64(3)
    assert type(conv_parameters(c, f, k)) is int
    assert type(dense_parameters((c, 4, 4), [f, 2, 2])) is int
    assert type(locally_connected_parameters(c, (f, 2, 2), (k, k))) is int
    assert type(receptive_field([(k, np.int64(1), np.int64(1))])) is int
    assert dense_parameters((3, 32, 32), (8, 30, 30)) == 3 * 32 * 32 * 8 * 30 * 30 + 8 * 30 * 30
    assert conv_parameters(3, 8, 3) == 8 * 3 * 9 + 8
    assert locally_connected_parameters(3, (8, 30, 30), 3, bias=False) == 30 * 30 * 8 * 3 * 9


def torch_receptive_field(layers, length=400):
    """Width of the input region that reaches the first output of a stack of all-ones 1-D convolutions,
    measured by back-propagating an impulse from that output."""
    x = torch.zeros(1, 1, length, dtype=torch.float64, requires_grad=True)
    y = x
    for k, s, d in layers:
        y = torch.nn.functional.conv1d(y, torch.ones(1, 1, k, dtype=torch.float64), stride=s, dilation=d)
    y[0, 0, 0].backward()
    support = torch.nonzero(x.grad[0, 0]).flatten()
    return int(support.max() - support.min() + 1)


layer = st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(1, 3))


@SETTINGS
@given(st.lists(layer, max_size=4))
def test_receptive_field_matches_backpropagated_impulse(layers):
    r = receptive_field(layers)
    assert type(r) is int
    assert r == torch_receptive_field(layers)


def test_receptive_field_examples():
    assert receptive_field([]) == 1
    assert receptive_field([(3, 1, 1)] * 3) == 7  # three 3x3 layers see as far as one 7x7
    assert receptive_field([(3, 2, 1), (3, 2, 1)]) == 7
    assert receptive_field([(3, 1, 1), (3, 1, 2), (3, 1, 4)]) == 15  # dilations 1, 2, 4 (WaveNet-style)
    assert receptive_field(iter([(2, 2, 1)] * 3)) == 8  # any iterable; non-overlapping pooling-like layers
    assert receptive_field(np.array([[3, 1, 1], [3, 2, 1], [3, 1, 1]])) == 9  # rows of an array


@pytest.mark.parametrize(
    "layers",
    [[(3, 1)], [(3, 1, 1, 1)], [3], [(0, 1, 1)], [(3, 0, 1)], [(3, 1, 0)], [(3, 1.5, 1)], [(True, 1, 1)]],
)
def test_receptive_field_bad_layers(layers):
    with pytest.raises(ValueError, match=r"layers\[0\]"):
        receptive_field(layers)


def translate_oracle(image, dy, dx):
    """The definition, one pixel at a time: out[..., i, j] = image[..., i - dy, j - dx], or 0 outside."""
    image = np.asarray(image, dtype=np.float64)
    h, w = image.shape[-2:]
    out = np.zeros(image.shape)
    for i in range(h):
        for j in range(w):
            if 0 <= i - dy < h and 0 <= j - dx < w:
                out[..., i, j] = image[..., i - dy, j - dx]
    return out


image_shapes = hnp.array_shapes(min_dims=2, max_dims=4, min_side=1, max_side=6)
shifts = st.integers(-8, 8)


@SETTINGS
@given(hnp.arrays(np.float64, image_shapes, elements=st.integers(-9, 9).map(float)), shifts, shifts)
def test_translate_matches_definition(image, dy, dx):
    copy = image.copy()
    out = translate(image, dy, dx)
    assert out.dtype == np.float64 and out.shape == image.shape
    np.testing.assert_array_equal(out, translate_oracle(image, dy, dx))
    np.testing.assert_array_equal(image, copy)
    assert not np.shares_memory(out, image)


@SETTINGS
@given(hnp.arrays(np.int64, image_shapes, elements=st.integers(-9, 9)), shifts, shifts)
def test_translate_integer_image_gives_float64(image, dy, dx):
    out = translate(image, dy, dx)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, translate_oracle(image, dy, dx))


def test_translate_examples():
    image = np.arange(1.0, 7.0).reshape(2, 3)
    np.testing.assert_array_equal(translate(image, 1, 0), [[0, 0, 0], [1, 2, 3]])
    np.testing.assert_array_equal(translate(image, 0, -1), [[2, 3, 0], [5, 6, 0]])
    np.testing.assert_array_equal(translate(image, 0, 0), image)
    np.testing.assert_array_equal(translate(image, 2, 0), np.zeros((2, 3)))
    np.testing.assert_array_equal(translate(image, -100, 100), np.zeros((2, 3)))
    assert translate(image.astype(np.float32), 1, 1).dtype == np.float32


def test_translation_equivariance_of_correlation():
    # The chapter's point: correlating a shifted image = shifting the correlation (away from the border).
    rng = np.random.default_rng(0)
    image = np.zeros((12, 12))
    image[2:6, 3:7] = rng.normal(size=(4, 4))
    kernel = rng.normal(size=(3, 3))
    np.testing.assert_allclose(
        correlate2d(translate(image, 3, 2), kernel), translate(correlate2d(image, kernel), 3, 2), atol=1e-12
    )


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: dense_parameters((3, 4), (2, 2, 2)), "in_shape"),
        (lambda: dense_parameters((3, 4, 4), (2, 0, 2)), "out_shape"),
        (lambda: dense_parameters(48, (2, 2, 2)), "in_shape"),
        (lambda: dense_parameters((3, 4, 4), (2, 2, 2), bias=1), "bias"),
        (lambda: conv_parameters(0, 8, 3), "in_channels"),
        (lambda: conv_parameters(3, -1, 3), "out_channels"),
        (lambda: conv_parameters(3, 8, 0), "kernel_size"),
        (lambda: conv_parameters(3, 8, (3, 3, 3)), "kernel_size"),
        (lambda: conv_parameters(3, 8, 2.5), "kernel_size"),
        (lambda: conv_parameters(True, 8, 3), "in_channels"),
        (lambda: conv_parameters(3, 8, 3, bias="no"), "bias"),
        (lambda: locally_connected_parameters(3, (8, 2), 3), "out_shape"),
        (lambda: locally_connected_parameters(3.0, (8, 2, 2), 3), "in_channels"),
        (lambda: locally_connected_parameters(3, (8, 2, 2), (3, 0)), "kernel_size"),
        (lambda: translate(np.ones(4), 1, 1), "image"),
        (lambda: translate(np.ones((3, 3)), 1.5, 0), "dy"),
        (lambda: translate(np.ones((3, 3)), 0, True), "dx"),
    ],
)
def test_bad_arguments(call, name):
    with pytest.raises(ValueError, match=name):
        call()
