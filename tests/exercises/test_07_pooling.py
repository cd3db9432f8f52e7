"""Chapter 07 end to end: model answers, stubs, known wrong answers, unusual correct answers."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import (
    assert_unusual_answer_keeps_full_marks,
    assert_wrong_answer_diagnosed,
    grade_in_process,
    model_answers,
    result_for,
    with_answers,
)
from visible_cells import first, run_visible_with

import solutions
from autograder.engine import exercises
from autograder.engine.exercises import ch07_pooling

CHAPTER = "07_pooling"

# A loop-level backward pass from the model's cache (x_shape, argmax of shape (N, C, Ho, Wo, 2)).
BACKWARD = """
def maxpool2d_backward(dout, cache):
    dout = np.asarray(dout, float)
    x_shape, argmax = cache
    dx = np.zeros(x_shape)
    N, C, Ho, Wo = dout.shape
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    p, q = argmax[n, c, i, j]
                    {update}
    return dx
"""

# A forward pass whose cache keeps the window geometry, for backward passes that spread gradients.
SPREADING = """
def maxpool2d_forward(x, kernel_size, stride=None):
    x = np.asarray(x, float)
    if x.ndim != 4:
        raise ValueError("x must be 4-D")
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    sh, sw = (kh, kw) if stride is None else ((stride, stride) if isinstance(stride, int) else stride)
    if kh > x.shape[2] or kw > x.shape[3]:
        raise ValueError("window larger than the image")
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
    return windows.max(axis=(4, 5)), (x.shape, (kh, kw), (sh, sw))

def maxpool2d_backward(dout, cache):
    x_shape, (kh, kw), (sh, sw) = cache
    dx = np.zeros(x_shape)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            dx[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw] += dout[:, :, i, j][:, :, None, None]{scale}
    return dx
"""

LAST_ON_TIES = """
def maxpool2d_forward(x, kernel_size, stride=None):
    x = np.asarray(x, float)
    if x.ndim != 4:
        raise ValueError("x must be 4-D")
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    sh, sw = (kh, kw) if stride is None else ((stride, stride) if isinstance(stride, int) else stride)
    if kh > x.shape[2] or kw > x.shape[3]:
        raise ValueError("window larger than the image")
    N, C, H, W = x.shape
    Ho, Wo = (H - kh) // sh + 1, (W - kw) // sw + 1
    out = np.zeros((N, C, Ho, Wo))
    argmax = np.zeros((N, C, Ho, Wo, 2), dtype=int)
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    window = x[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                    flat = window.ravel()
                    k = len(flat) - 1 - int(np.argmax(flat[::-1]))   # the last maximum
                    m, l = divmod(k, kw)
                    out[n, c, i, j] = window[m, l]
                    argmax[n, c, i, j] = (i * sh + m, j * sw + l)
    return out, (x.shape, argmax)
"""

# A forward pass built on the model's cache layout, with one thing changed.
MIN_POOLING = LAST_ON_TIES.replace("int(np.argmax(flat[::-1]))", "int(np.argmin(flat[::-1]))")
DOUBLED_OUTPUT = LAST_ON_TIES.replace("out[n, c, i, j] = window[m, l]", "out[n, c, i, j] = 2 * window[m, l]")

AVG = """
def avgpool2d(x, kernel_size, stride=None):
    x = np.asarray(x, float)
    if x.ndim != 4:
        raise ValueError("x must be 4-D")
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    sh, sw = {stride}
    if kh > x.shape[2] or kw > x.shape[3]:
        raise ValueError("window larger than the image")
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
    return windows.{reduce}(axis=(4, 5))
"""

DEFAULT_STRIDE = "(kh, kw) if stride is None else ((stride, stride) if isinstance(stride, int) else stride)"

WRONG = {
    "gradient to every cell": (
        "maxpool2d_backward",
        {"both": SPREADING.format(scale="")},
        "gradient sent to every cell of the window",
    ),
    "gradient averaged": (
        "maxpool2d_backward",
        {"both": SPREADING.format(scale=" / (kh * kw)")},
        "gradient averaged over the window",
    ),
    "overlaps overwritten": (
        "maxpool2d_backward",
        {"maxpool2d_backward": BACKWARD.format(update="dx[n, c, p, q] = dout[n, c, i, j]")},
        "overlapping contributions overwritten instead of summed",
    ),
    "last maximum on ties": (
        "maxpool2d_backward",
        {"maxpool2d_forward": LAST_ON_TIES},
        "last maximum taken on ties",
    ),
    "forward keeps the last maximum on ties": (
        "maxpool2d_forward",
        {"maxpool2d_forward": LAST_ON_TIES},
        "last maximum taken on ties",
    ),
    "forward wrong, backward its exact gradient": (
        "maxpool2d_backward",
        {"maxpool2d_forward": MIN_POOLING},
        "maxpool2d_forward is wrong (your backward pass is its exact gradient)",
    ),
    "backward right, but not the gradient of the student's forward": (
        "maxpool2d_backward",
        {"maxpool2d_forward": DOUBLED_OUTPUT},
        "gradient disagrees with your own forward pass",
    ),
    "backward doubles the gradient": (
        "maxpool2d_backward",
        {"maxpool2d_backward": BACKWARD.format(update="dx[n, c, p, q] += 2 * dout[n, c, i, j]")},
        "gradient disagrees with your own forward pass",
    ),
    "forward ignores stride": (
        "maxpool2d_forward",
        {
            "maxpool2d_forward": LAST_ON_TIES.replace(
                "sh, sw = (kh, kw) if stride is None else", "sh, sw = (1, 1) if True else"
            )
        },
        "stride ignored",
    ),
    "sum instead of mean": (
        "avgpool2d",
        {"avgpool2d": AVG.format(stride=DEFAULT_STRIDE, reduce="sum")},
        "sum instead of mean",
    ),
    "average ignores stride": (
        "avgpool2d",
        {"avgpool2d": AVG.format(stride="(1, 1)", reduce="mean")},
        "stride ignored",
    ),
}

UNUSUAL = {
    "maxpool2d_backward": BACKWARD.format(update="np.add.at(dx, (n, c, p, q), dout[n, c, i, j])"),
    "avgpool2d": AVG.format(stride=DEFAULT_STRIDE, reduce="mean"),
}


def _answers(answers: dict[str, str]) -> dict[str, str]:
    """'both' replaces the forward and backward cells together (the second cell left empty of code)."""
    if "both" in answers:
        return {"maxpool2d_forward": answers["both"], "maxpool2d_backward": "pass\n"}
    return answers


@pytest.mark.parametrize("label", sorted(WRONG))
def test_wrong_answer_loses_points_with_diagnosis(label, tmp_path):
    name, answers, diagnosis = WRONG[label]
    assert_wrong_answer_diagnosed(CHAPTER, name, _answers(answers), diagnosis, tmp_path, first_only=False)


@pytest.mark.parametrize("name", sorted(UNUSUAL))
def test_unusual_correct_answer_keeps_full_marks(name, tmp_path):
    assert_unusual_answer_keeps_full_marks(CHAPTER, name, {name: UNUSUAL[name]}, tmp_path)


def test_a_backward_pass_checked_with_a_stubbed_forward_pass_names_it(tmp_path):
    """The backward pass is graded with the cache of the student's own forward pass: while that is still
    the stub, the feedback says so rather than "not implemented yet" about the backward pass."""
    stub = "def maxpool2d_forward(x, kernel_size, stride=None):\n    raise NotImplementedError()\n"
    answers = {**model_answers(CHAPTER), "maxpool2d_forward": stub}
    doc = grade_in_process(with_answers(CHAPTER, answers, tmp_path))
    backward = result_for(doc, "maxpool2d_backward")
    assert backward["score"] == 0
    assert (
        "Not implemented yet: your maxpool2d_forward, which this exercise is checked with"
        in backward["output"]
    )
    assert "Not implemented yet: replace" in result_for(doc, "maxpool2d_forward")["output"]
    assert result_for(doc, "avgpool2d")["score"] == result_for(doc, "avgpool2d")["max_score"]


# -- the visible tests catch the mistakes they are meant to catch -------------------------------------------


def run_visible(grade_id: str, replaced: dict) -> None:
    run_visible_with(CHAPTER, grade_id, replaced)


def pool(x, kernel_size, stride, reduce):
    """Pooling by the reference's conventions (stride None: the kernel), any reduction of each window."""
    x = np.asarray(x, float)
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    sh, sw = (kh, kw) if stride is None else ((stride, stride) if isinstance(stride, int) else stride)
    if x.ndim != 4 or kh > x.shape[2] or kw > x.shape[3]:
        raise ValueError("x must be 4-D and the window must fit")
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
    return reduce(windows, axis=(4, 5))


def _defined(code: str, name: str):
    namespace = {"np": np}
    exec(code, namespace)  # noqa: S102 - a test's wrong answer
    return namespace[name]


last_on_ties_forward = _defined(LAST_ON_TIES, "maxpool2d_forward")


def spreading_forward(x, kernel_size, stride=None):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    sh, sw = (kh, kw) if stride is None else ((stride, stride) if isinstance(stride, int) else stride)
    return pool(x, kernel_size, stride, np.max), (np.shape(x), (kh, kw), (sh, sw))


def spreading_backward(dout, cache, scale=1.0):
    """The mistake: every cell of a window gets the window's gradient (times scale)."""
    x_shape, (kh, kw), (sh, sw) = cache
    dx = np.zeros(x_shape)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            dx[:, :, i * sh : i * sh + kh, j * sw : j * sw + kw] += scale * dout[:, :, i, j][:, :, None, None]
    return dx


def overwriting_backward(dout, cache):
    """The model's cache (x's shape, the argmax of each window), overlapping contributions overwritten."""
    x_shape, argmax = cache
    dx = np.zeros(x_shape)
    for n, c, i, j in np.ndindex(np.shape(dout)):
        p, q = argmax[n, c, i, j]
        dx[n, c, p, q] = dout[n, c, i, j]
    return dx


BUGGY = {
    "maxpool2d_forward: stride ignored": (
        "maxpool2d_forward_visible",
        {"maxpool2d_forward": lambda x, k, stride=None: solutions.maxpool2d_forward(x, k, 1)},
    ),
    "maxpool2d_forward: minimum instead of maximum": (
        "maxpool2d_forward_visible",
        {"maxpool2d_forward": lambda x, k, stride=None: (pool(x, k, stride, np.min), None)},
    ),
    "maxpool2d_forward: average instead of maximum": (
        "maxpool2d_forward_visible",
        {"maxpool2d_forward": lambda x, k, stride=None: (pool(x, k, stride, np.mean), None)},
    ),
    "maxpool2d_forward: pairs read as squares": (
        "maxpool2d_forward_visible",
        {
            "maxpool2d_forward": lambda x, k, stride=None: solutions.maxpool2d_forward(
                x, first(k), first(stride)
            )
        },
    ),
    "maxpool2d_forward: channels pooled together": (
        "maxpool2d_forward_visible",
        {
            "maxpool2d_forward": lambda x, k, stride=None: (
                np.broadcast_to(
                    pool(x, k, stride, np.max).max(axis=1, keepdims=True), pool(x, k, stride, np.max).shape
                ),
                None,
            )
        },
    ),
    "maxpool2d_forward: last maximum taken on ties (>=)": (
        "maxpool2d_forward_visible",
        {"maxpool2d_forward": last_on_ties_forward},
    ),
    "maxpool2d_forward: argmax as the position inside the window": (
        "maxpool2d_forward_visible",
        {
            "maxpool2d_forward": lambda x, k, stride=None: (
                solutions.maxpool2d_forward(x, k, stride)[0],
                (np.shape(x), solutions.maxpool2d_forward(x, k, stride)[1]["argmax"]),
            )
        },
    ),
    "maxpool2d_backward: gradient to every cell of the window": (
        "maxpool2d_backward_visible",
        {"maxpool2d_forward": spreading_forward, "maxpool2d_backward": spreading_backward},
    ),
    "maxpool2d_backward: gradient averaged over the window": (
        "maxpool2d_backward_visible",
        {
            "maxpool2d_forward": spreading_forward,
            "maxpool2d_backward": lambda dout, cache: spreading_backward(dout, cache, 1 / np.prod(cache[1])),
        },
    ),
    "maxpool2d_backward: overlaps overwritten": (
        "maxpool2d_backward_visible",
        {"maxpool2d_backward": overwriting_backward},
    ),
    "avgpool2d: kernel_size read as a square": (
        "avgpool2d_visible",
        {"avgpool2d": lambda x, k, stride=None: solutions.avgpool2d(x, first(k), stride)},
    ),
    "avgpool2d: stride read as a square": (
        "avgpool2d_visible",
        {"avgpool2d": lambda x, k, stride=None: solutions.avgpool2d(x, k, first(stride))},
    ),
    "avgpool2d: stride ignored": (
        "avgpool2d_visible",
        {"avgpool2d": lambda x, k, stride=None: solutions.avgpool2d(x, k, 1)},
    ),
    "avgpool2d: sum instead of mean": (
        "avgpool2d_visible",
        {"avgpool2d": lambda x, k, stride=None: pool(x, k, stride, np.sum)},
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
    # The reference's forward pass, its cache in the form the docstring states (x_shape, argmax); the
    # backward passes are the model's, which read that cache.
    reference = {"maxpool2d_forward": ch07_pooling._forward, "avgpool2d": solutions.avgpool2d}
    run_visible(grade_id, {n: reference[n] for n in reference if n in (name, "maxpool2d_forward")})


def test_a_backward_pass_failing_on_ties_because_of_the_cache_names_the_forward_pass():
    """The backward pass is right; the cache of the forward pass keeps the last maximum on ties."""
    with pytest.raises(AssertionError, match="Fix maxpool2d_forward first") as caught:
        run_visible("maxpool2d_backward_visible", {"maxpool2d_forward": last_on_ties_forward})
    assert "(0, 0)" in str(caught.value) and "(1, 1)" in str(caught.value)


def test_the_graded_cache_is_the_first_maximum_of_each_window():
    """The grader's expected argmax (from the vectorised reference) against a loop over the windows with
    np.argmax, on every forward case; the tie cases are where the first and the last maximum differ."""
    exercise = exercises.exercise("maxpool2d_forward")
    ties = 0
    for case in exercise.cases():
        x, kernel_size, stride = case.args
        try:
            out, (x_shape, argmax) = exercise.reference(*case.args)
        except ValueError:
            continue
        kh, kw = (kernel_size,) * 2 if isinstance(kernel_size, int) else kernel_size
        sh, sw = (kh, kw) if stride is None else ((stride,) * 2 if isinstance(stride, int) else stride)
        assert x_shape == np.shape(x) and argmax.shape == (*out.shape, 2)
        for n, c, i, j in np.ndindex(out.shape):
            window = np.asarray(x, float)[n, c, i * sh : i * sh + kh, j * sw : j * sw + kw]
            m, l = divmod(int(np.argmax(window)), kw)
            assert tuple(argmax[n, c, i, j]) == (i * sh + m, j * sw + l)
            ties += np.count_nonzero(window == window.max()) > 1
    assert ties >= 20
