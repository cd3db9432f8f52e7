"""Chapter 06 end to end: model answers, stubs, known wrong answers, unusual correct answers."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import (
    assert_unusual_answer_keeps_full_marks,
    assert_wrong_answer_diagnosed,
)
from visible_cells import run_visible_with

import solutions

CHAPTER = "06_dilation"

DILATE = """
def dilate_kernel(kernel, dilation):
    kernel = np.asarray(kernel, float)
    if kernel.ndim != 2 or dilation < 1:
        raise ValueError("kernel must be 2-D and dilation >= 1")
    step = {step}
    kh, kw = kernel.shape
    out = np.zeros((step * (kh - 1) + 1, step * (kw - 1) + 1))
    out[::step, ::step] = kernel
    return out
"""

CORR = """
def dilated_correlate2d(image, kernel, dilation=1):
    image, kernel = np.asarray(image, float), np.asarray(kernel, float)
    if image.ndim != 2 or kernel.ndim != 2 or dilation < 1:
        raise ValueError("bad arguments")
    kh, kw = kernel.shape
    span_h, span_w = dilation * (kh - 1) + 1, dilation * (kw - 1) + 1
    if span_h > image.shape[0] or span_w > image.shape[1]:
        raise ValueError("dilated kernel larger than the image")
    {body}
"""

AS_STRIDE = CORR.format(
    body="""H, W = image.shape
    out = np.zeros(((H - kh) // dilation + 1, (W - kw) // dilation + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i * dilation:i * dilation + kh, j * dilation:j * dilation + kw] * kernel)
    return out"""
)

EFFECTIVE = """
def effective_kernel_size(kernel_size, dilation):
    if kernel_size < 1 or dilation < 1:
        raise ValueError("kernel_size and dilation must be >= 1")
    return {formula}
"""

WRONG = {
    "d zeros in dilate_kernel": (
        "dilate_kernel",
        DILATE.format(step="dilation + 1"),
        "d zeros instead of d - 1",
    ),
    "dilation used as stride": ("dilated_correlate2d", AS_STRIDE, "dilation used as stride"),
    "d * k": (
        "effective_kernel_size",
        EFFECTIVE.format(formula="dilation * kernel_size"),
        "d * k instead of d(k - 1) + 1",
    ),
    "d zeros in the effective size": (
        "effective_kernel_size",
        EFFECTIVE.format(formula="(dilation + 1) * (kernel_size - 1) + 1"),
        "d zeros instead of d - 1",
    ),
}

UNUSUAL = {
    "dilated_correlate2d": CORR.format(
        body="""dilated = np.zeros((span_h, span_w))
    dilated[::dilation, ::dilation] = kernel       # builds the dilated kernel: correct, only slower
    H, W = image.shape
    out = np.zeros((H - span_h + 1, W - span_w + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + span_h, j:j + span_w] * dilated)
    return out"""
    ),
    "dilate_kernel": """
def dilate_kernel(kernel, dilation):
    kernel = np.asarray(kernel, float)
    if kernel.ndim != 2 or dilation < 1:
        raise ValueError("kernel must be 2-D and dilation >= 1")
    rows = np.insert(kernel, np.repeat(np.arange(1, kernel.shape[0]), dilation - 1), 0, axis=0)
    return np.insert(rows, np.repeat(np.arange(1, kernel.shape[1]), dilation - 1), 0, axis=1)
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


def dilated_as_stride(image, kernel, dilation=1):
    """Every dilation-th position of a plain valid correlation."""
    return solutions.correlate2d(image, kernel)[::dilation, ::dilation]


BUGGY = {
    "dilate_kernel: d zeros instead of d - 1": (
        "dilate_kernel_visible",
        {"dilate_kernel": lambda kernel, d: solutions.dilate_kernel(kernel, d + 1)},
    ),
    "dilate_kernel: zeros after the last tap": (
        "dilate_kernel_visible",
        {
            "dilate_kernel": lambda kernel, d: np.pad(
                solutions.dilate_kernel(kernel, d), ((0, d - 1), (0, d - 1))
            )
        },
    ),
    "dilate_kernel: columns only": (
        "dilate_kernel_visible",
        {"dilate_kernel": lambda kernel, d: solutions.dilate_kernel(kernel, d)[::d]},
    ),
    "dilated_correlate2d: dilation used as stride": (
        "dilated_correlate2d_visible",
        {"dilated_correlate2d": dilated_as_stride},
    ),
    "dilated_correlate2d: d zeros instead of d - 1": (
        "dilated_correlate2d_visible",
        {
            "dilated_correlate2d": lambda image, kernel, d=1: solutions.dilated_correlate2d(
                image, kernel, d + 1
            )
        },
    ),
    "dilated_correlate2d: dilation ignored": (
        "dilated_correlate2d_visible",
        {"dilated_correlate2d": lambda image, kernel, d=1: solutions.correlate2d(image, kernel)},
    ),
    "dilated_correlate2d: dilation 2 by default": (
        "dilated_correlate2d_visible",
        {"dilated_correlate2d": lambda image, kernel, d=2: solutions.dilated_correlate2d(image, kernel, d)},
    ),
    "effective_kernel_size: d * k": (
        "effective_kernel_size_visible",
        {"effective_kernel_size": lambda k, d: d * k},
    ),
    "effective_kernel_size: d zeros instead of d - 1": (
        "effective_kernel_size_visible",
        {"effective_kernel_size": lambda k, d: (d + 1) * (k - 1) + 1},
    ),
    "effective_kernel_size: no check of the arguments": (
        "effective_kernel_size_visible",
        {"effective_kernel_size": lambda k, d: d * (k - 1) + 1},
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
