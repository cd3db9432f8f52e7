"""The ``dilation`` explorer of chapter 06 in the browser: dilated kernel, effective sizes and output equal
``solutions.dilate_kernel``, ``solutions.effective_kernel_size`` and ``solutions.dilated_correlate2d`` on 300
settings (and every refusal says what the reference says), the coverage of its stacks equals the composition
of the stack's dilated 2-D kernels (``scipy.signal.convolve2d``), it is driven by the keyboard alone, it says
each step in words, and it passes axe at 1280 px, 320 px and in dark mode."""

from __future__ import annotations

import random
import statistics

import numpy as np
import pytest
from explorers import Explorer, assert_accessible_everywhere, assert_refused_in_words
from scipy.signal import convolve2d

import solutions

pytestmark = pytest.mark.slow

PAGE = "chapters/06_dilation/06_dilation.html"
NAME = "dilation"
STACKS = ["1-2-4", "2-2-2", "2-4-8", "1-2-5", "1-2-3", "3-3-3", "1-1-1", "1-2-4-8", "2-2", "1-3-9"]
CHAPTER = {"h": 7, "w": 7, "kh": 3, "kw": 3, "d": 2, "seed": 0, "stack": "2-2-2", "k": 3}  # the animation's


def minstd(x: int) -> int:
    return x * 48271 % 2147483647


def values(h: int, w: int, kh: int, kw: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The image and kernel the explorer shows, rebuilt from its params (as its module documents)."""
    if seed == 0:
        image = np.array([[(i * w + j) % 5 for j in range(w)] for i in range(h)])
        return image, np.arange(1, kh * kw + 1).reshape(kh, kw)
    draws, x = [], seed
    for _ in range(h * w + kh * kw):
        x = minstd(x)
        draws.append(x % 7 - 3)
    return np.array(draws[: h * w]).reshape(h, w), np.array(draws[h * w :]).reshape(kh, kw)


def paths_2d(k: int, dilations: list[int]) -> np.ndarray:
    """Paths from one output unit of the stack to each input pixel in 2-D: its k x k all-ones kernels,
    dilated, composed (a full convolution of each with the next)."""
    counts = np.ones((1, 1))
    for d in dilations:
        counts = convolve2d(counts, solutions.dilate_kernel(np.ones((k, k)), d), mode="full")
    return np.rint(counts).astype(int)


def expected(s: dict) -> tuple[dict, np.ndarray | None]:
    """What the explorer must show (or its refusal) and the stack's 2-D paths, from the reference."""
    image, kernel = values(s["h"], s["w"], s["kh"], s["kw"], s["seed"])
    try:
        output = solutions.dilated_correlate2d(image, kernel, s["d"])
        dilations = [int(d) for d in s["stack"].split("-")]
        spans = [solutions.effective_kernel_size(s["k"], d) for d in dilations]
    except ValueError as error:
        return {"error": str(error)}, None
    counts = paths_2d(s["k"], dilations)
    return {
        "image": image.tolist(),
        "kernel": kernel.tolist(),
        "dilated": solutions.dilate_kernel(kernel, s["d"]).tolist(),
        "span": [solutions.effective_kernel_size(n, s["d"]) for n in (s["kh"], s["kw"])],
        "output": output.tolist(),
        "shape": list(output.shape),
        "dilations": dilations,
        "spans": spans,
        "used2d": int(np.count_nonzero(counts)),
        "span2d": counts.size,
        "error": None,
    }, counts


def settings() -> list[dict]:
    """300 settings drawn from every size the explorer draws, plus the edge cases: the dilated kernel as
    large as the image (one output), one-tap kernels at any dilation, dilation 1 (plain correlation), one-row
    kernels with a large dilation, and dilated kernels larger than the image (refused)."""
    rng = random.Random(6)
    out, refused = [], 0
    while len(out) < 280:
        h, w, kh, kw = rng.randrange(1, 10), rng.randrange(1, 10), rng.randrange(1, 5), rng.randrange(1, 5)
        d = rng.randrange(1, 5)
        too_large = d * (kh - 1) + 1 > h or d * (kw - 1) + 1 > w
        if too_large and refused >= 30:
            continue
        refused += too_large
        seed = 0 if len(out) % 3 == 0 else rng.randrange(1, 100000)
        stack, k = rng.choice(STACKS), rng.randrange(1, 6)
        out.append({"h": h, "w": w, "kh": kh, "kw": kw, "d": d, "seed": seed, "stack": stack, "k": k})
    edges = [
        (7, 7, 3, 3, 3),  # span 7 = the image: one output
        (9, 5, 4, 3, 2),  # span (7, 5): 3 x 1 outputs
        (5, 9, 2, 3, 4),  # span (5, 9) = the image
        (1, 1, 1, 1, 4),  # one tap spans one pixel whatever the dilation
        (3, 8, 1, 1, 3),
        (6, 7, 3, 2, 1),  # dilation 1: chapter 1's correlation
        (1, 9, 1, 4, 2),  # one row, four taps two apart
        (4, 4, 3, 3, 2),  # span 5 > 4: refused
        (9, 9, 4, 4, 3),  # span 10 > 9: refused
        (5, 6, 2, 3, 2),  # the hint's setting
    ]
    for n, (h, w, kh, kw, d) in enumerate(edges):
        stack = STACKS[n % len(STACKS)]
        out.append(
            {"h": h, "w": w, "kh": kh, "kw": kw, "d": d, "seed": 7 * n, "stack": stack, "k": 5 - n % 5}
        )
    out += [CHAPTER | {"stack": stack, "k": k} for stack in STACKS for k in (2, 3)]
    return out


def test_numbers_equal_the_reference_on_300_settings(visit, served):
    cases = settings()
    assert len(cases) >= 300
    explorer = Explorer(visit, served, PAGE, NAME)
    states = explorer.states(cases)
    wrong, refused, gridded = [], 0, 0
    for s, state in zip(cases, states, strict=True):
        want, counts = expected(s)
        if counts is None:
            refused += 1
            if state["error"] != want["error"] or "output" in state or state["step"] is not None:
                wrong.append((s, want["error"], state))
            continue
        got = {key: state.get(key) for key in want}
        # The explorer shows one axis: the 2-D paths are its counts times themselves (all-ones kernels).
        cover = np.array(state.get("coverage", []))
        if (
            got != want
            or state["params"] != s
            or state["step"] != [0, 0]
            or not np.array_equal(np.outer(cover, cover), counts)
            or state["used"] != np.count_nonzero(cover)
            or state["span1d"] != cover.size
        ):
            wrong.append((s, want, state))
        gridded += state["used2d"] < state["span2d"]
    assert refused >= 25 and gridded >= 50, (refused, gridded)
    assert not wrong, wrong[:2]
    assert not explorer.problems, explorer.problems


BEYOND = [
    ({"h": 10}, "This explorer draws images up to 9, got 10"),
    ({"kw": 5}, "This explorer draws kernels up to 4, got 5"),
    ({"d": 0}, "dilation must be >= 1, got 0"),
    ({"d": "x"}, "dilation must be an integer, got 'x'"),
    ({"d": 4}, "dilated kernel (9, 9) is larger than the image (7, 7)"),
    ({"k": 0}, "kernel_size must be >= 1, got 0"),
    ({"k": 6}, "This explorer draws stack kernels up to 5, got 6"),
    ({"stack": "4-4"}, "stack must be one of " + ", ".join(map(repr, STACKS)) + ", got '4-4'"),
]


def test_settings_it_cannot_draw_are_refused_in_words(visit, served):
    """One page, one round trip for every setting refused; the reference refuses the same settings (those
    not beyond the explorer's own bounds) in the same words."""
    assert_refused_in_words(Explorer(visit, served, PAGE, NAME), [({**CHAPTER, **p}, m) for p, m in BEYOND])
    for params, message in BEYOND:
        image, kernel = values(7, 7, CHAPTER["kh"], params.get("kw", 3), 0)
        reference = {  # the same words as the reference, for the settings it refuses too
            "d": lambda: solutions.dilated_correlate2d(image, kernel, params["d"]),  # noqa: B023
            "k": lambda: solutions.effective_kernel_size(params["k"], 2),  # noqa: B023
        }
        key = next(iter(params))
        if key in reference and not message.startswith("This explorer"):
            with pytest.raises(ValueError) as error:
                reference[key]()
            assert str(error.value) == message


def test_keyboard_alone_steps_and_fills_the_holes(visit, served):
    explorer = Explorer(visit, served, PAGE, NAME, CHAPTER)
    page = explorer.page
    state = explorer.state()
    assert state["shape"] == [3, 3] and state["span"] == [5, 5]  # 7 - 5 + 1 = 3, as the animation says
    assert (state["used2d"], state["span2d"]) == (49, 169)  # 2, 2, 2: the chapter's gridding count
    explorer.tab_to_stepper()
    assert explorer.focus_is_visible()
    page.keyboard.press("End")
    assert explorer.state()["step"] == [2, 2]
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")
    assert explorer.state()["step"] == [0, 1]
    # by hand: image[r][c] = (7 r + c) % 5 at rows 0, 2, 4 and columns 1, 3, 5; kernel 1 .. 9
    assert explorer.live_text() == (
        "output (0, 1): taps at rows 0, 2 and 4 and columns 1, 3 and 5 (span 5 × 5) = "
        "1×1 + 3×2 + 0×3 + 0×4 + 2×5 + 4×6 + 4×7 + 1×8 + 3×9 = 104"
    )
    explorer.tab_to_figure()
    assert explorer.focus_is_visible()
    page.keyboard.press("ArrowDown")
    assert explorer.state()["step"] == [1, 1]

    explorer.tab_to_control("stack")  # 2, 2, 2 -> 2, 4, 8: still gridded; 1, 2, 4 fills the holes
    assert explorer.focus_is_visible()
    page.keyboard.press("ArrowDown")
    state = explorer.state()
    assert state["dilations"] == [2, 4, 8] and (state["used"], state["span1d"]) == (15, 29)
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    state = explorer.state()
    assert state["dilations"] == [1, 2, 4] and (state["used"], state["span1d"]) == (15, 15)

    history = page.evaluate("history.length")
    state = explorer.type_value("d", "3")
    assert state["span"] == [7, 7] and state["shape"] == [1, 1]
    image, kernel = values(7, 7, 3, 3, 0)
    assert state["output"] == solutions.dilated_correlate2d(image, kernel, 3).tolist()
    assert page.evaluate("location.hash") == "#explore-dilation=h=7,w=7,kh=3,kw=3,d=3,seed=0,stack=1-2-4,k=3"
    assert page.evaluate("history.length") == history, "typing a value added history entries"
    assert not explorer.problems, explorer.problems


def test_accessible_at_both_widths_and_in_dark_mode(visit, served, request):
    explorer = Explorer(visit, served, PAGE, NAME, {**CHAPTER, "h": 6, "w": 8, "kw": 2, "stack": "2-4-8"})
    assert_accessible_everywhere(explorer, request)


def test_a_step_updates_in_a_frame(visit, served):
    """Reports (never asserts) how long each step takes: 36 steps of a 9 x 9 image, 2 x 2 kernel, dilation 3,
    with the widest stack (five taps, dilations 1, 2, 4, 8: 61 pixels)."""
    explorer = Explorer(
        visit,
        served,
        PAGE,
        NAME,
        {**CHAPTER, "h": 9, "w": 9, "kh": 2, "kw": 2, "d": 3, "stack": "1-2-4-8", "k": 5},
    )
    explorer.tab_to_stepper()
    for _ in range(35):
        explorer.page.keyboard.press("ArrowRight")
    assert explorer.state()["step"] == [5, 5]
    times = explorer.update_times_ms()
    print(
        f"\n{NAME}: {len(times)} updates, median {statistics.median(times):.2f} ms, max {max(times):.2f} ms"
    )
