"""Chapter 04 end to end: model answers, stubs, known wrong answers, unusual correct answers."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import (
    assert_unusual_answer_keeps_full_marks,
    assert_wrong_answer_diagnosed,
)
from visible_cells import first, run_visible_with

import solutions

CHAPTER = "04_channels"

CONV = """
def conv2d(x, weight, bias=None, stride=1, padding=0):
    x, weight = np.asarray(x, float), np.asarray(weight, float)
    if x.ndim != 4 or weight.ndim != 4 or x.shape[1] != weight.shape[1]:
        raise ValueError("x must be (N, C, H, W) and weight (F, C, kh, kw) with the same C")
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    {stride_line}
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    F, C, kh, kw = weight.shape
    if kh > xp.shape[2] or kw > xp.shape[3]:
        raise ValueError("kernel larger than the padded image")
    k = {kernel}
    Ho, Wo = (xp.shape[2] - kh) // sh + 1, (xp.shape[3] - kw) // sw + 1
    out = np.zeros((x.shape[0], F, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            window = xp[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
            out[:, :, i, j] = np.einsum("nchw,fchw->nf", window, k)
    if bias is not None:
        {bias_line}
    return {result}
"""


def conv(
    stride_line="pass", kernel="weight", bias_line="out += np.asarray(bias)[:, None, None]", result="out"
):
    return CONV.format(stride_line=stride_line, kernel=kernel, bias_line=bias_line, result=result)


LC = """
def locally_connected2d(x, weight, bias=None, stride=1):
    x, weight = np.asarray(x, float), np.asarray(weight, float)
    Ho, Wo, F, C, kh, kw = weight.shape
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    if x.shape[1] != C or (Ho, Wo) != ((x.shape[2] - kh) // sh + 1, (x.shape[3] - kw) // sw + 1):
        raise ValueError("weight does not match x")
    out = np.zeros((x.shape[0], F, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            window = x[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
            out[:, :, i, j] = np.einsum("nchw,fchw->nf", window, {filters})
    if bias is not None{bias_condition}:
        out += bias
    return out
"""

WRONG = {
    "flipped kernel": ("conv2d", conv(kernel="weight[..., ::-1, ::-1]"), "kernel flipped (true convolution)"),
    "bias dropped": ("conv2d", conv(bias_line="pass"), "bias dropped"),
    "bias on the wrong axis": (
        "conv2d",
        conv(bias_line="out += np.asarray(bias)"),
        "bias broadcast on the wrong axis",
    ),
    "stride on one axis": ("conv2d", conv(stride_line="sw = 1"), "stride applied on one axis only"),
    "NHWC output": ("conv2d", conv(result="out.transpose(0, 2, 3, 1)"), "NHWC vs NCHW"),
    "locally connected shares weights": (
        "locally_connected2d",
        LC.format(filters="weight[0, 0]", bias_condition=""),
        "weights shared in the locally connected layer",
    ),
    "locally connected drops bias": (
        "locally_connected2d",
        LC.format(filters="weight[i, j]", bias_condition=" and False"),
        "bias dropped",
    ),
    "tile with positions last": (
        "tile_weights",
        "def tile_weights(weight, out_hw):\n"
        "    weight = np.asarray(weight, float)\n"
        "    if weight.ndim != 4:\n"
        "        raise ValueError('weight must be 4-D')\n"
        "    Ho, Wo = (out_hw, out_hw) if isinstance(out_hw, int) else out_hw\n"
        "    return np.repeat(np.repeat(weight[..., None, None], Ho, axis=-2), Wo, axis=-1)\n",
        "positions placed after the filter axes",
    ),
}

UNUSUAL = {
    "conv2d": '''
from numpy.lib.stride_tricks import sliding_window_view

def conv2d(x, weight, bias=None, stride=1, padding=0):
    """im2col with sliding windows and one tensordot."""
    x, weight = np.asarray(x, float), np.asarray(weight, float)
    if x.ndim != 4 or weight.ndim != 4 or x.shape[1] != weight.shape[1]:
        raise ValueError("x must be (N, C, H, W) and weight (F, C, kh, kw) with the same C")
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    if min(sh, sw) < 1 or min(ph, pw) < 0:
        raise ValueError("bad stride or padding")
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    if any(k > n for k, n in zip(weight.shape[2:], xp.shape[2:])):
        raise ValueError("kernel larger than the padded image")
    windows = sliding_window_view(xp, weight.shape[2:], axis=(2, 3))[:, :, ::sh, ::sw]
    out = np.tensordot(windows, weight, axes=([1, 4, 5], [1, 2, 3])).transpose(0, 3, 1, 2)
    return out if bias is None else out + np.asarray(bias)[:, None, None]
''',
    "tile_weights": """
def tile_weights(weight, out_hw):
    weight = np.asarray(weight, float)
    if weight.ndim != 4:
        raise ValueError("weight must be 4-D")
    Ho, Wo = (out_hw, out_hw) if isinstance(out_hw, int) else out_hw
    return np.tile(weight, (Ho, Wo, 1, 1, 1, 1))
""",
}


@pytest.mark.parametrize("label", sorted(WRONG))
def test_wrong_answer_loses_points_with_diagnosis(label, tmp_path):
    name, code, diagnosis = WRONG[label]
    assert_wrong_answer_diagnosed(CHAPTER, name, {name: code}, diagnosis, tmp_path, first_only=False)


@pytest.mark.parametrize("name", sorted(UNUSUAL))
def test_unusual_correct_answer_keeps_full_marks(name, tmp_path):
    assert_unusual_answer_keeps_full_marks(CHAPTER, name, {name: UNUSUAL[name]}, tmp_path)


# -- the visible tests catch the mistakes they are meant to catch -------------------------------------------


def run_visible(grade_id: str, replaced: dict) -> None:
    run_visible_with(CHAPTER, grade_id, replaced)


def one_axis(stride):
    return ((stride, stride) if isinstance(stride, int) else stride)[0], 1


def tiled_view(weight, out_hw):
    """weight at every position without copying it: writing to the result writes to weight."""
    Ho, Wo = (out_hw, out_hw) if isinstance(out_hw, int) else out_hw
    return np.lib.stride_tricks.as_strided(weight, (Ho, Wo, *weight.shape), (0, 0, *weight.strides))


BUGGY = {
    "conv2d: bias dropped": (
        "conv2d_visible",
        {"conv2d": lambda x, w, b=None, stride=1, padding=0: solutions.conv2d(x, w, None, stride, padding)},
    ),
    "conv2d: bias added along the last axis": (
        "conv2d_visible",
        {
            "conv2d": lambda x, w, b=None, stride=1, padding=0: (
                solutions.conv2d(x, w, None, stride, padding) + (0 if b is None else np.asarray(b))
            )
        },
    ),
    "conv2d: kernel flipped": (
        "conv2d_visible",
        {
            "conv2d": lambda x, w, b=None, stride=1, padding=0: solutions.conv2d(
                x, np.asarray(w)[..., ::-1, ::-1], b, stride, padding
            )
        },
    ),
    "conv2d: stride applied on rows only": (
        "conv2d_visible",
        {
            "conv2d": lambda x, w, b=None, stride=1, padding=0: solutions.conv2d(
                x, w, b, one_axis(stride), padding
            )
        },
    ),
    "conv2d: pairs read as squares": (
        "conv2d_visible",
        {
            "conv2d": lambda x, w, b=None, stride=1, padding=0: solutions.conv2d(
                x, w, b, first(stride), first(padding)
            )
        },
    ),
    "conv2d: padding ignored": (
        "conv2d_visible",
        {"conv2d": lambda x, w, b=None, stride=1, padding=0: solutions.conv2d(x, w, b, stride, 0)},
    ),
    "conv2d: NHWC output": (
        "conv2d_visible",
        {"conv2d": lambda *a, **k: np.moveaxis(solutions.conv2d(*a, **k), 1, -1)},
    ),
    "conv2d: first image of the batch only": (
        "conv2d_visible",
        {"conv2d": lambda x, *a, **k: solutions.conv2d(np.asarray(x)[:1], *a, **k)},
    ),
    "locally_connected2d: weights shared": (
        "locally_connected2d_visible",
        {
            "locally_connected2d": lambda x, w, b=None, stride=1: solutions.locally_connected2d(
                x, np.broadcast_to(np.asarray(w)[:1, :1], np.shape(w)), b, stride
            )
        },
    ),
    "locally_connected2d: bias dropped": (
        "locally_connected2d_visible",
        {
            "locally_connected2d": lambda x, w, b=None, stride=1: solutions.locally_connected2d(
                x, w, None, stride
            )
        },
    ),
    "locally_connected2d: pairs read as squares": (
        "locally_connected2d_visible",
        {
            "locally_connected2d": lambda x, w, b=None, stride=1: solutions.locally_connected2d(
                x, w, b, first(stride)
            )
        },
    ),
    "tile_weights: (Ho, Wo) swapped": (
        "tile_weights_visible",
        {"tile_weights": lambda w, hw: solutions.tile_weights(w, hw if isinstance(hw, int) else hw[::-1])},
    ),
    "tile_weights: positions after the filter axes": (
        "tile_weights_visible",
        {"tile_weights": lambda w, hw: np.moveaxis(solutions.tile_weights(w, hw), (0, 1), (-2, -1))},
    ),
    "tile_weights: int out_hw not accepted": (
        "tile_weights_visible",
        {"tile_weights": lambda w, hw: solutions.tile_weights(w, (hw, 1) if isinstance(hw, int) else hw)},
    ),
    "tile_weights: a view of weight": (
        "tile_weights_visible",
        {"tile_weights": lambda w, hw: tiled_view(w, hw)},
    ),
}


@pytest.mark.parametrize("label", sorted(BUGGY))
def test_visible_tests_catch_the_mistake(label):
    grade_id, replaced = BUGGY[label]
    with pytest.raises(AssertionError):
        run_visible(grade_id, replaced)


@pytest.mark.parametrize("grade_id", sorted({grade_id for grade_id, _ in BUGGY.values()}))
def test_visible_tests_pass_the_model_answers_and_the_reference(grade_id):
    run_visible(grade_id, {})
    name = grade_id.removesuffix("_visible")
    run_visible(grade_id, {name: getattr(solutions, name)})
