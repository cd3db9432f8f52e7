"""The ``output-size`` explorer of chapter 03 in the browser: on 300+ settings its output size equals
``solutions.output_size``, its padded grid ``solutions.pad2d`` (all four modes), its output
``solutions.correlate2d_padded`` (of the padded image with the dilated kernel; of the image itself for
zero padding), and each refusal the reference's message; the rows the floor drops are the ones no window
reads. Driven by the keyboard alone, each step in words, axe-clean at 1280 and 320 px and in dark mode."""

from __future__ import annotations

import itertools
import random
import statistics

import numpy as np
import pytest
from explorers import (
    Explorer,
    assert_accessible_everywhere,
    assert_fallback_without_javascript,
    assert_refused_in_words,
)

import solutions

pytestmark = pytest.mark.slow

PAGE = "chapters/03_padding/03_padding.html"
NAME = "output-size"
MODES = ("zeros", "reflect", "replicate", "circular")
HINT = {"n": 6, "k": 3, "p": 1, "s": 2, "d": 1, "mode": "zeros"}  # the setting the exercise's hint links


def image(n: int) -> np.ndarray:
    """The image the explorer shows: 1, 2, 3, ... row by row."""
    return np.arange(1, n * n + 1).reshape(n, n)


def settings() -> list[dict]:
    """300 settings drawn from every size the explorer draws, plus the edge cases: the (dilated) kernel as
    large as the padded input, strides larger than the kernel, dilation with padding, and the settings
    the reference refuses (kernel too large, reflect padding >= n, circular padding > n)."""
    rng = random.Random(3)
    grid = list(itertools.product(range(1, 11), range(1, 8), range(5), range(1, 5), range(1, 4), MODES))
    chosen = rng.sample(grid, 260)
    chosen += [
        (3, 5, 1, 1, 1, "zeros"),  # kernel = padded input: one output
        (4, 3, 1, 2, 2, "reflect"),  # dilated span 5, padded 6
        (5, 3, 2, 3, 3, "replicate"),  # span 7 > n, fits the padded 9
        (2, 2, 2, 1, 3, "circular"),  # span 4 = padded 6 - 2; circular p = n
        (7, 1, 0, 4, 1, "zeros"),  # stride > kernel: columns skipped
        (9, 2, 1, 4, 1, "replicate"),
        (10, 3, 4, 3, 2, "reflect"),
        (6, 3, 1, 2, 1, "zeros"),  # the hint: the floor drops the last column
        (3, 7, 0, 1, 1, "zeros"),  # refused: kernel larger than the input
        (2, 4, 1, 1, 2, "zeros"),  # refused: dilated kernel larger than the padded input
        (2, 1, 2, 1, 1, "reflect"),  # refused: reflect padding >= n
        (1, 1, 2, 1, 1, "circular"),  # refused: circular padding > n
        (1, 1, 0, 1, 1, "reflect"),  # a 1 x 1 image, no padding: allowed
    ]
    keys = ("n", "k", "p", "s", "d", "mode")
    return [dict(zip(keys, c, strict=True)) for c in chosen]


def expected(c: dict) -> dict:
    """What the explorer must show for setting ``c``, from ``solutions`` (or its refusal)."""
    n, k, p, s, d, mode = (c[key] for key in ("n", "k", "p", "s", "d", "mode"))
    try:
        size = solutions.output_size(n, k, p, s, d)
        padded = solutions.pad2d(image(n), p, mode)
    except ValueError as error:
        return {"error": str(error)}
    output = solutions.correlate2d_padded(padded, solutions.dilate_kernel(np.ones((k, k)), d), 0, s)
    if mode == "zeros" and d == 1:
        np.testing.assert_array_equal(output, solutions.correlate2d_padded(image(n), np.ones((k, k)), p, s))
    span = d * (k - 1) + 1
    read = {o * s + a * d for o in range(size) for a in range(k)}
    return {
        "error": None,
        "shape": [size, size],
        "padded": padded.tolist(),
        "output": output.tolist(),
        "span": span,
        "unread": sorted(set(range(n + 2 * p)) - read),
        "dropped": n + 2 * p - ((size - 1) * s + span),
    }


def test_numbers_equal_the_reference_on_300_settings(visit, served):
    cases = settings()
    assert len(cases) >= 200
    explorer = Explorer(visit, served, PAGE, NAME)
    states = explorer.states(cases)
    wrong, refused = [], 0
    for c, state in zip(cases, states, strict=True):
        want = expected(c)
        refused += want["error"] is not None
        got = {key: state.get(key) for key in want}
        if got != want or state["params"] != c:
            wrong.append((c, want, state))
    assert refused >= 4
    assert not wrong, wrong[:3]
    assert not explorer.problems, explorer.problems


BEYOND = [
    ({"n": 11}, "This explorer draws input sizes up to 10, got 11", False),
    ({"p": 5}, "This explorer draws padding up to 4, got 5", False),
    ({"s": "two"}, "stride must be an integer, got 'two'", True),
    ({"p": -1}, "padding must be >= 0, got -1", True),
    ({"d": 0}, "dilation must be >= 1, got 0", True),
    (
        {"mode": "mirror"},
        "mode must be one of 'zeros', 'reflect', 'replicate', 'circular', got 'mirror'",
        True,
    ),
]


def test_settings_it_cannot_draw_are_refused_in_words(visit, served):
    """The explorer's own bounds in its words; everything else in the reference's (checked here too). One
    page, one round trip for every setting refused."""
    cases = [({**HINT, **params}, message) for params, message, _ in BEYOND]
    assert_refused_in_words(Explorer(visit, served, PAGE, NAME), cases)
    for (c, message), (_, _, reference) in zip(cases, BEYOND, strict=True):
        if reference:
            with pytest.raises(ValueError) as error:
                solutions.output_size(c["n"], c["k"], c["p"], c["s"], c["d"])
                solutions.pad2d(image(c["n"]), c["p"], c["mode"])
            assert str(error.value) == message


def test_the_hint_setting_shows_the_floor_dropping_the_last_column(visit, served):
    explorer = Explorer(visit, served, PAGE, NAME, HINT)
    state = explorer.state()
    assert state["shape"] == [3, 3] and state["unread"] == [7] and state["dropped"] == 1
    text = explorer.root.inner_text()
    assert "= ⌊(6 + 2×1 − 1×(3 − 1) − 1) / 2⌋ + 1 = ⌊5 / 2⌋ + 1 = 2 + 1 = 3" in text
    assert "no window reaches row 7 or column 7" in text
    assert explorer.root.locator(".xp-unread").count() == 15  # row 7 and column 7 of the 8 x 8 grid


def test_keyboard_alone_steps_and_changes_the_setting(visit, served):
    explorer = Explorer(visit, served, PAGE, NAME, HINT)
    page = explorer.page
    explorer.tab_to_stepper()
    assert explorer.focus_is_visible()
    page.keyboard.press("End")
    assert explorer.state()["step"] == [2, 2]
    # image rows and columns 3..5 (padded 4..6; padded row and column 7 are zeros): 22+23+24+28+...+36
    assert explorer.live_text() == (
        "output (2, 2) = sum of the padded input's 3 × 3 window at rows 4 to 6, columns 4 to 6 = 261"
    )
    page.keyboard.press("Home")
    assert explorer.live_text() == (
        "output (0, 0) = sum of the padded input's 3 × 3 window at rows 0 to 2, columns 0 to 2 = 18"
    )
    explorer.tab_to_figure()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    assert explorer.state()["step"] == [1, 1]

    explorer.tab_to_control("mode")
    page.keyboard.press("ArrowDown")  # zeros -> reflect
    state = explorer.state()
    assert state["params"]["mode"] == "reflect"
    assert state["padded"] == solutions.pad2d(image(6), 1, "reflect").tolist()

    history = page.evaluate("history.length")
    state = explorer.type_value("p", "0")
    assert state["shape"] == [2, 2] and state["unread"] == [5]
    state = explorer.type_value("d", "2")
    assert state["shape"] == [1, 1] and state["span"] == 5
    assert page.evaluate("location.hash") == "#explore-output-size=n=6,k=3,p=0,s=2,d=2,mode=reflect"
    assert page.evaluate("history.length") == history, "typing a value added history entries"
    assert not explorer.problems, explorer.problems


def test_accessible_at_both_widths_and_in_dark_mode(visit, served, request):
    explorer = Explorer(
        visit, served, PAGE, NAME, {**HINT, "n": 10, "p": 3, "s": 3, "d": 2, "mode": "reflect"}
    )
    assert_accessible_everywhere(explorer, request)


def test_a_step_updates_in_a_frame(visit, served):
    """Reports (never asserts) how long each step takes: 36 steps over a 14 x 14 padded input."""
    explorer = Explorer(visit, served, PAGE, NAME, {**HINT, "n": 10, "p": 2, "s": 2, "d": 1})
    explorer.tab_to_stepper()
    for _ in range(35):
        explorer.page.keyboard.press("ArrowRight")
    assert explorer.state()["step"] == [5, 5]
    times = explorer.update_times_ms()
    print(
        f"\n{NAME}: {len(times)} updates, median {statistics.median(times):.2f} ms, max {max(times):.2f} ms"
    )


def test_without_javascript_the_page_keeps_its_figures(browser, served):
    assert_fallback_without_javascript(browser, served, PAGE, NAME)
