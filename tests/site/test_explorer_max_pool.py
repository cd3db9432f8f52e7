"""The ``max-pool`` explorer of chapter 07 in the browser: its outputs, argmax and dx equal
``solutions.maxpool2d_forward`` (out and the cache's argmax) and ``solutions.maxpool2d_backward`` on 300+
settings, many with ties and overlapping windows (and every refusal says what the reference says), it is
driven by the keyboard alone, it says each step in words, and it passes axe at 1280 px, 320 px and dark."""

from __future__ import annotations

import itertools
import random
import statistics

import numpy as np
import pytest
from explorers import DIGIT_REFUSALS, Explorer, assert_accessible_everywhere, assert_refused_in_words, digit

import solutions

pytestmark = pytest.mark.slow

PAGE = "chapters/07_pooling/07_pooling.html"
NAME = "max-pool"
# The chapter's 6 x 6 animation input (seed 0 tiles it), written out here from the chapter's figure.
X = np.array(
    [
        [1, 3, 2, 0, 4, 1],
        [4, 2, 1, 5, 0, 2],
        [0, 1, 3, 2, 6, 1],
        [2, 6, 1, 1, 2, 3],
        [5, 0, 2, 4, 1, 1],
        [1, 2, 7, 0, 3, 2],
    ]
)
ANIMATION = {"h": 6, "w": 6, "kh": 2, "kw": 2, "sh": 2, "sw": 2, "seed": 0}
OVERLAP = {"h": 4, "w": 4, "kh": 2, "kw": 2, "sh": 1, "sw": 1, "seed": 0}  # the first figure's input


def image(h: int, w: int, seed: int) -> np.ndarray:
    """The input the explorer shows, rebuilt from its params (as its module documents)."""
    if seed == 0:
        return np.array([[X[i % 6, j % 6] for j in range(w)] for i in range(h)])
    draws, v = [], seed
    for _ in range(h * w):
        v = v * 48271 % 2147483647
        draws.append(v % 4)
    return np.array(draws).reshape(h, w)


def expected(s: dict):
    """(x, out, argmax, dout, dx) from the reference, or the reference's refusal message."""
    x = image(s["h"], s["w"], s["seed"])
    try:
        out, cache = solutions.maxpool2d_forward(x[None, None], (s["kh"], s["kw"]), (s["sh"], s["sw"]))
    except ValueError as error:
        return str(error)
    ho, wo = out.shape[2:]
    dout = np.arange(1, ho * wo + 1, dtype=float).reshape(1, 1, ho, wo)
    dx = solutions.maxpool2d_backward(dout, cache)
    return x, out[0, 0], cache["argmax"][0, 0], dout[0, 0], dx[0, 0]


def settings() -> list[dict]:
    """300 settings from every size the explorer draws, two thirds of them seeded (values 0..3: ties), plus
    the edge cases: the window as large as the image, strides larger than the window (pixels never read),
    stride 1 with large windows (a pixel in many windows), 1 x 1 windows, and refusals."""
    rng = random.Random(7)
    sizes = list(
        itertools.product(range(1, 9), range(1, 9), range(1, 6), range(1, 6), range(1, 6), range(1, 6))
    )
    chosen = [c for c in rng.sample(sizes, 900) if c[2] <= c[0] and c[3] <= c[1]][:240]
    chosen += [(h, w, h, w, 1, 1) for h, w in [(1, 1), (3, 3), (4, 5), (5, 2), (5, 5)]]  # window = image
    chosen += [(8, 8, 2, 2, 3, 3), (8, 7, 1, 2, 5, 4), (7, 8, 3, 1, 4, 5), (6, 6, 2, 3, 5, 5)]  # stride > k
    chosen += [(8, 8, 5, 5, 1, 1), (7, 6, 4, 3, 1, 2), (8, 8, 1, 1, 1, 1), (5, 8, 1, 1, 2, 3)]
    chosen += [(3, 3, 4, 2, 1, 1), (2, 5, 3, 1, 1, 1), (4, 4, 5, 5, 2, 2), (1, 1, 1, 2, 1, 1)]  # too large
    chosen += [(4, 4, 0, 2, 1, 1), (4, 4, 2, 2, 0, 1), (4, 4, 2, 2, 1, -1)]  # sizes < 1
    out = []
    for n, (h, w, kh, kw, sh, sw) in enumerate(chosen):
        seed = 0 if n % 3 == 0 else rng.randrange(1, 100000)
        out.append({"h": h, "w": w, "kh": kh, "kw": kw, "sh": sh, "sw": sw, "seed": seed})
    return out


def test_numbers_equal_the_reference_on_300_settings(visit, served):
    cases = settings()
    assert len(cases) >= 200
    explorer = Explorer(visit, served, PAGE, NAME)
    states = explorer.states(cases)
    wrong, refused, tied, shared = [], 0, 0, 0
    for s, state in zip(cases, states, strict=True):
        want = expected(s)
        if isinstance(want, str):
            refused += 1
            if state["error"] != want or "out" in state or state["step"] is not None:
                wrong.append((s, want, state))
            continue
        x, out, argmax, dout, dx = want
        windows = np.lib.stride_tricks.sliding_window_view(x, (s["kh"], s["kw"]))[:: s["sh"], :: s["sw"]]
        tied += int(((windows == out[..., None, None]).sum(axis=(2, 3)) > 1).any())
        rows = np.arange(out.shape[0])[:, None] * s["sh"] + argmax // s["kw"]
        cols = np.arange(out.shape[1]) * s["sw"] + argmax % s["kw"]
        shared += int(len(set(zip(rows.ravel(), cols.ravel(), strict=True))) < out.size)
        got = (
            state["error"] is None
            and state["params"] == s
            and state["shape"] == list(out.shape)
            and np.array_equal(state["x"], x)
            and np.array_equal(state["out"], out)
            and np.array_equal(state["argmax"], argmax)
            and np.array_equal(state["dout"], dout)
            and np.array_equal(state["dx"], dx)
        )
        if not got:
            wrong.append((s, out.tolist(), dx.tolist(), state))
    assert refused >= 7
    assert tied >= 100, f"only {tied} settings have a window with tied maxima"
    assert shared >= 30, f"only {shared} settings route two gradients to one pixel"
    assert not wrong, wrong[:3]
    assert not explorer.problems, explorer.problems


REFUSED = [{"kh": 0}, {"kw": "a"}, {"sh": 2.5}, {"sw": 0}, {"kh": 5, "h": 4}, {"kw": 4, "w": 3}]
BEYOND = [
    ({"h": 9}, "This explorer draws images up to 8, got 9"),
    ({"kw": 6, "w": 8}, "This explorer draws windows up to 5, got 6"),
    ({"sh": 6}, "This explorer draws strides up to 5, got 6"),
    ({"w": "x"}, "w must be an integer, got 'x'"),
    ({"seed": -1}, "seed must be >= 0, got -1"),
]


def test_refusals_say_what_the_reference_says_and_settings_it_cannot_draw_are_refused_in_words(visit, served):
    """One page, one round trip: the reference's refusals in its words, then the explorer's own bounds."""
    cases = []
    for params in REFUSED:
        setting = {**OVERLAP, **params}
        message = expected(setting)
        assert isinstance(message, str), setting
        cases.append((setting, message))
    cases += [({**OVERLAP, **params}, message) for params, message in BEYOND]
    assert_refused_in_words(Explorer(visit, served, PAGE, NAME), cases)


def test_a_digit_max_pooled_equals_the_reference(visit, served):
    """input=digit: each digit of chapter 08 (read here from digits.npz) max-pooled, 2 x 2 and other windows
    and strides, equals ``solutions.maxpool2d_forward`` (out, argmax) and its backward pass (dx); a digit's
    background ties often."""
    rng = random.Random(2)
    cases = [
        {"kh": kh, "kw": kw, "sh": sh, "sw": sw, "input": "digit", "digit": d}
        for d in range(10)
        for kh, kw, sh, sw in [(2, 2, 2, 2), (3, 3, 1, 1), tuple(rng.randint(1, 5) for _ in range(4))]
    ]
    explorer = Explorer(visit, served, PAGE, NAME)
    wrong = []
    for s, state in zip(cases, explorer.states(cases), strict=True):
        x = digit(s["digit"])
        out, cache = solutions.maxpool2d_forward(x[None, None], (s["kh"], s["kw"]), (s["sh"], s["sw"]))
        dout = np.arange(1, out.size + 1, dtype=float).reshape(out.shape)
        dx = solutions.maxpool2d_backward(dout, cache)
        if not (
            state["error"] is None
            and state["params"] == s
            and np.array_equal(state["x"], x)
            and np.array_equal(state["out"], out[0, 0])
            and np.array_equal(state["argmax"], cache["argmax"][0, 0])
            and np.array_equal(state["dx"], dx[0, 0])
        ):
            wrong.append((s, out[0, 0].tolist(), state))
    assert not wrong, wrong[:2]
    explorer.set(kh=2, kw=2, sh=2, sw=2, input="digit", digit=0)
    # digit 0's first window, by hand: 0 0 / 0 0, four tied maxima
    assert explorer.live_text() == (
        "output (0, 0) = max(0, 0, 0, 0) = 0 at input (0, 0), the first of 4 equal maxima (row-major); "
        "dout (0, 0) = 1 goes to dx (0, 0): 0 + 1 = 1"
    )
    assert_refused_in_words(
        explorer, [({**OVERLAP, **params}, message) for params, message in DIGIT_REFUSALS]
    )


def test_the_digit_setting_is_accessible_at_both_widths_and_in_dark_mode(visit, served, request):
    setting = {"kh": 2, "kw": 2, "sh": 2, "sw": 2, "input": "digit", "digit": 3}
    assert_accessible_everywhere(Explorer(visit, served, PAGE, NAME, setting), request)


def test_keyboard_alone_steps_and_accumulates_the_gradient(visit, served):
    # The chapter's first figure's input, 2 x 2 windows with stride 1; by hand: the 6 at (3, 1) is the
    # maximum of windows (2, 0) and (2, 1), so dx there is dout 7 + 8.
    explorer = Explorer(visit, served, PAGE, NAME, OVERLAP)
    page = explorer.page
    state = explorer.state()
    assert state["out"] == [[4, 3, 5], [4, 3, 5], [6, 6, 3]]
    assert state["dx"] == [[0, 2, 0, 0], [5, 0, 0, 9], [0, 0, 14, 0], [0, 15, 0, 0]]
    explorer.tab_to_stepper()
    assert explorer.focus_is_visible()
    page.keyboard.press("End")
    assert explorer.state()["step"] == [2, 2]
    assert explorer.live_text() == (
        "output (2, 2) = max(3, 2, 1, 1) = 3 at input (2, 2); dout (2, 2) = 9 goes to dx (2, 2): 5 + 9 = 14"
    )
    page.keyboard.press("Home")
    assert explorer.state()["step"] == [0, 0]
    explorer.tab_to_figure()  # the figure itself: arrows move in two dimensions
    assert explorer.focus_is_visible()
    page.keyboard.press("ArrowDown")
    assert explorer.state()["step"] == [1, 0]
    assert explorer.live_text() == (
        "output (1, 0) = max(4, 2, 0, 1) = 4 at input (1, 0); dout (1, 0) = 4 goes to dx (1, 0): 1 + 4 = 5"
    )

    # Ties: seed 1's top-left window is [[3, 2], [1, 3]]; the first 3, at (0, 0), is its maximum.
    state = explorer.type_value("seed", "1")
    assert state["x"][:2] == [[3, 2, 2, 1], [1, 3, 1, 1]]
    explorer.tab_to_figure()
    page.keyboard.press("Home")
    assert explorer.state()["argmax"][0][0] == 0
    assert explorer.live_text() == (
        "output (0, 0) = max(3, 2, 1, 3) = 3 at input (0, 0), the first of 2 equal maxima (row-major); "
        "dout (0, 0) = 1 goes to dx (0, 0): 0 + 1 = 1"
    )
    history = page.evaluate("history.length")
    state = explorer.type_value("sw", "3")
    assert state["shape"] == [3, 1]
    assert page.evaluate("location.hash") == "#explore-max-pool=h=4,w=4,kh=2,kw=2,sh=1,sw=3,seed=1"
    assert page.evaluate("history.length") == history, "typing a value added history entries"
    # 2-wide windows 3 apart in 4 columns: one window per row, columns 2 and 3 are never read.
    unread = explorer.root.locator(".xp-grid").first.locator("span.xp-unread")
    assert unread.count() == 8
    assert not explorer.problems, explorer.problems


def test_accessible_at_both_widths_and_in_dark_mode(visit, served, request):
    explorer = Explorer(visit, served, PAGE, NAME, {**ANIMATION, "h": 7, "sh": 3, "seed": 1})
    assert_accessible_everywhere(explorer, request)


def test_a_step_updates_in_a_frame(visit, served):
    """Reports (never asserts) how long each step takes: 64 windows of an 8 x 8 input."""
    explorer = Explorer(visit, served, PAGE, NAME, {**ANIMATION, "h": 8, "w": 8, "sh": 1, "sw": 1, "seed": 5})
    explorer.tab_to_stepper()
    for _ in range(48):
        explorer.page.keyboard.press("ArrowRight")
    assert explorer.state()["step"] == [6, 6]
    times = explorer.update_times_ms()
    print(
        f"\n{NAME}: {len(times)} updates, median {statistics.median(times):.2f} ms, max {max(times):.2f} ms"
    )
