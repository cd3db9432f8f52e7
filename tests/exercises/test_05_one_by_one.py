"""Chapter 05 end to end: model answers, stubs, known wrong answers, unusual correct answers."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import (
    assert_unusual_answer_keeps_full_marks,
    assert_wrong_answer_diagnosed,
)
from visible_cells import first, run_visible_with

import solutions

CHAPTER = "05_one_by_one"

CONV1X1 = """
def conv1x1(x, weight, bias=None):
    x, weight = np.asarray(x, float), np.asarray(weight, float)
    if x.ndim != 4 or weight.ndim != 2 or {channels} != x.shape[1]:
        raise ValueError("x must be (N, C, H, W) and weight (F, C)")
    out = np.einsum("{subscripts}", {w}, x)
    if bias is not None{bias_condition}:
        out += np.asarray(bias)[:, None, None]
    return out
"""


def conv1x1(channels="weight.shape[1]", subscripts="fc,nchw->nfhw", w="weight", bias_condition=""):
    return CONV1X1.format(channels=channels, subscripts=subscripts, w=w, bias_condition=bias_condition)


MACS = """
def conv_macs(in_channels, out_channels, kernel_size, out_hw):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    Ho, Wo = (out_hw, out_hw) if isinstance(out_hw, int) else out_hw
    if min(in_channels, out_channels, kh, kw, Ho, Wo) < 1:
        raise ValueError("sizes must be >= 1")
    return {formula}
"""

BOTTLENECK = """
def bottleneck_macs(in_channels, mid_channels, out_channels, kernel_size, out_hw):
    if min(in_channels, mid_channels, out_channels) < 1:
        raise ValueError("channels must be >= 1")
    return {formula}
"""

WRONG = {
    "weight read as (C, F)": (
        "conv1x1",
        conv1x1(channels="weight.shape[0]", subscripts="cf,nchw->nfhw"),
        "weight read as (C, F)",
    ),
    "bias dropped": ("conv1x1", conv1x1(bias_condition=" and False"), "bias dropped"),
    "in-channels forgotten": (
        "conv_macs",
        MACS.format(formula="Ho * Wo * out_channels * kh * kw"),
        "in-channels forgotten",
    ),
    "the 1x1 layer forgotten": (
        "bottleneck_macs",
        BOTTLENECK.format(formula="conv_macs(mid_channels, out_channels, kernel_size, out_hw)"),
        "the 1x1 layer's own cost forgotten",
    ),
}

UNUSUAL = {
    "conv1x1": '''
def conv1x1(x, weight, bias=None):
    """One matrix product for the whole batch: (F, C) @ (N, C, H*W)."""
    x, weight = np.asarray(x, float), np.asarray(weight, float)
    if x.ndim != 4 or weight.ndim != 2 or weight.shape[1] != x.shape[1]:
        raise ValueError("x must be (N, C, H, W) and weight (F, C)")
    n, c, h, w = x.shape
    out = (weight @ x.reshape(n, c, h * w)).reshape(n, -1, h, w)
    return out if bias is None else out + np.asarray(bias)[:, None, None]
''',
    "bottleneck_macs": BOTTLENECK.format(
        formula="(lambda hw: hw[0] * hw[1])((out_hw, out_hw) if isinstance(out_hw, int) else out_hw) * "
        "(mid_channels * in_channels + out_channels * mid_channels * "
        "int(np.prod((kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size)))"
    ),
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


def macs_pairs_as_squares(c, f, k, hw):
    return solutions.conv_macs(c, f, first(k), first(hw))


BUGGY = {
    "conv1x1: weight read as (C, F)": (
        "conv1x1_visible",
        {
            "conv1x1": lambda x, w, b=None: solutions.conv1x1(
                x, np.asarray(w).T if len(set(np.shape(w))) == 1 else w, b
            )
        },
    ),
    "conv1x1: bias dropped": ("conv1x1_visible", {"conv1x1": lambda x, w, b=None: solutions.conv1x1(x, w)}),
    "conv1x1: NHWC output": (
        "conv1x1_visible",
        {"conv1x1": lambda *a: np.moveaxis(solutions.conv1x1(*a), 1, -1)},
    ),
    "conv1x1: first image of the batch only": (
        "conv1x1_visible",
        {"conv1x1": lambda x, *a: solutions.conv1x1(np.asarray(x)[:1], *a)},
    ),
    "conv_macs: in-channels forgotten": (
        "conv_macs_visible",
        {"conv_macs": lambda c, f, k, hw: solutions.conv_macs(1, f, k, hw)},
    ),
    "conv_macs: output positions forgotten": (
        "conv_macs_visible",
        {"conv_macs": lambda c, f, k, hw: solutions.conv_macs(c, f, k, 1)},
    ),
    "conv_macs: parameters counted": (
        "conv_macs_visible",
        {"conv_macs": lambda c, f, k, hw: solutions.conv_parameters(c, f, k, bias=False)},
    ),
    "conv_macs: pairs read as squares": ("conv_macs_visible", {"conv_macs": macs_pairs_as_squares}),
    "bottleneck_macs: the 1x1 layer forgotten": (
        "bottleneck_macs_visible",
        {"bottleneck_macs": lambda c, m, f, k, hw: solutions.conv_macs(m, f, k, hw)},
    ),
    "bottleneck_macs: k x k layer counted from the input channels": (
        "bottleneck_macs_visible",
        {
            "bottleneck_macs": lambda c, m, f, k, hw: (
                solutions.conv_macs(c, m, 1, hw) + solutions.conv_macs(c, f, k, hw)
            )
        },
    ),
    "bottleneck_macs: pairs read as squares": (
        "bottleneck_macs_visible",
        {"bottleneck_macs": lambda c, m, f, k, hw: solutions.bottleneck_macs(c, m, f, first(k), first(hw))},
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
