"""The ``correlation`` explorer of chapter 01 in the browser: its numbers equal ``solutions.correlate2d`` and
``solutions.convolve2d`` on 300+ settings (and every refusal says what the reference says), it is driven by
the keyboard alone, it says each step in words, and it passes axe at 1280 px, 320 px and in dark mode."""

from __future__ import annotations

import itertools
import random
import statistics

import numpy as np
import pytest
from explorers import (
    DIGIT_REFUSALS,
    SOBEL_X,
    Explorer,
    assert_accessible_everywhere,
    assert_fallback_without_javascript,
    assert_refused_in_words,
    digit,
)

import solutions

pytestmark = pytest.mark.slow

PAGE = "chapters/01_convolution/01_convolution.html"
NAME = "correlation"
WORKED = {"h": 3, "w": 3, "kh": 2, "kw": 2, "op": "correlation", "seed": 0}  # the chapter's worked example


def minstd(x: int) -> int:
    return x * 48271 % 2147483647


def values(h: int, w: int, kh: int, kw: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The image and kernel the explorer shows, rebuilt from its params (as its module documents)."""
    if seed == 0:
        image = np.array([[(i * w + j) % 10 for j in range(w)] for i in range(h)])
        return image, np.arange(1, kh * kw + 1).reshape(kh, kw)
    draws, x = [], seed
    for _ in range(h * w + kh * kw):
        x = minstd(x)
        draws.append(x % 7 - 3)
    return np.array(draws[: h * w]).reshape(h, w), np.array(draws[h * w :]).reshape(kh, kw)


def settings() -> list[dict]:
    """300 settings drawn from every size the explorer draws, plus the edge cases: the kernel as large as
    the image, 1 x 1 kernels, one-row and one-column images, and kernels larger than the image."""
    rng = random.Random(0)
    sizes = list(itertools.product(range(1, 9), range(1, 9), range(1, 6), range(1, 6)))
    chosen = rng.sample(sizes, 260)
    chosen += [(h, w, h, w) for h, w in [(1, 1), (3, 3), (4, 5), (5, 2)]]  # kernel = image
    chosen += [(5, 7, 1, 1), (1, 8, 1, 3), (8, 1, 4, 1), (8, 8, 5, 5), (7, 6, 2, 5)]
    chosen += [(3, 3, 4, 2), (2, 5, 1, 5 + 0), (4, 4, 5, 5), (1, 1, 1, 2)]  # last three: larger kernels
    out = []
    for n, (h, w, kh, kw) in enumerate(chosen):
        seed = 0 if n % 3 == 0 else rng.randrange(1, 100000)
        op = ("correlation", "convolution")[n % 2]
        out.append({"h": h, "w": w, "kh": kh, "kw": kw, "op": op, "seed": seed})
    return out


def expected(s: dict) -> tuple[np.ndarray | None, str | None]:
    image, kernel = values(s["h"], s["w"], s["kh"], s["kw"], s["seed"])
    operation = solutions.convolve2d if s["op"] == "convolution" else solutions.correlate2d
    try:
        return operation(image, kernel), None
    except ValueError as error:
        return None, str(error)


def test_numbers_equal_the_reference_on_300_settings(visit, served):
    cases = settings()
    assert len(cases) >= 200
    explorer = Explorer(visit, served, PAGE, NAME)
    states = explorer.states(cases)
    wrong, refused = [], 0
    for s, state in zip(cases, states, strict=True):
        want, error = expected(s)
        image, kernel = values(s["h"], s["w"], s["kh"], s["kw"], s["seed"])
        if error is not None:
            refused += 1
            if state["error"] != error or "output" in state:
                wrong.append((s, error, state))
            continue
        flipped = kernel[::-1, ::-1] if s["op"] == "convolution" else kernel
        got = (
            state["error"] is None
            and state["params"] == s
            and state["shape"] == list(want.shape)
            and np.array_equal(state["output"], want)
            and np.array_equal(state["image"], image)
            and np.array_equal(state["kernel"], kernel)
            and np.array_equal(state["used"], flipped)
        )
        if not got:
            wrong.append((s, want.tolist(), state))
    assert refused >= 4
    assert not wrong, wrong[:3]
    assert not explorer.problems, explorer.problems


BEYOND = [
    ({"h": 9}, "This explorer draws images up to 8, got 9"),
    ({"kw": 6}, "This explorer draws kernels up to 5, got 6"),
    ({"h": "x"}, "h must be an integer, got 'x'"),
    ({"kh": 0}, "kh must be >= 1, got 0"),
    ({"op": "flip"}, "op must be 'correlation' or 'convolution', got 'flip'"),
]


def test_settings_it_cannot_draw_are_refused_in_words(visit, served):
    """One page, one round trip for every setting refused."""
    cases = [({**WORKED, **params}, message) for params, message in BEYOND]
    assert_refused_in_words(Explorer(visit, served, PAGE, NAME), cases)


def test_keyboard_alone_steps_flips_and_resizes(visit, served):
    explorer = Explorer(visit, served, PAGE, NAME, WORKED)
    page = explorer.page
    assert explorer.state()["output"] == [[27, 37], [57, 67]]  # the worked example's I * K
    explorer.tab_to_stepper()
    assert explorer.focus_is_visible()
    page.keyboard.press("End")
    assert explorer.state()["step"] == [1, 1]
    page.keyboard.press("Home")
    assert explorer.state()["step"] == [0, 0]
    page.keyboard.press("ArrowRight")
    assert explorer.state()["step"] == [0, 1]
    assert explorer.live_text() == "output (0, 1) = 1×1 + 2×2 + 4×3 + 5×4 = 37"

    explorer.tab_to_figure()  # the figure itself: arrows move in two dimensions
    assert explorer.focus_is_visible()
    page.keyboard.press("ArrowDown")
    assert explorer.state()["step"] == [1, 1]
    page.keyboard.press("ArrowLeft")
    assert explorer.state()["step"] == [1, 0]
    page.keyboard.press("ArrowRight")

    explorer.tab_to_control("op")
    assert explorer.focus_is_visible()
    page.keyboard.press("ArrowDown")  # correlation -> convolution
    state = explorer.state()
    assert state["params"]["op"] == "convolution"
    assert state["output"] == [[13, 23], [43, 53]]  # the worked example's I * K, the kernel flipped
    assert explorer.live_text() == "output (1, 1) = 4×4 + 5×3 + 7×2 + 8×1 = 53 (kernel flipped)"

    history = page.evaluate("history.length")
    state = explorer.type_value("w", "5")
    assert state["shape"] == [2, 4]
    assert state["output"] == solutions.convolve2d(*values(3, 5, 2, 2, 0)).tolist()
    assert page.evaluate("location.hash") == "#explore-correlation=h=3,w=5,kh=2,kw=2,op=convolution,seed=0"
    assert page.evaluate("history.length") == history, "typing a value added history entries"
    assert not explorer.problems, explorer.problems


def test_accessible_at_both_widths_and_in_dark_mode(visit, served, request):
    explorer = Explorer(visit, served, PAGE, NAME, {**WORKED, "w": 4, "kw": 3, "op": "convolution"})
    assert_accessible_everywhere(explorer, request)


def test_a_digit_through_sobel_x_equals_the_reference(visit, served):
    """input=digit: each of the ten digits of chapter 08 (read here from digits.npz) through chapter 01's
    Sobel x, correlated and convolved, equals ``solutions``; the sizes and the seed no longer apply."""
    cases = [
        {"op": op, "input": "digit", "digit": d} for d in range(10) for op in ("correlation", "convolution")
    ]
    explorer = Explorer(visit, served, PAGE, NAME)
    wrong = []
    states = explorer.states(cases)
    for s, state in zip(cases, states, strict=True):
        image = digit(s["digit"])
        operation = solutions.convolve2d if s["op"] == "convolution" else solutions.correlate2d
        want = operation(image, SOBEL_X)
        if not (
            state["error"] is None
            and state["params"] == s
            and np.array_equal(state["image"], image)
            and np.array_equal(state["kernel"], SOBEL_X)
            and state["shape"] == [6, 6]
            and np.array_equal(state["output"], want)
        ):
            wrong.append((s, want.tolist(), state))
    assert not wrong, wrong[:2]
    # chapter 01's text: convolution flips Sobel x, which flips every sign
    for correlated, convolved in zip(states[::2], states[1::2], strict=True):
        assert np.array_equal(convolved["output"], -np.array(correlated["output"]))
    # digit 0's first window, by hand: rows 0 0 5 / 0 0 13 / 0 3 15 against 1 0 -1 / 2 0 -2 / 1 0 -1
    explorer.set(op="correlation", input="digit", digit=0)
    assert explorer.live_text() == (
        "output (0, 0) = 0×1 + 0×0 + 5×(-1) + 0×2 + 0×0 + 13×(-2) + 0×1 + 3×0 + 15×(-1) = -46"
    )
    # only the parameters that apply are shown, and written into the address
    shown = explorer.root.locator(".xp-control").evaluate_all(
        "ls => ls.filter(l => !l.hidden).map(l => l.firstChild.textContent.trim())"
    )
    assert shown == ["Operation", "Input", "Digit"], shown
    assert explorer.type_value("digit", "7")["image"] == digit(7).tolist()
    assert (
        explorer.page.evaluate("location.hash") == "#explore-correlation=op=correlation,input=digit,digit=7"
    )
    assert_refused_in_words(explorer, [({**WORKED, **params}, message) for params, message in DIGIT_REFUSALS])


def test_the_digit_setting_is_accessible_at_both_widths_and_in_dark_mode(visit, served, request):
    explorer = Explorer(visit, served, PAGE, NAME, {"op": "convolution", "input": "digit", "digit": 3})
    assert_accessible_everywhere(explorer, request)


def test_a_step_updates_in_a_frame(visit, served):
    """Reports (never asserts) how long each step takes: 49 steps of an 8 x 8 image."""
    explorer = Explorer(visit, served, PAGE, NAME, {**WORKED, "h": 8, "w": 8, "seed": 7})
    explorer.tab_to_stepper()
    for _ in range(48):
        explorer.page.keyboard.press("ArrowRight")
    assert explorer.state()["step"] == [6, 6]
    times = explorer.update_times_ms()
    print(
        f"\n{NAME}: {len(times)} updates, median {statistics.median(times):.2f} ms, max {max(times):.2f} ms"
    )


def test_without_javascript_the_page_keeps_its_figures(browser, served):
    assert_fallback_without_javascript(browser, served, PAGE, NAME)
