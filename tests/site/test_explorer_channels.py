"""The ``channels`` explorer of chapter 04 in the browser: its outputs equal ``solutions.conv2d`` (values and
shape) on 300+ settings of channels, filters, stride and padding (and every refusal says what the reference
says), each output is shown as its channels' sums plus the bias, it is driven by the keyboard alone, it
says each step in words, and it passes axe at 1280 px, 320 px and in dark mode."""

from __future__ import annotations

import itertools
import random
import statistics

import numpy as np
import pytest
from explorers import (
    DIGIT_REFUSALS,
    EDGES,
    Explorer,
    assert_accessible_everywhere,
    assert_refused_in_words,
    digit,
)

import solutions

pytestmark = pytest.mark.slow

PAGE = "chapters/04_channels/04_channels.html"
NAME = "channels"
KEYS = ("c", "f", "h", "w", "kh", "kw", "sh", "sw", "ph", "pw")
SMALL = {"c": 2, "f": 2, "h": 3, "w": 3, "kh": 2, "kw": 2, "sh": 1, "sw": 1, "ph": 0, "pw": 0, "seed": 1}


def values(c: int, f: int, h: int, w: int, kh: int, kw: int, seed: int):
    """x (C, H, W), weight (F, C, kh, kw) and bias (F,) as the explorer builds them (its module says how)."""
    draws, v = [], seed
    for _ in range(c * h * w + f * c * kh * kw + f):
        v = v * 48271 % 2147483647
        draws.append(v % 3)
    draws = np.array(draws)
    a, b = c * h * w, c * h * w + f * c * kh * kw
    return draws[:a].reshape(c, h, w), (draws[a:b] - 1).reshape(f, c, kh, kw), draws[b:] - 1


def expected(s: dict):
    """(x, weight, bias, out) from the reference, or the reference's refusal message."""
    x, weight, bias = values(*(s[k] for k in ("c", "f", "h", "w", "kh", "kw")), s["seed"])
    try:
        out = solutions.conv2d(x[None], weight, bias, (s["sh"], s["sw"]), (s["ph"], s["pw"]))
    except ValueError as error:
        return str(error)
    return x, weight, bias, out[0]


def channel_sums(s: dict, x, weight) -> np.ndarray:
    """(F, Ho, Wo, C): each channel's share of each output, from the definition (loops, no reference)."""
    xp = np.pad(x, ((0, 0), (s["ph"], s["ph"]), (s["pw"], s["pw"])))
    ho = (xp.shape[1] - s["kh"]) // s["sh"] + 1
    wo = (xp.shape[2] - s["kw"]) // s["sw"] + 1
    sums = np.zeros((weight.shape[0], ho, wo, x.shape[0]), dtype=int)
    for f, i, j, c in itertools.product(*map(range, sums.shape)):
        window = xp[c, i * s["sh"] : i * s["sh"] + s["kh"], j * s["sw"] : j * s["sw"] + s["kw"]]
        sums[f, i, j, c] = (window * weight[f, c]).sum()
    return sums


def settings() -> list[dict]:
    """300 settings from every size the explorer draws, plus the edge cases: the kernel equal to the padded
    input, strides larger than the kernel (pixels never read), padding wider than the kernel needs, one
    channel and one filter, and refusals (kernels larger than the padded input, stride < 1, padding < 0)."""
    rng = random.Random(4)
    grid = itertools.product(range(1, 4), range(1, 4), range(1, 7), range(1, 7), range(1, 5), range(1, 5))
    sizes = [g + (rng.randint(1, 3), rng.randint(1, 3), rng.randint(0, 2), rng.randint(0, 2)) for g in grid]
    chosen = [t for t in rng.sample(sizes, 600) if t[4] <= t[2] + 2 * t[8] and t[5] <= t[3] + 2 * t[9]][:250]
    chosen += [(2, 2, h, w, h + 2 * p, w + 2 * q, 1, 1, p, q) for h, w, p, q in [(2, 2, 1, 1), (3, 1, 0, 1)]]
    chosen += [(3, 3, 4, 4, 4, 4, 2, 3, 0, 0), (1, 1, 1, 1, 1, 1, 1, 1, 0, 0)]  # kernel = (padded) image
    chosen += [(3, 2, 6, 6, 1, 2, 3, 3, 0, 0), (2, 3, 5, 6, 2, 1, 3, 3, 1, 0), (1, 2, 6, 5, 1, 1, 3, 2, 2, 2)]
    chosen += [(1, 1, 6, 6, 4, 4, 1, 1, 2, 2), (3, 1, 1, 6, 3, 4, 1, 2, 1, 0), (1, 3, 2, 2, 1, 1, 1, 1, 2, 2)]
    chosen += [(2, 2, 2, 2, 4, 1, 1, 1, 0, 0), (1, 1, 1, 3, 2, 4, 1, 1, 0, 0), (3, 2, 2, 3, 4, 4, 1, 1, 0, 0)]
    chosen += [
        (2, 2, 4, 4, 3, 3, 0, 1, 0, 0),
        (2, 2, 4, 4, 3, 3, 1, -2, 0, 0),
        (2, 2, 4, 4, 3, 3, 1, 1, -1, 0),
    ]
    chosen += [(2, 2, 4, 4, 3, 3, 1, 1, 0, -1)]
    return [{**dict(zip(KEYS, t, strict=True)), "seed": rng.randrange(1, 100000)} for t in chosen]


def test_numbers_equal_the_reference_on_300_settings(visit, served):
    cases = settings()
    assert len(cases) >= 200
    explorer = Explorer(visit, served, PAGE, NAME)
    states = explorer.states(cases)
    wrong, refused = [], 0
    for s, state in zip(cases, states, strict=True):
        want = expected(s)
        if isinstance(want, str):
            refused += 1
            if state["error"] != want or "out" in state or state["step"] is not None:
                wrong.append((s, want, state))
            continue
        x, weight, bias, out = want
        sums = channel_sums(s, x, weight)
        got = (
            state["error"] is None
            and state["params"] == s
            and state["shape"] == list(out.shape)
            and np.array_equal(state["x"], x)
            and np.array_equal(state["weight"], weight)
            and np.array_equal(state["bias"], bias)
            and np.array_equal(state["out"], out)
            and np.array_equal(state["sums"], sums)
            and np.array_equal(sums.sum(axis=3) + bias[:, None, None], out)
        )
        if not got:
            wrong.append((s, out.tolist(), state))
    assert refused >= 7
    assert not wrong, wrong[:3]
    assert not explorer.problems, explorer.problems


REFUSED = [{"sh": 0}, {"sw": "a"}, {"ph": -1}, {"pw": 1.5}, {"kh": 4, "h": 2}, {"kw": 3, "w": 1, "pw": 0}]
BEYOND = [
    ({"c": 4}, "This explorer draws channels up to 3, got 4"),
    ({"f": 0}, "f must be >= 1, got 0"),
    ({"w": 7}, "This explorer draws images up to 6, got 7"),
    ({"ph": 3}, "This explorer draws paddings up to 2, got 3"),
    ({"seed": 0}, "seed must be >= 1, got 0"),
]


def test_refusals_say_what_the_reference_says_and_settings_it_cannot_draw_are_refused_in_words(visit, served):
    """One page, one round trip: the reference's refusals in its words, then the explorer's own bounds."""
    cases = []
    for params in REFUSED:
        setting = {**SMALL, **params}
        message = expected(setting)
        assert isinstance(message, str), setting
        cases.append((setting, message))
    cases += [({**SMALL, **params}, message) for params, message in BEYOND]
    assert_refused_in_words(Explorer(visit, served, PAGE, NAME), cases)


def test_a_digit_through_one_to_three_edge_filters_equals_the_reference(visit, served):
    """input=digit: each digit of chapter 08 (read here from digits.npz), one channel, through the first f of
    Sobel x, Sobel y and a Laplacian (bias 0), with strides and padding, equals ``solutions.conv2d``: one
    output map per filter."""
    rng = random.Random(1)
    cases = [
        {"f": rng.randint(1, 3), "sh": sh, "sw": sw, "ph": ph, "pw": pw, "input": "digit", "digit": d}
        for d in range(10)
        for sh, sw, ph, pw in [(1, 1, 1, 1), (2, 2, 1, 1), (rng.randint(1, 3), rng.randint(1, 3), 0, 2)]
    ]
    explorer = Explorer(visit, served, PAGE, NAME)
    wrong = []
    for s, state in zip(cases, explorer.states(cases), strict=True):
        x = digit(s["digit"])[None]
        weight = np.stack(EDGES[: s["f"]])[:, None]
        bias = np.zeros(s["f"])
        want = solutions.conv2d(x[None], weight, bias, (s["sh"], s["sw"]), (s["ph"], s["pw"]))[0]
        if not (
            state["error"] is None
            and state["params"] == s
            and np.array_equal(state["x"], x)
            and np.array_equal(state["weight"], weight)
            and np.array_equal(state["bias"], bias)
            and state["shape"] == list(want.shape)
            and np.array_equal(state["out"], want)
        ):
            wrong.append((s, want.tolist(), state))
    assert not wrong, wrong[:2]
    assert explorer.set(f=1, sh=1, sw=1, ph=1, pw=1, input="digit", digit=0)["step"] == [0, 0, 0]
    # the padded corner of digit 0 (rows 0 0 0 / 0 0 0 / 0 0 0 after one zero row and column) reads only zeros
    assert explorer.live_text() == "filter 0, output (0, 0) = 0 (channel 0) + 0 (bias) = 0"
    assert_refused_in_words(explorer, [({**SMALL, **params}, message) for params, message in DIGIT_REFUSALS])


def test_the_digit_setting_is_accessible_at_both_widths_and_in_dark_mode(visit, served, request):
    setting = {"f": 3, "sh": 1, "sw": 1, "ph": 1, "pw": 1, "input": "digit", "digit": 5}
    assert_accessible_everywhere(Explorer(visit, served, PAGE, NAME, setting), request)


def test_keyboard_alone_steps_through_filters_and_channels(visit, served):
    explorer = Explorer(visit, served, PAGE, NAME, SMALL)
    page = explorer.page
    state = explorer.state()
    # By hand: x[0] = [[1, 0, 0], [1, 1, 2], [2, 2, 2]], x[1] = [[2, 1, 2], [0, 0, 0], [0, 2, 2]];
    # filter 1 is [[-1, -1], [-1, 1]] on channel 0 and [[-1, 1], [-1, -1]] on channel 1, its bias -1.
    assert state["x"] == [[[1, 0, 0], [1, 1, 2], [2, 2, 2]], [[2, 1, 2], [0, 0, 0], [0, 2, 2]]]
    assert state["weight"][1] == [[[-1, -1], [-1, 1]], [[-1, 1], [-1, -1]]] and state["bias"][1] == -1
    explorer.tab_to_stepper()
    assert explorer.focus_is_visible()
    page.keyboard.press("End")
    assert explorer.state()["step"] == [1, 1, 1]
    page.keyboard.press("Home")
    assert explorer.state()["step"] == [0, 0, 0]
    explorer.tab_to_figure()  # arrows: right and left along a row, down and up a row (into the next filter)
    assert explorer.focus_is_visible()
    for key in ["ArrowDown", "ArrowDown", "ArrowRight"]:
        page.keyboard.press(key)
    assert explorer.state()["step"] == [1, 0, 1]
    # Window at (0, 1): channel 0 reads [[0, 0], [1, 2]] -> -1 + 2 = 1; channel 1 [[1, 2], [0, 0]] -> -1 + 2.
    assert explorer.live_text() == "filter 1, output (0, 1) = 1 (channel 0) + 1 (channel 1) + (-1) (bias) = 1"
    assert explorer.state()["out"][1][0][1] == 1
    page.keyboard.press("ArrowUp")
    assert explorer.state()["step"] == [0, 1, 1]

    history = page.evaluate("history.length")
    state = explorer.type_value("pw", "2")
    assert state["shape"] == [2, 2, 6]
    assert (
        page.evaluate("location.hash")
        == "#explore-channels=c=2,f=2,h=3,w=3,kh=2,kw=2,sh=1,sw=1,ph=0,pw=2,seed=1"
    )
    assert page.evaluate("history.length") == history, "typing a value added history entries"
    state = explorer.type_value("c", "3")
    x, weight, bias = values(3, 2, 3, 3, 2, 2, 1)
    assert state["out"] == solutions.conv2d(x[None], weight, bias, 1, (0, 2))[0].tolist()
    assert explorer.root.locator(".xp-panels").count() == 3 + 1  # one row per input channel, then the output
    assert not explorer.problems, explorer.problems


def test_accessible_at_both_widths_and_in_dark_mode(visit, served, request):
    setting = {
        "c": 3,
        "f": 3,
        "h": 6,
        "w": 6,
        "kh": 2,
        "kw": 3,
        "sh": 3,
        "sw": 2,
        "ph": 1,
        "pw": 2,
        "seed": 9,
    }
    explorer = Explorer(visit, served, PAGE, NAME, setting)
    assert_accessible_everywhere(explorer, request)


def test_a_step_updates_in_a_frame(visit, served):
    """Reports (never asserts) how long each step takes: 3 channels, 3 filters, 6 x 6 padded to 10 x 10."""
    setting = {
        "c": 3,
        "f": 3,
        "h": 6,
        "w": 6,
        "kh": 4,
        "kw": 4,
        "sh": 1,
        "sw": 1,
        "ph": 2,
        "pw": 2,
        "seed": 5,
    }
    explorer = Explorer(visit, served, PAGE, NAME, setting)
    explorer.tab_to_stepper()
    for _ in range(48):
        explorer.page.keyboard.press("ArrowRight")
    assert explorer.state()["step"] == [0, 6, 6]
    times = explorer.update_times_ms()
    print(
        f"\n{NAME}: {len(times)} updates, median {statistics.median(times):.2f} ms, max {max(times):.2f} ms"
    )
