"""Chapter 03 end to end: model answers, stubs, known wrong answers, unusual correct answers."""

from __future__ import annotations

import re

import pytest
from helpers import (
    assert_unusual_answer_keeps_full_marks,
    assert_wrong_answer_diagnosed,
)
from visible_cells import run_visible

from autograder.engine import exercises

CHAPTER = "03_padding"

SIZE = """
import math

def output_size(input_size, kernel_size, padding=0, stride=1, dilation=1):
    if min(input_size, kernel_size, stride, dilation) < 1 or padding < 0:
        raise ValueError("bad argument")
    span = {span}
    if {check}span > input_size + 2 * padding:
        raise ValueError("kernel_size does not fit")
    return int({rounding}((input_size + 2 * padding - span) / stride)) + 1
"""


def size(span="dilation * (kernel_size - 1) + 1", rounding="math.floor", check=""):
    return SIZE.format(span=span, rounding=rounding, check=check)


NP_PAD = """
def pad2d(image, padding, mode="zeros"):
    image = np.asarray(image, dtype=float)
    modes = {{"zeros": "constant", "reflect": "{reflect}", "replicate": "edge", "circular": "wrap"}}
    if mode not in modes or image.ndim < 2:
        raise ValueError(f"bad mode {{mode}}")
    top, bottom, left, right = (padding,) * 4 if isinstance(padding, int) else padding
    if min(top, bottom, left, right) < 0:
        raise ValueError("padding must be >= 0")
    H, W = image.shape[-2:]
    if mode == "reflect" and (max(top, bottom) >= H or max(left, right) >= W):
        raise ValueError("reflect padding must be smaller than the image")
    if mode == "circular" and (max(top, bottom) > H or max(left, right) > W):
        raise ValueError("circular padding too large")
    widths = [(0, 0)] * (image.ndim - 2) + [{rows}, {cols}]
    return np.pad(image, widths, mode=modes[mode])
"""


def np_pad(reflect="reflect", rows="(top, bottom)", cols="(left, right)"):
    return NP_PAD.format(reflect=reflect, rows=rows, cols=cols)


CORR = """
def correlate2d_padded(image, kernel, padding=0, stride=1):
    image, kernel = np.asarray(image, float), np.asarray(kernel, float)
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    if min(sh, sw) < 1 or image.ndim != 2 or kernel.ndim != 2:
        raise ValueError("bad argument")
    padded = np.pad(image, ((ph, ph), (pw, pw))) if {use_padding} else image
    kh, kw = kernel.shape
    if kh > padded.shape[0] or kw > padded.shape[1]:
        raise ValueError("kernel larger than the padded image")
    {stride_line}
    out = np.zeros(((padded.shape[0] - kh) // sh + 1, (padded.shape[1] - kw) // sw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(padded[i * sh:i * sh + kh, j * sw:j * sw + kw] * kernel)
    return out
"""


def corr(use_padding="True", stride_line="pass"):
    return CORR.format(use_padding=use_padding, stride_line=stride_line)


SAME = """
def same_padding(kernel_size, dilation=1):
    if kernel_size < 1 or dilation < 1:
        raise ValueError("kernel_size and dilation must be >= 1")
    total = {total}
    return {result}
"""

WRONG = {
    "ceil": ("output_size", size(rounding="math.ceil"), "ceil or round instead of floor"),
    "round": ("output_size", size(rounding="round"), "ceil or round instead of floor"),
    "dilation ignored in the size": ("output_size", size(span="kernel_size"), "dilation ignored"),
    "no error on impossible sizes": ("output_size", size(check="False and "), "no error for invalid input"),
    "symmetric instead of reflect": ("pad2d", np_pad(reflect="symmetric"), "symmetric instead of reflect"),
    "padding sides swapped": (
        "pad2d",
        np_pad(rows="(bottom, top)", cols="(right, left)"),
        "padding sides swapped",
    ),
    "stride ignored": ("correlate2d_padded", corr(stride_line="sh = sw = 1"), "stride ignored"),
    "padding ignored": ("correlate2d_padded", corr(use_padding="False"), "padding ignored"),
    "extra padding before": (
        "same_padding",
        SAME.format(total="dilation * (kernel_size - 1)", result="(total - total // 2, total // 2)"),
        "extra padding on the wrong side",
    ),
    "same padding ignores dilation": (
        "same_padding",
        SAME.format(total="kernel_size - 1", result="(total // 2, total - total // 2)"),
        "dilation ignored",
    ),
}

UNUSUAL = {
    "pad2d": np_pad(),
    "output_size": size().replace(
        "int(math.floor((input_size + 2 * padding - span) / stride)) + 1",
        "len(range(0, input_size + 2 * padding - span + 1, stride))",
    ),
    "correlate2d_padded": """
from numpy.lib.stride_tricks import sliding_window_view

def correlate2d_padded(image, kernel, padding=0, stride=1):
    image, kernel = np.asarray(image, float), np.asarray(kernel, float)
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    if min(sh, sw) < 1 or image.ndim != 2 or kernel.ndim != 2:
        raise ValueError("bad argument")
    padded = np.pad(image, ((ph, ph), (pw, pw)))
    if any(k > n for k, n in zip(kernel.shape, padded.shape)):
        raise ValueError("kernel larger than the padded image")
    windows = sliding_window_view(padded, kernel.shape)[::sh, ::sw]
    return np.einsum("ijkl,kl->ij", windows, kernel)
""",
}


@pytest.mark.parametrize("label", sorted(WRONG))
def test_wrong_answer_loses_points_with_diagnosis(label, tmp_path):
    name, code, diagnosis = WRONG[label]
    assert_wrong_answer_diagnosed(CHAPTER, name, {name: code}, diagnosis, tmp_path, first_only=False)


@pytest.mark.parametrize("name", sorted(UNUSUAL))
def test_unusual_correct_answer_keeps_full_marks(name, tmp_path):
    assert_unusual_answer_keeps_full_marks(CHAPTER, name, {name: UNUSUAL[name]}, tmp_path)


# -- the visible tests catch the common mistakes -------------------------------------------------------

# (exercise, a wrong answer, a phrase of the visible message that must catch it). Each wrong answer
# passed the visible tests of an earlier version of the chapter.
CAUGHT_BY_VISIBLE = {
    "output size rounds to the nearest": ("output_size", size(rounding="round"), "not round() or ceil"),
    "output size checks k, not the dilated span": (
        "output_size",
        size(check="kernel_size > input_size + 2 * padding or False and "),
        "compare the dilated span",
    ),
    "pad2d: sides swapped": (
        "pad2d",
        np_pad(rows="(bottom, top)", cols="(right, left)"),
        "the sides are swapped",
    ),
    "pad2d: pads every axis of a stack": (
        "pad2d",
        np_pad().replace("[(0, 0)] * (image.ndim - 2)", "[(top, bottom)] * (image.ndim - 2)"),
        "only the last two axes are padded",
    ),
    "correlate2d_padded: a pair's first number used for both axes": (
        "correlate2d_padded",
        corr().replace(
            "ph, pw = (padding, padding) if isinstance(padding, int) else padding",
            "ph = pw = padding if isinstance(padding, int) else padding[0]",
        ),
        "padding (1, 0) pads the rows only",
    ),
    "correlate2d_padded: kernel flipped": (
        "correlate2d_padded",
        corr().replace("* kernel)", "* kernel[::-1, ::-1])"),
        "the kernel was flipped",
    ),
    "same_padding: halved before multiplying by the dilation": (
        "same_padding",
        SAME.format(
            total="dilation * (kernel_size - 1)",
            result="(dilation * ((kernel_size - 1) // 2), total - dilation * ((kernel_size - 1) // 2))",
        ),
        "multiply by d before halving",
    ),
}


@pytest.mark.parametrize("label", sorted(CAUGHT_BY_VISIBLE))
def test_visible_tests_catch_the_mistake(label):
    name, wrong, phrase = CAUGHT_BY_VISIBLE[label]
    with pytest.raises(AssertionError, match=re.escape(phrase)):
        run_visible(CHAPTER, name, wrong)


@pytest.mark.parametrize("name", [ex.name for ex in exercises.chapter(CHAPTER)])
def test_the_model_answers_pass_the_visible_tests(name):
    run_visible(CHAPTER, name)
