"""The ``transposed`` explorer of chapter 09 in the browser: its output, canvas and stamp counts equal
``solutions.conv_transpose2d`` (its shape ``solutions.transposed_output_size``) on 316 settings (239 drawn,
77 refused: every refusal says what the reference says), it is driven by the keyboard alone, it says each
stamp in words, and it passes axe at 1280 px, 320 px and in dark mode."""

from __future__ import annotations

import itertools
import random
import statistics

import numpy as np
import pytest
from explorers import Explorer, assert_accessible_everywhere, assert_refused_in_words

import solutions

pytestmark = pytest.mark.slow

PAGE = "chapters/09_transposed/09_transposed.html"
NAME = "transposed"
KEYS = ("h", "w", "kh", "kw", "stride", "padding", "output_padding", "seed")
# The chapter's figure: x = 1, 2 / 3, 4, a 3 x 3 kernel of ones with a 2 in the centre, stride 2.
FIGURE = {"h": 2, "w": 2, "kh": 3, "kw": 3, "stride": 2, "padding": 0, "output_padding": 0, "seed": 0}


def minstd(x: int) -> int:
    return x * 48271 % 2147483647


def values(h: int, w: int, kh: int, kw: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The input and kernel the explorer shows, rebuilt from its params (as its module documents)."""
    if seed == 0:
        x = np.array([(i * w + j) % 9 + 1 for i in range(h) for j in range(w)]).reshape(h, w)
        kernel = np.ones((kh, kw), dtype=int)
        if kh % 2 and kw % 2:
            kernel[kh // 2, kw // 2] = 2
        return x, kernel
    draws, v = [], seed
    for _ in range(h * w + kh * kw):
        v = minstd(v)
        draws.append(v % 7 - 3)
    return np.array(draws[: h * w]).reshape(h, w), np.array(draws[h * w :]).reshape(kh, kw)


def transposed(x, kernel, s: dict, padding=None) -> np.ndarray:
    """``solutions.conv_transpose2d`` of one 2-D input and kernel with the setting's stride and padding."""
    p = s["padding"] if padding is None else padding
    out = solutions.conv_transpose2d(
        x[None, None], kernel[None, None], stride=s["stride"], padding=p, output_padding=s["output_padding"]
    )
    return out[0, 0]


def settings() -> list[dict]:
    """316 settings: 300 drawn from every size the explorer draws (some the reference refuses: padding that
    crops everything, output_padding >= stride), plus the edge cases: stride larger than the kernel (gaps no
    stamp reaches), 1 x 1 kernels, padding that leaves one pixel, output_padding = stride - 1 with padding,
    the checkerboard settings, and empty or out-of-range arguments."""
    rng = random.Random(0)
    grid = list(itertools.product(range(1, 7), range(1, 7), range(1, 6), range(1, 6), range(1, 5)))
    chosen = []
    for n, (h, w, kh, kw, stride) in enumerate(rng.sample(grid, 300)):
        output_padding = stride if n % 15 == 0 else rng.randrange(stride)  # one in 15 refused
        chosen.append((h, w, kh, kw, stride, rng.choice([0, 0, 0, 1, 1, 2, 3, 4]), output_padding))
    chosen += [
        (3, 4, 1, 2, 4, 0, 3),  # stride > kernel: gaps, and output_padding's zero rows
        (2, 3, 2, 1, 3, 0, 0),
        (5, 5, 1, 1, 1, 0, 0),  # 1 x 1 kernel, stride 1: the input itself times the weight
        (1, 1, 3, 3, 1, 1, 0),  # padding leaves one pixel
        (1, 2, 5, 5, 2, 2, 1),
        (2, 2, 3, 3, 2, 1, 1),  # the hint's setting
        (6, 6, 3, 3, 2, 1, 0),  # the chapter's checkerboard
        (6, 6, 4, 4, 2, 1, 0),  # ... and the kernel that avoids it
        (6, 6, 5, 5, 4, 4, 3),  # the largest canvas
        (1, 1, 1, 1, 1, 1, 0),  # padding crops everything
        (2, 2, 3, 3, 2, 0, 2),  # output_padding = stride
        (2, 2, 0, 3, 2, 0, 0),  # empty kernel
        (0, 2, 3, 3, 2, 0, 0),  # empty input
        (2, 2, 3, 3, 0, 0, 0),  # stride 0
        (2, 2, 3, 3, 2, -1, 0),  # negative padding
        (2, 2, 3, 3, 2, 0, -1),  # negative output_padding
    ]
    out = []
    for n, case in enumerate(chosen):
        seed = 0 if n % 3 == 0 else rng.randrange(1, 100000)
        out.append(dict(zip(KEYS, (*case, seed), strict=True)))
    return out


def expected(s: dict) -> dict | str:
    """What the explorer must show for setting ``s``, from ``solutions``; or the reference's refusal."""
    x, kernel = values(s["h"], s["w"], s["kh"], s["kw"], s["seed"])
    try:
        output = transposed(x, kernel, s)
    except ValueError as error:
        return str(error)
    shape = [
        solutions.transposed_output_size(n, k, s["padding"], s["stride"], s["output_padding"])
        for n, k in [(s["h"], s["kh"]), (s["w"], s["kw"])]
    ]
    return {
        "x": x.tolist(),
        "kernel": kernel.tolist(),
        "output": output.tolist(),
        "shape": shape,
        "canvas": transposed(x, kernel, s, padding=0).tolist(),  # before the crop
        "counts": transposed(np.ones_like(x), np.ones_like(kernel), s).tolist(),  # stamps per pixel
    }


def test_numbers_equal_the_reference_on_316_settings(visit, served):
    cases = settings()
    assert len(cases) >= 200
    explorer = Explorer(visit, served, PAGE, NAME)
    states = explorer.states(cases)
    wrong, refused, gaps = [], 0, 0
    for s, state in zip(cases, states, strict=True):
        want = expected(s)
        if isinstance(want, str):
            refused += 1
            if state["error"] != want or "output" in state or state["step"] is not None:
                wrong.append((s, want, state))
            continue
        got = {k: state.get(k) for k in want}
        if state["error"] is not None or state["params"] != s or got != want:
            wrong.append((s, want, state))
        gaps += min(min(row) for row in want["counts"]) == 0
    assert len(cases) - refused >= 200 and refused >= 20, refused
    assert gaps >= 5, "too few settings where the stride leaves pixels that no stamp reaches"
    assert not wrong, wrong[:3]
    assert not explorer.problems, explorer.problems


def test_the_checkerboard_of_a_kernel_the_stride_does_not_divide(visit, served):
    """The chapter's figure: a 6 x 6 input, stride 2, padding 1; away from the border a 3 x 3 kernel covers
    pixels 1, 2 or 4 times, a 4 x 4 kernel every pixel 4 times (2 stamps along each axis)."""
    explorer = Explorer(visit, served, PAGE, NAME)
    setting = {**FIGURE, "h": 6, "w": 6, "padding": 1}
    three, four = explorer.states([setting, {**setting, "kh": 4, "kw": 4}])
    inner = [np.array(state["counts"])[2:-2, 2:-2] for state in (three, four)]
    assert three["shape"] == [11, 11] and four["shape"] == [12, 12]
    assert set(inner[0].ravel()) == {1, 2, 4}
    assert set(inner[1].ravel()) == {4}


BEYOND = [
    ({"h": 7}, "This explorer draws inputs up to 6, got 7"),
    ({"kw": 6}, "This explorer draws kernels up to 5, got 6"),
    ({"stride": 5, "output_padding": 0}, "This explorer draws strides up to 4, got 5"),
    ({"padding": 5, "h": 6, "w": 6, "stride": 4}, "This explorer draws padding up to 4, got 5"),
    ({"h": "x"}, "h must be an integer, got 'x'"),
    ({"seed": -1}, "seed must be >= 0, got -1"),
]


def test_settings_it_cannot_draw_are_refused_in_words(visit, served):
    """One page, one round trip for every setting refused."""
    cases = [({**FIGURE, **params}, message) for params, message in BEYOND]
    assert_refused_in_words(Explorer(visit, served, PAGE, NAME), cases)


def test_keyboard_alone_steps_stamps_pads_and_crops(visit, served):
    explorer = Explorer(visit, served, PAGE, NAME, FIGURE)
    page = explorer.page
    state = explorer.state()
    # The chapter's figure, by hand: the centre receives all four stamps, 1 + 2 + 3 + 4.
    assert state["shape"] == [5, 5] and state["output"][2][2] == 10 and state["output"][0][0] == 1
    explorer.tab_to_stepper()
    assert explorer.focus_is_visible()
    page.keyboard.press("End")
    assert explorer.state()["step"] == [1, 1]
    page.keyboard.press("Home")
    assert explorer.state()["step"] == [0, 0]
    page.keyboard.press("ArrowRight")
    assert explorer.state()["step"] == [0, 1]
    # Stamp (0, 0) covers columns 0 to 2, stamp (0, 1) columns 2 to 4: they share column 2's three pixels.
    assert explorer.live_text() == (
        "input (0, 1) = 2 adds 2 × kernel to canvas rows 0 to 2, columns 2 to 4 (stamp 2 of 4), "
        "overlapping earlier stamps at 3 pixels"
    )

    explorer.tab_to_figure()  # the figure itself: arrows move in two dimensions
    assert explorer.focus_is_visible()
    page.keyboard.press("ArrowDown")
    assert explorer.state()["step"] == [1, 1]
    page.keyboard.press("ArrowLeft")
    assert explorer.state()["step"] == [1, 0]
    page.keyboard.press("ArrowRight")

    history = page.evaluate("history.length")
    state = explorer.type_value("padding", "1")
    assert state["shape"] == [3, 3]
    state = explorer.type_value("output_padding", "1")
    x, kernel = values(2, 2, 3, 3, 0)
    setting = {**FIGURE, "padding": 1, "output_padding": 1}
    assert state["shape"] == [4, 4]
    assert state["output"] == transposed(x, kernel, setting).tolist()
    # Stamp (1, 1) covers canvas rows and columns 2 to 4; earlier stamps cover row 2 (3 of its pixels) and
    # column 2 below it (2 more); cropping 1 off each side moves it to output rows and columns 1 to 3.
    assert explorer.live_text() == (
        "input (1, 1) = 4 adds 4 × kernel to canvas rows 2 to 4, columns 2 to 4 (stamp 4 of 4), "
        "overlapping earlier stamps at 5 pixels; after padding 1 is cropped: "
        "output rows 1 to 3, columns 1 to 3"
    )
    assert page.evaluate("location.hash") == (
        "#explore-transposed=h=2,w=2,kh=3,kw=3,stride=2,padding=1,output_padding=1,seed=0"
    )
    assert page.evaluate("history.length") == history, "typing a value added history entries"

    state = explorer.type_value("output_padding", "2")  # as large as the stride: the reference refuses
    with pytest.raises(ValueError) as refusal:
        transposed(x, kernel, {**setting, "output_padding": 2})
    assert state["error"] == str(refusal.value) and explorer.live_text() == str(refusal.value)
    assert explorer.root.locator(".xp-figure").is_hidden()
    assert not explorer.problems, explorer.problems


def test_accessible_at_both_widths_and_in_dark_mode(visit, served, request):
    setting = {**FIGURE, "h": 3, "w": 3, "padding": 1, "output_padding": 1, "seed": 5}
    explorer = Explorer(visit, served, PAGE, NAME, setting)
    assert_accessible_everywhere(explorer, request)


def test_a_step_updates_in_a_frame(visit, served):
    """Reports (never asserts) how long each step takes: 36 stamps on the largest canvas (28 x 28)."""
    setting = {"h": 6, "w": 6, "kh": 5, "kw": 5, "stride": 4, "padding": 0, "output_padding": 3, "seed": 7}
    explorer = Explorer(visit, served, PAGE, NAME, setting)
    explorer.tab_to_stepper()
    for _ in range(35):
        explorer.page.keyboard.press("ArrowRight")
    assert explorer.state()["step"] == [5, 5]
    times = explorer.update_times_ms()
    print(
        f"\n{NAME}: {len(times)} updates, median {statistics.median(times):.2f} ms, max {max(times):.2f} ms"
    )
