"""Chapter 01 end to end: the release, the model answers, the stubs and known wrong answers."""

from __future__ import annotations

import re

import pytest
from helpers import (
    assert_unusual_answer_keeps_full_marks,
    assert_wrong_answer_diagnosed,
    result_for,
)
from visible_cells import run_visible

from autograder.engine import exercises
from autograder.engine.grade import exercise_of

CHAPTER = "01_convolution"

# A loop-level body shared by the wrong answers below; each changes one thing.
LOOPS = """
def {name}(image, kernel):
    image = np.asarray(image{dtype})
    kernel = np.asarray(kernel, dtype=float)
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError("image and kernel must be 2-D")
    H, W = image.shape
    kh, kw = kernel.shape
    if kh > H or kw > W:
        raise ValueError("kernel is larger than the image")
    k = {kernel}
    out = {out}
    for i in range(H - kh + 1):
        for j in range(W - kw + 1):
            out[{index}] = np.sum(image[i:i + kh, j:j + kw] * k)
    return out
"""


def loops(
    name="correlate2d",
    *,
    dtype=", dtype=float",
    kernel="kernel",
    out="np.zeros((H - kh + 1, W - kw + 1))",
    index="i, j",
):
    return LOOPS.format(name=name, dtype=dtype, kernel=kernel, out=out, index=index)


# (exercise, wrong code, diagnosis the feedback must name)
WRONG = {
    "correlate flips the kernel": ("correlate2d", loops(kernel="kernel[::-1, ::-1]"), "kernel flipped"),
    "correlate transposes the kernel": (
        "correlate2d",
        loops(kernel="kernel.T if kh == kw else kernel"),
        "kernel transposed",
    ),
    "convolve forgets the flip": ("convolve2d", loops("convolve2d"), "kernel not flipped"),
    "convolve flips one axis": (
        "convolve2d",
        loops("convolve2d", kernel="kernel[::-1, :]"),
        "kernel flipped along one axis only",
    ),
    "transposed output": (
        "correlate2d",
        loops(out="np.zeros((W - kw + 1, H - kh + 1)).T.copy().T", index="i, j")
        .replace(
            "out = np.zeros((W - kw + 1, H - kh + 1)).T.copy().T", "out = np.zeros((W - kw + 1, H - kh + 1))"
        )
        .replace("out[i, j]", "out[j, i]"),
        "transposed output",
    ),
    "integer truncation": (
        "correlate2d",
        loops(dtype="", out="np.zeros_like(image[: H - kh + 1, : W - kw + 1])"),
        "integer truncation",
    ),
    "off-by-one size": (
        "correlate2d",
        loops(out="np.zeros((H - kh + 2, W - kw + 2))"),
        "off-by-one output size",
    ),
    "input modified in place": (
        "convolve2d",
        loops("convolve2d", kernel="kernel")
        .replace("    k = kernel\n", "    kernel[:] = kernel[::-1, ::-1]\n    k = kernel\n")
        .replace("kernel = np.asarray(kernel, dtype=float)", "kernel = np.asarray(kernel)"),
        "input modified in place",
    ),
    "full returns valid size": (
        "convolve2d_full",
        "def convolve2d_full(image, kernel):\n    return convolve2d(image, kernel)\n",
        "valid size instead of full",
    ),
    "full forgets the flip": (
        "convolve2d_full",
        "def convolve2d_full(image, kernel):\n"
        "    image, kernel = np.asarray(image, float), np.asarray(kernel, float)\n"
        "    kh, kw = kernel.shape\n"
        "    return correlate2d(np.pad(image, ((kh - 1,), (kw - 1,))), kernel)\n",
        "kernel not flipped",
    ),
    "full pads by the kernel size": (
        "convolve2d_full",
        "def convolve2d_full(image, kernel):\n"
        "    image, kernel = np.asarray(image, float), np.asarray(kernel, float)\n"
        "    kh, kw = kernel.shape\n"
        "    return convolve2d(np.pad(image, ((kh,), (kw,))), kernel)\n",
        "padded by the kernel size instead of kernel size - 1",
    ),
    "no error when the kernel does not fit": (
        "correlate2d",
        loops().replace(
            '        raise ValueError("kernel is larger than the image")\n',
            "        return np.zeros((0, 0))\n",
        ),
        "no error for invalid input",
    ),
}

# Correct but unusual answers: they must keep full marks.
UNUSUAL = {
    "correlate2d": """
from numpy.lib.stride_tricks import sliding_window_view

def correlate2d(image, kernel):
    image, kernel = np.asarray(image, float), np.asarray(kernel, float)
    if image.ndim != 2 or kernel.ndim != 2 or any(k > n for k, n in zip(kernel.shape, image.shape)):
        raise ValueError("bad image or kernel")
    return np.einsum("ijkl,kl->ij", sliding_window_view(image, kernel.shape), kernel)
""",
    "convolve2d": """
def convolve2d(image, kernel):
    image, kernel = np.asarray(image, float), np.asarray(kernel, float)
    if image.ndim != 2 or kernel.ndim != 2 or any(k > n for k, n in zip(kernel.shape, image.shape)):
        raise ValueError("bad image or kernel")
    shape = [n + k - 1 for n, k in zip(image.shape, kernel.shape)]
    full = np.fft.irfft2(np.fft.rfft2(image, shape) * np.fft.rfft2(kernel, shape), shape)
    kh, kw = kernel.shape
    return full[kh - 1 : image.shape[0], kw - 1 : image.shape[1]]
""",
    "convolve2d_full": """
def convolve2d_full(image, kernel):
    image, kernel = np.asarray(image, float), np.asarray(kernel, float)
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError("image and kernel must be 2-D")
    out = np.zeros((image.shape[0] + kernel.shape[0] - 1, image.shape[1] + kernel.shape[1] - 1))
    for (m, n), k in np.ndenumerate(kernel):   # stamp a scaled copy of the image per kernel tap
        out[m : m + image.shape[0], n : n + image.shape[1]] += k * image
    return out
""",
}


@pytest.mark.parametrize("label", sorted(WRONG))
def test_wrong_answer_loses_points_with_diagnosis(label, tmp_path):
    name, code, diagnosis = WRONG[label]
    doc = assert_wrong_answer_diagnosed(CHAPTER, name, {name: code}, diagnosis, tmp_path)
    assert "First failure" in result_for(doc, name)["output"]
    others = [t for t in doc["tests"] if exercise_of(t) != name and not _depends_on(t, name)]
    assert all(t["score"] == t["max_score"] for t in others), "a mistake in one exercise cost another"


def _depends_on(test: dict, name: str) -> bool:
    # The model convolve2d_full reuses convolve2d, so a wrong convolve2d may cost it too.
    return test["name"].startswith("convolve2d_full") and name == "convolve2d"


@pytest.mark.parametrize("name", sorted(UNUSUAL))
def test_unusual_correct_answer_keeps_full_marks(name, tmp_path):
    assert_unusual_answer_keeps_full_marks(CHAPTER, name, {name: UNUSUAL[name]}, tmp_path)


# -- the visible tests catch the common mistakes -------------------------------------------------------

# (exercise, a wrong answer, a phrase of the visible message that must catch it). Each wrong answer
# passed the visible tests of an earlier version of the chapter, or was caught there only indirectly
# (a flipped-twice full convolution, by the commutativity check).
SQUARE_LOOPS = loops().replace("for j in range(W - kw + 1)", "for j in range(H - kh + 1)")
CAUGHT_BY_VISIBLE = {
    "correlate: square-only loop bounds": ("correlate2d", SQUARE_LOOPS, "used for both axes"),
    "correlate: kernel larger along both axes only": (
        "correlate2d",
        loops().replace("if kh > H or kw > W:", "if kh > H and kw > W:"),
        "larger along either axis",
    ),
    "convolve: square-only loop bounds": (
        "convolve2d",
        loops("convolve2d", kernel="kernel[::-1, ::-1]").replace(
            "for j in range(W - kw + 1)", "for j in range(H - kh + 1)"
        ),
        "the column loop stops at the number of rows",
    ),
    "full: flipped twice": (
        "convolve2d_full",
        "def convolve2d_full(image, kernel):\n"
        "    image, kernel = np.asarray(image, float), np.asarray(kernel, float)\n"
        "    kh, kw = kernel.shape\n"
        "    padded = np.pad(image, ((kh - 1,), (kw - 1,)))\n"
        "    return convolve2d(padded, kernel[::-1, ::-1])\n",
        "flipping it twice undoes the flip",
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
