"""The ``receptive-field`` explorer of chapter 02 in the browser: its recursion equals
``solutions.receptive_field`` on 300 stacks (and every refusal says what the reference says), the input
pixels it marks are those an impulse reaches through the stack run for real (all-ones kernels, with
``solutions.dilated_correlate2d``), it is driven by the keyboard alone, it says each step in words, and it
passes axe at 1280 px, 320 px and in dark mode."""

from __future__ import annotations

import random
import statistics

import numpy as np
import pytest
from explorers import Explorer, assert_accessible_everywhere, assert_refused_in_words

import solutions

pytestmark = pytest.mark.slow

PAGE = "chapters/02_motivations/02_motivations.html"
NAME = "receptive-field"
MAX_LAYERS, MAX_INPUT, MAX_UNITS = 4, 64, 8
HINT = {"layers": 2, "k1": 3, "s1": 2, "d1": 1, "k2": 3, "s2": 1, "d2": 1, "units": 3}  # the hint's stack


def setting(stack: list[tuple], units: int) -> dict:
    """The explorer's params for ``stack`` (the unused layers' controls at their defaults)."""
    params = {"layers": len(stack)}
    for i in range(MAX_LAYERS):
        k, s, d = stack[i] if i < len(stack) else (3, 1, 1)
        params |= {f"k{i + 1}": k, f"s{i + 1}": s, f"d{i + 1}": d}
    return params | {"units": units}


def stack_of(params: dict) -> list[tuple]:
    return [tuple(params[f"{key}{i + 1}"] for key in "ksd") for i in range(params["layers"])]


def reached(stack: list[tuple], length: int) -> np.ndarray:
    """paths[u, p]: what unit u of the last layer reads of an impulse at input pixel p, the stack run
    forward on all ``length`` impulses at once (the rows of an identity matrix), all-ones kernels."""
    x = np.eye(length)
    for k, s, d in stack:
        x = solutions.dilated_correlate2d(x, np.ones((1, k)), (1, d))[:, ::s]
    return np.rint(x.T).astype(int)


def expected(params: dict) -> dict:
    """What the explorer must show (or its refusal), from the reference and the definition."""
    stack = stack_of(params)
    try:
        r = solutions.receptive_field(stack)
    except ValueError as error:
        return {"error": str(error)}
    units = params["units"]
    if units > MAX_UNITS:
        return {"error": f"This explorer draws output units up to {MAX_UNITS}, got {units}"}
    jump = int(np.prod([s for _, s, _ in stack]))
    length = r + (units - 1) * jump  # just long enough for `units` units in the last layer
    if length > MAX_INPUT:
        return {"error": f"This explorer draws inputs of length up to {MAX_INPUT}, got {length}"}
    paths = reached(stack, length)
    assert paths.shape == (units, length)  # the input is exactly long enough
    return {
        "r": [solutions.receptive_field(stack[:i]) for i in range(len(stack) + 1)],
        "j": [int(np.prod([s for _, s, _ in stack[:i]])) for i in range(len(stack) + 1)],
        "receptive_field": r,
        "paths": paths.tolist(),
        "pixels": [np.flatnonzero(row).tolist() for row in paths],
        "layers": [list(layer) for layer in stack],
        "error": None,
    }


def settings() -> list[dict]:
    """300 stacks of 0 to 4 layers, plus the edge cases: no layer, 1-tap kernels, strides larger than the
    kernel (pixels skipped), dilation after a stride and dilations that leave holes (gridding), the input
    at its largest, and refusals of the reference (a value below 1 or not an integer in any layer) and of
    the explorer (too long an input, too many units)."""
    rng = random.Random(2)
    out = []
    while len(out) < 270:
        n = rng.randrange(0, MAX_LAYERS + 1)
        stack = [(rng.randrange(1, 6), rng.randrange(1, 4), rng.randrange(1, 5)) for _ in range(n)]
        out.append(setting(stack, rng.randrange(1, 5)))
    edges = [
        ([], 1),
        ([], 8),
        ([(1, 1, 1)] * 4, 2),
        ([(2, 3, 1)], 3),  # stride larger than the kernel: pixels between windows are never read
        ([(2, 3, 1), (2, 1, 1)], 2),
        ([(3, 2, 1), (3, 1, 2)], 3),  # a dilation after a stride
        ([(3, 1, 2), (3, 1, 2)], 1),  # gridding: only every other pixel
        ([(3, 1, 1), (3, 1, 2), (3, 1, 4)], 2),  # 1, 2, 4: no holes
        ([(3, 1, 2), (3, 1, 4), (3, 1, 8)], 1),  # 2, 4, 8: holes
        ([(5, 1, 4)] * 3 + [(5, 1, 3)], 1),  # the input at 61 pixels
        ([(3, 1, 2), (3, 1, 1)], 8),
        ([(7, 2, 1), (3, 2, 1), (3, 1, 1)], 2),
    ]
    out += [setting(stack, units) for stack, units in edges]
    refused = [
        ({"layers": 1, "k1": 0}, "layers[0] must be >= 1, got 0"),
        ({"layers": 2, "s2": 0}, "layers[1] must be >= 1, got 0"),
        ({"layers": 3, "d3": 0}, "layers[2] must be >= 1, got 0"),
        ({"layers": 4, "d4": -2}, "layers[3] must be >= 1, got -2"),
        ({"layers": 2, "k2": 2.5}, "layers[1] must be an integer, got 2.5"),
        ({"layers": 1, "s1": "x"}, "layers[0] must be an integer, got 'x'"),
        ({"layers": 4, "k1": 9, "d1": 8}, None),  # 65 pixels: the explorer's bound
        ({"layers": 1, "units": 9}, None),
        ({"layers": 2, "k1": 5, "s1": 4, "units": 8}, None),
    ]
    base = setting([(3, 1, 1)] * 4, 2)
    out += [base | change for change, _ in refused]
    return out


def test_recursion_and_pixels_equal_the_reference_on_300_stacks(visit, served):
    cases = settings()
    assert len(cases) >= 200
    explorer = Explorer(visit, served, PAGE, NAME)
    states = explorer.states(cases)
    wrong, refused, holes = [], 0, 0
    for s, state in zip(cases, states, strict=True):
        want = expected(s)
        if want["error"] is not None:
            refused += 1
            if state["error"] != want["error"] or "paths" in state or state["step"] is not None:
                wrong.append((s, want["error"], state))
            continue
        got = {key: state.get(key) for key in want}
        if got != want or state["params"] != s or state["step"] != 0:
            wrong.append((s, want, state))
        holes += any(len(p) < want["receptive_field"] for p in want["pixels"])
    assert refused >= 9 and holes >= 5, (refused, holes)  # the refusals and the gridding cases were met
    assert not wrong, wrong[:3]
    assert not explorer.problems, explorer.problems


BEYOND = [
    ({"layers": 5}, "This explorer draws layers up to 4, got 5"),
    ({"layers": -1}, "layers must be >= 0, got -1"),
    ({"s1": 0}, "layers[0] must be >= 1, got 0"),
    ({"units": 0}, "units must be >= 1, got 0"),
]


def test_settings_it_cannot_draw_are_refused_in_words(visit, served):
    """One page, one round trip for every setting refused."""
    cases = [({**HINT, **params}, message) for params, message in BEYOND]
    assert_refused_in_words(Explorer(visit, served, PAGE, NAME), cases)


def test_keyboard_alone_steps_and_adds_a_layer(visit, served):
    explorer = Explorer(visit, served, PAGE, NAME, HINT)
    page = explorer.page
    state = explorer.state()
    assert state["receptive_field"] == 7 and state["pixels"][0] == list(range(7))  # the hint: 7 pixels
    explorer.tab_to_stepper()
    assert explorer.focus_is_visible()
    page.keyboard.press("End")
    assert explorer.state()["step"] == 2
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")
    assert explorer.state()["step"] == 1
    # by hand: unit 1 of layer 2 reads layer-1 units 1, 2, 3, which read pixels 2-4, 4-6 and 6-8
    assert explorer.live_text() == (
        "unit 1 of layer 2 reads input pixels 2 to 8: r = 1 + (3−1)×1×1 + (3−1)×1×2 = 7"
    )

    explorer.tab_to_figure()
    assert explorer.focus_is_visible()
    page.keyboard.press("ArrowDown")
    assert explorer.state()["step"] == 2
    assert explorer.state()["pixels"][2] == list(range(4, 11))  # a jump of j = 2 pixels per unit

    explorer.tab_to_control("layers")  # a third layer, dilated twice: r = 7 + (3 - 1) * 2 * 2
    assert explorer.focus_is_visible()
    history = page.evaluate("history.length")
    page.keyboard.press("ArrowUp")
    explorer.tab_to_control("d3")
    page.keyboard.press("Control+A")
    page.keyboard.type("2")
    state = explorer.state()
    assert state["layers"] == [[3, 2, 1], [3, 1, 1], [3, 1, 2]]
    assert state["receptive_field"] == 15 == solutions.receptive_field([(3, 2, 1), (3, 1, 1), (3, 1, 2)])
    assert page.evaluate("location.hash") == (
        "#explore-receptive-field=layers=3,k1=3,s1=2,d1=1,k2=3,s2=1,d2=1,k3=3,s3=1,d3=2,k4=3,s4=1,d4=1,units=3"
    )
    assert page.evaluate("history.length") == history, "typing a value added history entries"
    assert not explorer.problems, explorer.problems


def test_holes_are_said_in_words(visit, served):
    explorer = Explorer(visit, served, PAGE, NAME, setting([(3, 1, 2), (3, 1, 2)], 1))
    assert explorer.state()["pixels"] == [[0, 2, 4, 6, 8]]
    assert explorer.live_text() == (
        "unit 0 of layer 2 reads input pixels 0 to 8 (5 of them; the others are skipped): "
        "r = 1 + (3−1)×2×1 + (3−1)×2×1 = 9"
    )
    assert explorer.root.locator(".xp-unread").count() == 4


def test_accessible_at_both_widths_and_in_dark_mode(visit, served, request):
    explorer = Explorer(visit, served, PAGE, NAME, setting([(3, 2, 1), (3, 1, 2), (2, 1, 1)], 3))
    assert_accessible_everywhere(explorer, request)


def test_a_step_updates_in_a_frame(visit, served):
    """Reports (never asserts) how long each step takes: 8 units over a 4-layer stack of 36 input pixels."""
    explorer = Explorer(visit, served, PAGE, NAME, setting([(5, 1, 2), (5, 1, 2), (5, 1, 2), (3, 1, 2)], 8))
    explorer.tab_to_stepper()
    for _ in range(7):
        explorer.page.keyboard.press("ArrowRight")
    assert explorer.state()["step"] == 7
    times = explorer.update_times_ms()
    print(
        f"\n{NAME}: {len(times)} updates, median {statistics.median(times):.2f} ms, max {max(times):.2f} ms"
    )
