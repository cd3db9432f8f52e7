"""Chapter 09 end to end: model answers, stubs, known wrong answers, and the visible tests run with
wrong answers in place."""

from __future__ import annotations

import pytest
from helpers import assert_wrong_answer_diagnosed, changed_in, solution_cells, source_notebook
from visible_cells import run_visible

CHAPTER = "09_transposed"


MODEL = solution_cells(source_notebook(CHAPTER))  # each wrong answer below changes one thing in one of these


def changed(name: str, old: str, new: str) -> str:
    return changed_in(MODEL, name, old, new)


WRONG = {
    "transposed weight read as (F, C_in)": (
        "conv_transpose2d",
        {
            "conv_transpose2d": changed(
                "conv_transpose2d", "Cw, F, kh, kw = weight.shape", "F, Cw, kh, kw = weight.shape"
            ).replace(
                "np.tensordot(x[:, :, i, j], weight, axes=([1], [0]))",
                "np.tensordot(x[:, :, i, j], weight, axes=([1], [1]))",
            )
        },
        "weight read as (F, C_in)",
    ),
    "output_padding ignored": (
        "conv_transpose2d",
        {
            "conv_transpose2d": changed("conv_transpose2d", "- 2 * ph + kh + oph", "- 2 * ph + kh").replace(
                "- 2 * pw + kw + opw", "- 2 * pw + kw"
            )
        },
        "output_padding ignored",
    ),
    "chapter 03's formula": (
        "transposed_output_size",
        {
            "transposed_output_size": changed(
                "transposed_output_size",
                "size = (n - 1) * s - 2 * p + d * (k - 1) + op + 1",
                "size = (n + 2 * p - d * (k - 1) - 1) // s + 1",
            )
        },
        "chapter 03's formula used instead",
    ),
    "output_padding forgotten": (
        "transposed_output_size",
        {
            "transposed_output_size": changed(
                "transposed_output_size",
                "size = (n - 1) * s - 2 * p + d * (k - 1) + op + 1",
                "size = (n - 1) * s - 2 * p + d * (k - 1) + 1",
            )
        },
        "output_padding forgotten",
    ),
    "padding added instead of cropped": (
        "conv_transpose2d",
        {
            "conv_transpose2d": changed(
                "conv_transpose2d",
                "out = canvas[:, :, ph:ph + Ho, pw:pw + Wo]",
                "out = np.pad(canvas, ((0, 0), (0, 0), (ph, ph), (pw, pw)))",
            )
        },
        "padding added instead of cropped",
    ),
}


@pytest.mark.parametrize("label", sorted(WRONG))
def test_wrong_answer_loses_points_with_diagnosis(label, tmp_path):
    name, answers, diagnosis = WRONG[label]
    assert_wrong_answer_diagnosed(CHAPTER, name, answers, diagnosis, tmp_path, first_only=False)


def test_the_chapter_asks_for_no_earlier_function():
    """Chapter 09 stands on its own: its only solution cells are its two exercises."""
    assert sorted(MODEL) == ["conv_transpose2d", "transposed_output_size"]


# -- the visible tests, run with wrong answers in place ---------------------------------------------------


# One wrong answer per row, each a mistake the visible cell must catch with an AssertionError.
VISIBLE_MISTAKES = {
    "transposed_output_size: chapter 03's formula": (
        "transposed_output_size",
        changed(
            "transposed_output_size",
            "size = (n - 1) * s - 2 * p + d * (k - 1) + op + 1",
            "size = (n + 2 * p - d * (k - 1) - 1) // s + 1",
        ),
    ),
    "transposed_output_size: output_padding forgotten": (
        "transposed_output_size",
        changed(
            "transposed_output_size",
            "size = (n - 1) * s - 2 * p + d * (k - 1) + op + 1",
            "size = (n - 1) * s - 2 * p + d * (k - 1) + 1",
        ),
    ),
    "transposed_output_size: output_padding checked against the stride only": (
        "transposed_output_size",
        changed("transposed_output_size", "if op >= max(s, d):", "if op >= s:"),
    ),
    "transposed_output_size: output_padding never checked": (
        "transposed_output_size",
        changed("transposed_output_size", "if op >= max(s, d):", "if False:"),
    ),
    "conv_transpose2d: overlaps overwritten": (
        "conv_transpose2d",
        changed(
            "conv_transpose2d",
            "canvas[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw] += stamp",
            "canvas[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw] = stamp",
        ),
    ),
    "conv_transpose2d: padding pair read as (columns, rows)": (
        "conv_transpose2d",
        changed(
            "conv_transpose2d",
            "ph, pw = (padding, padding) if isinstance(padding, int) else padding",
            "pw, ph = (padding, padding) if isinstance(padding, int) else padding",
        ),
    ),
    "conv_transpose2d: padding added instead of cropped": (
        "conv_transpose2d",
        changed(
            "conv_transpose2d",
            "out = canvas[:, :, ph:ph + Ho, pw:pw + Wo]",
            "out = np.pad(canvas, ((0, 0), (0, 0), (ph, ph), (pw, pw)))",
        ),
    ),
    "conv_transpose2d: bias dropped": (
        "conv_transpose2d",
        changed("conv_transpose2d", "out = out + np.asarray(bias", "out = out + 0 * np.asarray(bias"),
    ),
    "conv_transpose2d: weight read as (F, C_in)": (
        "conv_transpose2d",
        changed("conv_transpose2d", "Cw, F, kh, kw = weight.shape", "F, Cw, kh, kw = weight.shape").replace(
            "np.tensordot(x[:, :, i, j], weight, axes=([1], [0]))",
            "np.tensordot(x[:, :, i, j], weight, axes=([1], [1]))",
        ),
    ),
}


@pytest.mark.parametrize("label", sorted(VISIBLE_MISTAKES))
def test_visible_tests_catch_the_mistake(label):
    name, answer = VISIBLE_MISTAKES[label]
    with pytest.raises(AssertionError):
        run_visible(CHAPTER, name, answer)


@pytest.mark.parametrize("name", ["transposed_output_size", "conv_transpose2d"])
def test_visible_tests_pass_with_the_model_answer(name, capsys):
    run_visible(CHAPTER, name)
    assert "all visible tests passed" in capsys.readouterr().out
