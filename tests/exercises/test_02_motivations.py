"""Chapter 02 end to end: model answers, stubs, known wrong answers, unusual correct answers."""

from __future__ import annotations

import re

import pytest
from helpers import (
    assert_unusual_answer_keeps_full_marks,
    assert_wrong_answer_diagnosed,
)
from visible_cells import run_visible

from autograder.engine import exercises
from autograder.engine.grade import exercise_of

CHAPTER = "02_motivations"

RF = """
def receptive_field(layers):
    r, j = 1, 1
    for k, s, d in layers:
        if min(k, s, d) < 1:
            raise ValueError("layers must hold positive integers")
        {body}
    return r
"""

WRONG = {
    "dense bias forgotten": (
        "dense_parameters",
        "def dense_parameters(in_shape, out_shape, bias=True):\n"
        "    if len(out_shape) != 3 or min(*in_shape, *out_shape) < 1:\n"
        "        raise ValueError('bad shape')\n"
        "    return int(np.prod(in_shape) * np.prod(out_shape))\n",
        "bias forgotten",
    ),
    "dense bias per channel": (
        "dense_parameters",
        "def dense_parameters(in_shape, out_shape, bias=True):\n"
        "    if len(out_shape) != 3 or min(*in_shape, *out_shape) < 1:\n"
        "        raise ValueError('bad shape')\n"
        "    return int(np.prod(in_shape) * np.prod(out_shape) + (out_shape[0] if bias else 0))\n",
        "bias counted per channel instead of per unit",
    ),
    "locally connected bias per channel": (
        "locally_connected_parameters",
        "def locally_connected_parameters(in_channels, out_shape, kernel_size, bias=True):\n"
        "    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size\n"
        "    F, Ho, Wo = out_shape\n"
        "    if min(in_channels, kh, kw) < 1:\n"
        "        raise ValueError('bad size')\n"
        "    return Ho * Wo * F * in_channels * kh * kw + (F if bias else 0)\n",
        "bias counted per channel instead of per position",
    ),
    "locally connected bias forgotten": (
        "locally_connected_parameters",
        "def locally_connected_parameters(in_channels, out_shape, kernel_size, bias=True):\n"
        "    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size\n"
        "    F, Ho, Wo = out_shape\n"
        "    if min(in_channels, kh, kw) < 1:\n"
        "        raise ValueError('bad size')\n"
        "    return Ho * Wo * F * in_channels * kh * kw\n",
        "bias forgotten",
    ),
    "locally connected weights shared": (
        "locally_connected_parameters",
        "def locally_connected_parameters(in_channels, out_shape, kernel_size, bias=True):\n"
        "    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size\n"
        "    F = out_shape[0]\n"
        "    if min(in_channels, kh, kw) < 1:\n"
        "        raise ValueError('bad size')\n"
        "    return F * in_channels * kh * kw + (F if bias else 0)\n",
        "weights shared across positions",
    ),
    "conv in-channels forgotten": (
        "conv_parameters",
        "def conv_parameters(in_channels, out_channels, kernel_size, bias=True):\n"
        "    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size\n"
        "    if min(in_channels, out_channels, kh, kw) < 1:\n"
        "        raise ValueError('bad size')\n"
        "    return out_channels * kh * kw + (out_channels if bias else 0)\n",
        "in-channels forgotten",
    ),
    "receptive field ignores dilation": (
        "receptive_field",
        RF.format(body="r += (k - 1) * j\n        j *= s"),
        "dilation ignored",
    ),
    "receptive field does not compound strides": (
        "receptive_field",
        RF.format(body="r += (k - 1) * d * j\n        j = s"),
        "stride not compounded across layers",
    ),
    "receptive field ignores stride": (
        "receptive_field",
        RF.format(body="r += (k - 1) * d * j"),
        "stride ignored",
    ),
    "translate with np.roll": (
        "translate",
        "def translate(image, dy, dx):\n"
        "    image = np.asarray(image, dtype=float)\n"
        "    if image.ndim < 2:\n"
        "        raise ValueError('image must be at least 2-D')\n"
        "    return np.roll(image, (dy, dx), axis=(-2, -1))\n",
        "circular shift instead of zero fill",
    ),
    "translate swaps dy and dx": (
        "translate",
        "def translate(image, dy, dx):\n"
        "    image = np.asarray(image, dtype=float)\n"
        "    if image.ndim < 2:\n"
        "        raise ValueError('image must be at least 2-D')\n"
        "    out = np.zeros_like(image)\n"
        "    H, W = image.shape[-2:]\n"
        "    for i in range(H):\n"
        "        for j in range(W):\n"
        "            if 0 <= i - dx < H and 0 <= j - dy < W:\n"
        "                out[..., i, j] = image[..., i - dx, j - dy]\n"
        "    return out\n",
        "dy and dx swapped",
    ),
}

UNUSUAL = {
    "receptive_field": '''
def receptive_field(layers):
    """Recursion the other way: from the top unit down to the input."""
    if any(min(layer) < 1 for layer in layers):
        raise ValueError("layers must hold positive integers")
    r = 1
    for k, s, d in reversed(layers):
        r = (r - 1) * s + (k - 1) * d + 1
    return r
''',
    "translate": """
def translate(image, dy, dx):
    image = np.asarray(image, dtype=float)
    if image.ndim < 2:
        raise ValueError("image must be at least 2-D")
    H, W = image.shape[-2:]
    dy, dx = max(-H, min(H, dy)), max(-W, min(W, dx))  # beyond the image, everything is gone
    pad = [(0, 0)] * (image.ndim - 2) + [(H, H), (W, W)]
    big = np.pad(image, pad)
    return big[..., H - dy : 2 * H - dy, W - dx : 2 * W - dx].copy()
""",
    "dense_parameters": """
def dense_parameters(in_shape, out_shape, bias=True):
    if len(in_shape) != 3 or len(out_shape) != 3 or min(*in_shape, *out_shape) < 1:
        raise ValueError("shapes must be positive (C, H, W) triples")
    n_out = int(np.prod(out_shape))
    return int(np.prod(in_shape)) * n_out + n_out * bool(bias)
""",
}


@pytest.mark.parametrize("label", sorted(WRONG))
def test_wrong_answer_loses_points_with_diagnosis(label, tmp_path):
    name, code, diagnosis = WRONG[label]
    doc = assert_wrong_answer_diagnosed(CHAPTER, name, {name: code}, diagnosis, tmp_path)
    others = [t for t in doc["tests"] if exercise_of(t) != name]
    assert all(t["score"] == t["max_score"] for t in others)


@pytest.mark.parametrize("name", sorted(UNUSUAL))
def test_unusual_correct_answer_keeps_full_marks(name, tmp_path):
    assert_unusual_answer_keeps_full_marks(CHAPTER, name, {name: UNUSUAL[name]}, tmp_path)


# -- the visible tests catch the common mistakes -------------------------------------------------------

TRANSLATE = """
def translate(image, dy, dx):
    image = np.asarray(image, dtype=float)
    if image.ndim < 2:
        raise ValueError("image must have at least 2 dimensions")
    H, W = image.shape[-2:]
    out = np.zeros_like(image)
    for i in range({rows}):
        for j in range({cols}):
            if 0 <= i - dy < {rows} and 0 <= j - dx < {cols}:
                out{index} = image{source}
    return out
"""


def translate(rows="H", cols="W", index="[..., i, j]", source="[..., i - dy, j - dx]"):
    return TRANSLATE.format(rows=rows, cols=cols, index=index, source=source)


# (exercise, a wrong answer, a phrase of the visible message that must catch it). Each wrong answer
# passed the visible tests of an earlier version of the chapter.
CAUGHT_BY_VISIBLE = {
    "dense: bias per map": (
        "dense_parameters",
        "def dense_parameters(in_shape, out_shape, bias=True):\n"
        "    if len(in_shape) != 3 or len(out_shape) != 3 or min(*in_shape, *out_shape) < 1:\n"
        "        raise ValueError('in_shape and out_shape must be positive triples')\n"
        "    weights = int(np.prod(in_shape)) * int(np.prod(out_shape))\n"
        "    return weights + (out_shape[0] if bias else 0)\n",
        "not one per map",
    ),
    "locally connected: square output assumed": (
        "locally_connected_parameters",
        "def locally_connected_parameters(in_channels, out_shape, kernel_size, bias=True):\n"
        "    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size\n"
        "    F, Ho, Wo = out_shape\n"
        "    if min(in_channels, F, Ho, Wo, kh, kw) < 1:\n"
        "        raise ValueError('in_channels must be positive')\n"
        "    return Ho * Ho * F * in_channels * kh * kw + (F * Ho * Ho if bias else 0)\n",
        "2 positions (1x2)",
    ),
    "receptive field: stride not compounded": (
        "receptive_field",
        RF.format(body="r += (k - 1) * d * j\n        j = s"),
        "j = s instead of j *= s",
    ),
    "translate: square-only loops": ("translate", translate(cols="H"), "not the same number"),
    "translate: shifts the first two axes of a stack": (
        "translate",
        translate(
            rows="image.shape[0]",
            cols="image.shape[1]",
            index="[i, j]",
            source="[i - dy, j - dx]",
        ),
        "its own last two axes",
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
