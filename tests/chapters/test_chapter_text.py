"""What the chapters say is true: numbers that come from code are glued from it, and are right.

A number in prose that a cell computes is put into the text with myst-nb's ``glue``. These tests run the
chapters (the ``executed`` fixture), recompute every glued number here from first principles, and check a
few statements that an earlier version of the text got wrong.
"""

from __future__ import annotations

import ast
import itertools
import re
import warnings
from pathlib import Path

import nbformat
import numpy as np
import pytest
from helpers import ROOT, SOURCES, source_notebook, toc_files
from scipy import signal

import solutions
from autograder.engine import exercises
from autograder.publishing import execute
from autograder.publishing.execute import GLUE_ROLE


def glued(nb) -> dict[str, object]:
    """The values a notebook glued, read back from its outputs as the book reads them."""
    return {name: ast.literal_eval(text) for name, text in execute.glued(nb).items()}


def markdown(chapter_id: str) -> str:
    nb = nbformat.read(source_notebook(chapter_id), as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


# -- independent computations of what the text claims ---------------------------------------------------


def reach_offsets(taps: int, dilations) -> set[int]:
    """1-D input offsets that reach one output unit of a stride-1 stack: sums of one tap per layer."""
    return {sum(parts) for parts in itertools.product(*[range(0, d * taps, d) for d in dilations])}


def receptive_field(layers) -> int:
    field, jump = 1, 1
    for k, s, d in layers:
        field, jump = field + (k - 1) * d * jump, jump * s
    return field


def valid_size(n: int, layers) -> int:
    for k, s, d in layers:
        n = (n - d * (k - 1) - 1) // s + 1
    return n


DILATED = [(3, 1, 1), (3, 1, 2), (3, 1, 4)]
STRIDED = [(3, 2, 1), (3, 2, 1), (3, 1, 1)]
GRID = reach_offsets(3, [2, 2, 2])  # three 3x3 layers with dilation 2, along one axis
# three 3x3 layers with these dilations (first layer first), named as chapter 6 glues them
GRIDDING_STACKS = {"doubling": (2, 4, 8), "hybrid": (1, 2, 4), "fast": (1, 4, 16), "coprime": (1, 5, 9)}


def coverage_2d(taps: int, dilations) -> tuple[int, int]:
    """(pixels reached, pixels of the span) for a square kernel: a pixel (r, c) is reached when both of its
    offsets are, so both numbers are squares of the 1-D ones."""
    reached = reach_offsets(taps, dilations)
    return len(reached) ** 2, (max(reached) + 1) ** 2


def block_max(maps: np.ndarray, k: int) -> np.ndarray:
    """Max pooling with stride = window on maps whose sides k divides, by reshaping into blocks."""
    n, c, h, w = maps.shape
    return maps.reshape(n, c, h // k, k, w // k, k).max(axis=(3, 5))


# chapter 7: the share of pooled values (in %) that a diagonal shift by t leaves as they were, k x k windows
POOL_MAPS = np.random.default_rng(7).random((1, 8, 24, 24))
UNCHANGED = {
    (k, t): 100 * np.mean(block_max(np.roll(POOL_MAPS, (t, t), axis=(2, 3)), k) == block_max(POOL_MAPS, k))
    for k in (2, 3, 4)
    for t in (1, 2, 3, 4)
}


# ResNet-50's bottleneck block and a plain 3x3 layer: MACs per output pixel (= weights, one use per pixel)
BLOCK = 256 * 64 * 1 * 1 + 64 * 64 * 3 * 3 + 64 * 256 * 1 * 1
PLAIN = 256 * 256 * 3 * 3


def stamp_counts(n: int, k: int, s: int, p: int) -> list[int]:
    """1-D: how many kernel stamps (n inputs, k wide, s apart, p cropped) cover each output pixel."""
    size = (n - 1) * s - 2 * p + k
    return [sum(0 <= q + p - s * i < k for i in range(n)) for q in range(size)]


STAMPS_3, STAMPS_4 = stamp_counts(6, 3, 2, 1)[2:-2], stamp_counts(6, 4, 2, 1)[2:-2]  # away from the border

# Chapter 02's 1-D pooling example: detector outputs, moved right by one (a zero enters), max-pooled over
# windows of 3 with stride 1
DETECTOR = np.array([0.1, 1.0, 0.2, 0.1, 0.0, 0.1, 0.3, 1.0, 0.2, 0.1])
DETECTOR_SHIFTED = np.r_[0.0, DETECTOR[:-1]]
POOLED, POOLED_SHIFTED = (
    np.lib.stride_tricks.sliding_window_view(a, 3).max(axis=1) for a in (DETECTOR, DETECTOR_SHIFTED)
)

EXPECTED = {
    "02_motivations": {
        "conv_count": 64 * 3 * 3 * 3 + 64,
        "sharing_saving": 224 * 224,  # locally connected over convolutional: one filter bank per position
        "sparsity_saving": (3 * 224 * 224 * 64 * 224 * 224 + 64 * 224 * 224) / (224 * 224 * (64 * 27 + 64)),
        # Goodfellow et al.'s figure 9.8: every detector output changes, half of the pooled values do
        "pool_detector_changed": 100 * np.mean(DETECTOR != DETECTOR_SHIFTED),
        "pool_pooled_changed": 100 * np.mean(POOLED != POOLED_SHIFTED),
        # the impulse simulation's four stacks (measured at build time, not shown): the recursion's values
        # three stacked 3x3 layers against one 7x7 (CS231n): same field, 27 C^2 against 49 C^2 weights
        "small_stack_field": receptive_field([(3, 1, 1)] * 3),
        "small_stack_weights": sum(3 * 3 for _ in range(3)),
        "large_weights": receptive_field([(7, 1, 1)]) ** 2,
        "small_stack_64": 3 * solutions.conv_parameters(64, 64, 3, bias=False),
        "large_64": solutions.conv_parameters(64, 64, 7, bias=False),
        "impulse_field_1": receptive_field([(3, 1, 1)] * 3),
        "impulse_field_2": receptive_field([(3, 2, 1), (3, 2, 1), (3, 1, 1)]),
        "impulse_field_3": receptive_field([(3, 1, 1), (3, 1, 2), (3, 1, 4)]),
        "impulse_field_4": receptive_field([(7, 2, 1), (3, 2, 1), (3, 1, 1)]),
    },
    "08_backprop": {
        # the digits: 1,797 images, a fifth held out for testing
        "n_test": 1797 // 5,
    },
    "09_transposed": {
        # the sizes that a stride-2 convolution (kernel 3, padding 1) maps to 4: floor((n - 1) / 2) + 1 = 4
        "ambiguous_small": 7,
        "ambiguous_large": 8,
        "checker_low": min(STAMPS_3) ** 2,
        "checker_high": max(STAMPS_3) ** 2,
        "even_count": min(STAMPS_4) ** 2,
    },
    "07_pooling": {
        f"unchanged_k{k}_t{t}": UNCHANGED[k, t] for k, t in [(2, 1), (3, 1), (4, 1), (2, 2), (4, 4)]
    },
    "05_one_by_one": {"plain_per_pixel": PLAIN, "block_per_pixel": BLOCK, "block_saving": PLAIN / BLOCK},
    "06_dilation": {
        "stack_weights": 3 * 3,
        "stack_reach": receptive_field(DILATED),
        "strided_reach": receptive_field(STRIDED),
        "dilated_kept": valid_size(64, DILATED),
        "strided_kept": valid_size(64, STRIDED),
        "gridding_used": len(GRID) ** 2,
        "gridding_span": (max(GRID) + 1) ** 2,
        **{
            f"{name}_{what}": count
            for name, dilations in GRIDDING_STACKS.items()
            for what, count in zip(("used", "span"), coverage_2d(3, dilations), strict=True)
        },
    },
}


def test_the_independent_computations_agree_with_the_issue():
    assert (BLOCK, PLAIN, round(PLAIN / BLOCK, 1)) == (69_632, 589_824, 8.5)
    assert EXPECTED["06_dilation"]["gridding_used"] == 49 and EXPECTED["06_dilation"]["gridding_span"] == 169
    assert max(reach_offsets(3, [1, 2, 4])) + 1 == EXPECTED["06_dilation"]["stack_reach"] == 15


# -- chapters 01-03 --------------------------------------------------------------------------------------


def test_the_pooling_example_is_goodfellow_figure_9_8():
    """Every detector output changes, half of the pooled values do (the book's caption says so)."""
    assert EXPECTED["02_motivations"]["pool_detector_changed"] == 100
    assert EXPECTED["02_motivations"]["pool_pooled_changed"] == 50


def test_chapter_02_promises_only_the_invariance_that_holds():
    text = " ".join(markdown("02_motivations").split())
    objectives = re.search(r"Learning objectives(.*?)```", text)[1]
    assert "invariant" not in objectives.replace("invariant to shifts", ""), objectives
    assert not re.search(r"deepest features are invariant|approximately invariant to small", text)
    assert "does not make a whole network" in objectives or "not make a whole network" in objectives
    for chapter in ("07_pooling/07_pooling.ipynb", "08_backprop/08_backprop.ipynb"):
        assert f"](../{chapter})" in text, f"02 points forward to {chapter}"
    bib = (ROOT / "references.bib").read_text()
    for key in ("azulay2019deep", "zhang2019making"):
        assert f"{{cite}}`{key}`" in text and f"{{{key}," in bib


def test_padding_further_exercise_1_states_the_kernel_and_has_one_answer():
    text = " ".join(markdown("03_padding").split())
    exercise = re.search(r"1\. Which padding \$p\$ makes a stride-2 convolution with a (.*?)\?", text)
    assert exercise and "$k = 3$" in exercise[1], "the exercise names the kernel size it depends on"

    def ceil_half(total, k):  # a stride-2 output gives ceil(n / 2) for every n
        return all((n + total - k) // 2 + 1 == -(-n // 2) for n in range(k, 60))

    assert [p for p in range(6) if ceil_half(2 * p, 3)] == [1]
    assert all([t for t in range(12) if ceil_half(t, k)] == [k - 1] for k in range(1, 8))


def test_the_padded_strided_animation_leaves_the_last_padded_row_unread():
    text = " ".join(markdown("03_padding").split())
    found = re.search(
        r"on a \$(\d+) \\times \d+\$ image padded .*?\(\$p = (\d)\$.*?\$(\d) \\times \d\$ kernel and a "
        r"stride \$s = (\d)\$\. The window starts at padded rows and columns ([\d, and]+), so the output is "
        r".*?= (\d)\$ by \d\. .*?the last padded row and column, (\d) \(hatched\), unread",
        text,
    )
    n, p, k, s = (int(v) for v in found.groups()[:4])
    starts = list(range(0, n + 2 * p - k + 1, s))
    assert [int(v) for v in re.findall(r"\d+", found[5])] == starts
    assert int(found[6]) == len(starts) == solutions.output_size(n, k, p, s)
    unread = set(range(n + 2 * p)) - {start + m for start in starts for m in range(k)}
    assert unread == {int(found[7])} == {n + 2 * p - 1}, "only the last padded row and column"
    nb = nbformat.read(source_notebook("03_padding"), as_version=4)
    cell = next(c for c in nb.cells if c.get("id") == "padded-strided-animation")
    assert cell.metadata["mystnb"]["image"]["alt"].startswith(f"Animation of {len(starts) ** 2} frames")


@pytest.mark.parametrize("chapter_id", ["01_convolution", "02_motivations", "03_padding"])
def test_next_links_the_page_that_follows_in_the_toc(chapter_id):
    pages = toc_files(ROOT)
    following = pages[pages.index(f"chapters/{chapter_id}/{chapter_id}") + 1]
    link = re.findall(r"\*\*Next:\*\* \[[^\]]+\]\(([^)]+)\)", markdown(chapter_id))
    assert link == [f"../{Path(following).parent.name}/{Path(following).name}.ipynb"]


# -- chapters 04-07 --


def wang_m2(dilations) -> int:
    """Wang et al. (2018), section 3.2, for dilations d_1 .. d_L: M_2, where M_L = d_L and
    M_i = max(M_{i+1} - 2 d_i, 2 d_i - M_{i+1}, d_i)."""
    m = dilations[-1]
    for d in reversed(dilations[1:-1]):
        m = max(m - 2 * d, 2 * d - m, d)
    return m


def has_hole(taps: int, dilations) -> bool:
    reached = reach_offsets(taps, dilations)
    return len(reached) != max(reached) + 1


def test_gridding_numbers_are_the_issues():
    assert coverage_2d(3, (2, 4, 8)) == (225, 841)
    assert coverage_2d(3, (1, 4, 16)) == (729, 1849)
    assert coverage_2d(3, (1, 5, 9)) == (529, 961)
    assert coverage_2d(3, (1, 2, 4)) == (225, 225)
    # the 2-D count is the square of the 1-D one: count the 2-D offsets themselves once
    offsets = [[(d * m, d * n) for m in range(3) for n in range(3)] for d in (2, 4, 8)]
    reached = {tuple(map(sum, zip(*parts, strict=True))) for parts in itertools.product(*offsets)}
    assert len(reached) == 225 and max(r for r, c in reached) == 28


def test_the_gridding_rules_chapter_6_states():
    """Wang et al.'s M_2 <= k is exact for stacks that start at 1 and never decrease; 'each dilation at
    most k times the one before' is enough; the stacks the text names do what it says."""
    for layers in (3, 4):
        for rest in itertools.product(range(1, 20), repeat=layers - 1):
            dilations = (1, *rest)
            if list(dilations) == sorted(dilations):
                assert (wang_m2(dilations) <= 3) != has_hole(3, dilations), dilations
            if all(b <= 3 * a for a, b in itertools.pairwise(dilations)):
                assert not has_hole(3, dilations), dilations
    for good in [(1, 2, 4), (1, 2, 3), (1, 2, 5)]:
        assert not has_hole(3, good) and wang_m2(good) <= 3, good
    assert has_hole(3, (1, 4, 16)) and 16 > 3 * 4
    assert np.gcd.reduce([1, 5, 9]) == 1 and wang_m2((1, 5, 9)) == 5 and has_hole(3, (1, 5, 9))
    assert np.gcd.reduce([2, 4, 8]) == 2 and has_hole(3, (2, 4, 8))
    text = " ".join(markdown("06_dilation").split())
    assert "1, 2, 4 (the stack above) passes, and so do 1, 2, 3 and 1, 2, 5" in text
    assert "1, 5, 9 has $M_2 = 5 > 3$" in text


def test_gridding_remedies_are_not_overstated():
    """Growing dilations and co-prime dilations do not avoid gridding by themselves (2, 4, 8 and 1, 5, 9)."""
    sources = markdown("06_dilation") + (ROOT / "glossary.md").read_text()
    for false in [
        r"[Gg]rowing dilations (avoid|fill)",
        r"co-prime dilations avoid",
        r"grow them exponentially",
    ]:
        assert not re.search(false, " ".join(sources.split())), false


def test_glossary_gridding_entry_numbers():
    text = " ".join((ROOT / "glossary.md").read_text().split())
    entry = text[text.index("Gridding The holes") :][:800]
    for dilations in [(2, 4, 8), (1, 4, 16), (1, 5, 9)]:
        used, span = coverage_2d(3, dilations)
        assert f"{', '.join(map(str, dilations))} reaches {used:,d} of {span:,d}" in entry or (
            f"{used:,d} of {span:,d} for dilations {', '.join(map(str, dilations))}" in entry
        ), dilations


def test_pooling_tolerates_moves_inside_the_window_only():
    """Chapter 7's statements: a bright pixel moved inside its window leaves the pooled map as it was, moved
    into the next window it does not; larger windows tolerate more; a shift by the window keeps almost none;
    the one-pixel figure is the issue's (about 15%) and near the exact chance 1/7 for 2x2 windows."""
    spot = np.zeros((1, 1, 4, 4))
    spot[0, 0, 0, 0] = 1
    assert np.array_equal(block_max(np.roll(spot, (1, 1), axis=(2, 3)), 2), block_max(spot, 2))
    assert not np.array_equal(block_max(np.roll(spot, (0, 2), axis=(2, 3)), 2), block_max(spot, 2))
    assert UNCHANGED[2, 1] < UNCHANGED[3, 1] < UNCHANGED[4, 1]
    assert UNCHANGED[2, 1] == pytest.approx(100 / 7, abs=3) and UNCHANGED[4, 1] == pytest.approx(
        900 / 23, abs=6
    )
    assert UNCHANGED[2, 2] == UNCHANGED[4, 4] == 0
    text = " ".join(markdown("07_pooling").split())
    for false in [
        "makes the features approximately invariant",
        "many pooled values stay the same",
        "it offers approximate invariance",
    ]:
        assert false not in text, false
    glossary = " ".join((ROOT / "glossary.md").read_text().split())
    assert "about one in seven $2 \\times 2$ pooled values" in glossary  # 1/7: the measured share above
    assert "approximate invariance to small shifts" not in glossary


def test_the_max_pool_backward_figure_shows_the_references_gradient_without_routing_code():
    """Chapter 7's backward figure writes its numbers in (a figure cell a student can open must not spell
    maxpool2d_backward): they are what the reference routes back, and its title's sum is the 9's."""
    nb = nbformat.read(source_notebook("07_pooling"), as_version=4)
    (cell,) = [c.source for c in nb.cells if c.cell_type == "code" and "to_centre = " in c.source]
    assert "argmax" not in cell and "+=" not in cell, "the figure cell routes the gradient in code"
    data = {"np": np}
    exec(cell[: cell.index("fig, axes")], data)  # noqa: S102 - the chapter's own array literals
    x, dout = data["x"][None, None].astype(float), data["dout"][None, None].astype(float)
    _, cache = solutions.maxpool2d_forward(x, 2, stride=1)
    assert np.array_equal(data["dx"], solutions.maxpool2d_backward(dout, cache)[0, 0])
    windows = [(i, j) for i in range(3) for j in range(3)]

    def maximum_at(i, j):  # where window (i, j)'s first maximum is, in x
        m, l = divmod(int(np.argmax(x[0, 0, i : i + 2, j : j + 2])), 2)
        return i + m, j + l

    to_nine = [int(dout[0, 0, i, j]) for i, j in windows if maximum_at(i, j) == (1, 1)]
    assert data["to_centre"] == to_nine and sum(to_nine) == data["dx"][1, 1]


def test_chapter_7_cites_what_says_it_and_links_chapter_8():
    bib = (ROOT / "references.bib").read_text()
    assert "@misc{cs231n_gradcheck," in bib and "neural-networks-3/#gradcheck" in bib
    assert "cs231n.github.io/convolutional-networks/" in bib  # the key `cs231n`: the pooling layer's switches
    text = " ".join(markdown("07_pooling").split())
    assert '{cite}`cs231n_gradcheck`, section "Gradient checks"' in text
    assert '{cite}`cs231n`, section "Pooling layer", describes the backward pass of max pooling' in text
    assert text.rstrip().endswith("(../08_backprop/08_backprop.ipynb).") and "**Next:** [chapter 8" in text


def test_chapter_4_worked_example_arithmetic():
    """The text's sum for output (0, 0) of filter 0 multiplies the right pixels by the right weights, and it
    and the second value quoted (filter 1 at (1, 0)) are what a convolution layer computes (SciPy, per
    channel); conv2d's visible tests use the same arrays and the same expected outputs."""
    x = np.array([[[1, 2, 0], [0, 1, 3], [2, 1, 0]], [[0, 1, 1], [2, 0, 1], [1, 3, 2]]], float)
    w = np.array([[[[1, 0], [2, 1]], [[0, 1], [1, 0]]], [[[1, 1], [0, 0]], [[0, 0], [1, -1]]]], float)
    b = np.array([1.0, -2.0])
    out = np.array(
        [[sum(signal.correlate2d(x[c], w[f, c], mode="valid") for c in range(2)) + b[f]] for f in range(2)]
    )
    text = " ".join(markdown("04_channels").split())
    terms = re.findall(r"\\underbrace\{\(([^)]*)\)\}_\{\\text\{channel (\d)\}\}", text)
    assert [int(c) for _, c in terms] == [0, 1]
    for products, c in terms:
        pairs = [tuple(int(v) for v in p.split(r"\cdot")) for p in products.split("+")]
        assert pairs == list(zip(x[int(c), :2, :2].ravel(), w[0, int(c)].ravel(), strict=True)), c
    assert "\\underbrace{1}_{b_0} = 2 + 3 + 1 = 6" in text and out[0, 0, 0, 0] == 2 + 3 + 1 == 6
    assert "(filter 1 at $(1, 0)$ gives $1 - 2 - 2 = -3$)" in text and out[1, 0, 1, 0] == 1 - 2 - 2
    nb = nbformat.read(source_notebook("04_channels"), as_version=4)
    visible = next(
        c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "conv2d_visible"
    )
    namespace = {"np": np, "conv2d": solutions.conv2d}
    exec(visible, namespace)
    assert np.array_equal(namespace["x"][0], x) and np.array_equal(namespace["w"], w)
    assert np.array_equal(namespace["b"], b) and np.array_equal(namespace["expected"][0], out[:, 0])


@pytest.mark.slow  # the chapters run with their model answers
@pytest.mark.parametrize("chapter_id", [p.stem for p in SOURCES])
def test_every_glued_reference_has_a_value(chapter_id, executed):
    wanted = {m.group(1) for m in GLUE_ROLE.finditer(markdown(chapter_id))}
    missing = wanted - set(glued(executed[chapter_id]))
    assert not missing, f"the text refers to numbers that no cell glues: {sorted(missing)}"
    for name, value in glued(executed[chapter_id]).items():
        assert isinstance(value, int | float), f"{name} is glued as {value!r}: glue a Python int or float"


@pytest.mark.slow  # the chapters run with their model answers
@pytest.mark.parametrize("chapter_id", sorted(EXPECTED))
def test_glued_numbers_are_right(chapter_id, executed):
    values = glued(executed[chapter_id])
    for name, expected in EXPECTED[chapter_id].items():
        assert name in values, f"{name} is not glued"
        assert values[name] == pytest.approx(expected), name
        assert re.search(rf"\{{glue:text\}}`{name}\b", markdown(chapter_id)) or name == "strided_reach", (
            f"{name} is glued but the text does not use it"
        )


@pytest.mark.parametrize(
    ("chapter_id", "exact", "broken"),
    [
        ("02_motivations", "stride_even_difference", "stride_odd_difference"),
        ("07_pooling", "pool_even_difference", "pool_odd_difference"),
    ],
)
@pytest.mark.slow  # the chapters run with their model answers
def test_stride_keeps_only_shifts_by_its_multiples(chapter_id, exact, broken, executed):
    """The demos show it, and the text quotes their numbers."""
    values = glued(executed[chapter_id])
    assert values[exact] < 1e-9, "a shift by a multiple of the stride moves the output exactly"
    assert values[broken] > 0.1, "a shift by one pixel matches no shift of the output"
    for name in (exact, broken):
        assert f"{{glue:text}}`{name}" in markdown(chapter_id)


# -- statements checked without running the chapters ------------------------------------------------------


def test_convolve2d_says_which_s_lands_in_out_and_it_is_true():
    nb = nbformat.read(source_notebook("01_convolution"), as_version=4)
    stub = next(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "convolve2d")
    assert "out[i, j] = S(i + kh - 1, j + kw - 1)" in stub
    rng = np.random.default_rng(1)
    image, kernel = rng.normal(size=(6, 5)), rng.normal(size=(3, 2))
    kh, kw = kernel.shape

    def S(i, j):  # the definition, pixels outside the image excluded
        return sum(image[i - m, j - n] * kernel[m, n] for m in range(kh) for n in range(kw))

    out = signal.convolve2d(image, kernel, mode="valid")
    rows, cols = out.shape
    assert np.allclose(out, [[S(i + kh - 1, j + kw - 1) for j in range(cols)] for i in range(rows)])
    assert np.allclose(solutions.convolve2d(image, kernel), out)


def test_floor_division_examples_in_the_padding_hint_are_right():
    text = markdown("03_padding")
    examples = re.findall(r"`(-?\d+ // \d+)` is \$?(-?\d+)", text)
    assert len(examples) >= 2, "the hint shows what // does with a negative numerator"
    for expression, value in examples:
        assert eval(expression) == int(value), expression  # noqa: S307 - digits and // only
    assert "negative numerator" in text


def test_shared_filter_figure_text_counts_positions_and_overlap():
    text = " ".join(markdown("04_channels").split())
    found = re.search(r"draws (\d+) of the (\d+) positions of a \$3 \\times 3\$ window", text)
    drawn, total = int(found[1]), int(found[2])
    assert (drawn, total) == (4, (6 - 3 + 1) ** 2)
    shared = re.search(r"shares (\w+) pixels with the window at \$\(0, 0\)\$", text)[1]
    assert {"six": 6}[shared] == 3 * (3 - 1), "windows at (0, 0) and (0, 1) share 3 rows of 2 columns"


def test_glossary_gridding_numbers():
    text = (ROOT / "glossary.md").read_text()
    assert f"{len(GRID) ** 2} of {(max(GRID) + 1) ** 2}" in text


FALSE_BEFORE = [  # statements an earlier version made, each false
    ("05_one_by_one", r"ResNet's bottleneck uses|about 3\.6|the cost table above is ResNet's"),
    ("06_dilation", r"checkerboard|same 27 weights|parameter count does not, and the output keeps"),
    ("03_padding", r"floor division for non-negative numbers"),
    ("04_channels", r"\$D\$|depth D\b"),
]


@pytest.mark.parametrize(("chapter_id", "false"), FALSE_BEFORE)
def test_statements_corrected(chapter_id, false):
    nb = nbformat.read(source_notebook(chapter_id), as_version=4)
    assert not re.search(false, "\n".join(c.source for c in nb.cells))


def test_indices_start_at_zero_everywhere():
    for path in SOURCES:
        assert not re.search(r"\\sum_\{[a-z]=1\}", path.read_text()), path


def test_the_intro_promises_what_the_exercises_teach():
    intro = " ".join((ROOT / "intro.md").read_text().split())
    dilated_layer = any({"dilation", "weight"} <= set(ex.arg_names) for ex in exercises.EXERCISES.values())
    assert dilated_layer or "padding, stride, dilation and many channels" not in intro
    assert "checkerboard" not in (ROOT / "glossary.md").read_text()


def test_what_the_floor_throws_away():
    text = " ".join(markdown("03_padding").split())
    found = re.search(
        r"With \$n = (\d+)\$, \$k = (\d+)\$, \$s = (\d+)\$ the kernel starts at ([\d, and]+); column (\d+)",
        text,
    )
    n, k, s = (int(v) for v in found.groups()[:3])
    starts = [int(v) for v in re.findall(r"\d+", found[4])]
    assert starts == list(range(0, n - k + 1, s))
    unread = set(range(n)) - {start + m for start in starts for m in range(k)}
    assert unread == {int(found[5])}


@pytest.mark.slow  # the chapters run with their model answers
def test_chapter_08_measurements_back_its_claims(executed):
    """The trained network reaches 97% on held-out digits, both gradient checks pass, the first layer is
    exactly equivariant, and pooling breaks it for a one-pixel shift and, after two poolings, for two."""
    values = glued(executed["08_backprop"])
    assert values["test_accuracy"] >= 97
    assert values["layer_check_error"] < 1e-6 and values["network_check_error"] < 1e-5
    assert values["equi_conv1"] < 1e-9
    assert values["equi_pool1_odd"] > 0.1 and values["equi_pool2_even"] > 0.1
    assert values["acc_shift2"] < values["acc_shift1"] < values["test_accuracy"]
    assert STAMPS_3 != [STAMPS_3[0]] * len(STAMPS_3) and set(STAMPS_4) == {2}, "uneven against even overlap"


# -- chapter 08 --


def chapter_08_text() -> str:
    return " ".join(markdown("08_backprop").split())


def chapter_09_text() -> str:
    return " ".join(markdown("09_transposed").split())


def test_chapter_08_backward_pass_statements_hold_for_stride_and_padding():
    """dx is convolve2d_full(dout, w) for stride 1 (no second flip); for stride s, the full convolution of
    dout spread out with s - 1 zeros, plus (H + 2p - k) mod s zero rows the floor dropped, then cropped;
    dweight for stride s is a dilated correlation of x_pad with dout, cut to the kernel's size."""
    rng = np.random.default_rng(8)
    for h, w, k, s, p in [
        (5, 5, 3, 1, 0),
        (6, 7, 3, 2, 1),
        (8, 6, 2, 3, 0),
        (7, 7, 3, 2, 0),
        (9, 5, 4, 2, 2),
    ]:
        x, kernel = rng.normal(size=(h, w)), rng.normal(size=(k, k))
        hp, wp = h + 2 * p, w + 2 * p
        ho, wo = (hp - k) // s + 1, (wp - k) // s + 1
        dout = rng.normal(size=(ho, wo))
        dx, dweight, _ = solutions.conv2d_backward(dout[None, None], x[None, None], kernel[None, None], s, p)
        spread = np.zeros(((ho - 1) * s + 1, (wo - 1) * s + 1))
        spread[::s, ::s] = dout
        full = signal.convolve2d(spread, kernel)  # the kernel as it is: the convolution flips it
        assert full.shape == ((ho - 1) * s + k, (wo - 1) * s + k)
        assert full.shape == (hp - (hp - k) % s, wp - (wp - k) % s), "short by the rows the floor dropped"
        dx_pad = np.pad(full, ((0, (hp - k) % s), (0, (wp - k) % s)))  # zeros for the rows never read
        np.testing.assert_allclose(dx[0, 0], dx_pad[p : p + h, p : p + w], atol=1e-12)
        x_pad = np.pad(x, p)
        dilated = solutions.dilated_correlate2d(x_pad, dout, s)
        assert dilated.shape == (k + (hp - k) % s, k + (wp - k) % s)
        np.testing.assert_allclose(dweight[0, 0], dilated[:k, :k], atol=1e-12)
        if s == 1:
            np.testing.assert_allclose(dx_pad, solutions.convolve2d_full(dout, kernel), atol=1e-12)
            flipped_twice = solutions.convolve2d_full(dout, kernel[::-1, ::-1])
            assert not np.allclose(dx_pad, flipped_twice), "rotating the kernel first flips it twice"
    text = chapter_08_text()
    assert "convolve2d_full(dout, w)" in text and "dilated_correlate2d(x_pad, dout, s)" in text
    assert "$(H + 2p - k) \\bmod s$" in text


def test_chapter_09_transposed_convolution_is_the_transposed_matrix():
    """The matrix C of a 3 x 3 convolution of a 4 x 4 input, built here from the definition: C @ x is
    scipy's correlation, and C.T @ dout the transposed convolution."""
    rng = np.random.default_rng(3)
    kernel, image, dout = rng.normal(size=(3, 3)), rng.normal(size=(4, 4)), rng.normal(size=(2, 2))
    C = np.zeros((4, 16))
    for (i, j), (u, v) in itertools.product(np.ndindex(2, 2), np.ndindex(4, 4)):
        if 0 <= u - i < 3 and 0 <= v - j < 3:
            C[2 * i + j, 4 * u + v] = kernel[u - i, v - j]
    np.testing.assert_allclose(C @ image.ravel(), signal.correlate2d(image, kernel, "valid").ravel())
    stamped = solutions.conv_transpose2d(dout[None, None], kernel[None, None])[0, 0]
    np.testing.assert_allclose(C.T @ dout.ravel(), stamped.ravel())
    assert (C != 0).sum(axis=1).tolist() == [9] * 4, "each row holds the kernel's nine weights"
    assert "section 14.10" in chapter_09_text() and "fractionally strided" in chapter_09_text()


def test_chapter_09_gradient_checkerboard_is_one_two_four():
    """A stride-2, 3 x 3 convolution of a 7 x 7 image with dout of ones: each pixel's gradient counts the
    windows that read it, 1, 2 or 4, as the text says."""
    per_axis = [sum(0 <= u - 2 * i < 3 for i in range(3)) for u in range(7)]
    counts = np.outer(per_axis, per_axis)
    assert sorted(set(counts.ravel().tolist())) == [1, 2, 4]
    dx = solutions.conv2d_backward(np.ones((1, 1, 3, 3)), np.zeros((1, 1, 7, 7)), np.ones((1, 1, 3, 3)), 2)[0]
    np.testing.assert_array_equal(dx[0, 0], counts)
    assert "receive 1, 2 or 4 times the gradient" in chapter_09_text()


def test_chapter_09_further_exercises_sizes():
    """Exercise 5: 4 x 4 kernel, stride 2, padding 1 maps 2 to 4; a 3 x 3 kernel gives 3, and
    output_padding 1 fixes it. Exercise 6: nearest-neighbour resize, then a 3 x 3 convolution of ones
    with padding 1, has equal interior pixels, unlike the stride-2 transposed convolution."""
    assert solutions.transposed_output_size(2, 4, 1, 2) == 4
    assert solutions.transposed_output_size(2, 3, 1, 2) == 3
    assert solutions.transposed_output_size(2, 3, 1, 2, 1) == 4
    resized = np.repeat(np.repeat(np.ones((6, 6)), 2, axis=0), 2, axis=1)
    smoothed = signal.correlate2d(np.pad(resized, 1), np.ones((3, 3)), "valid")
    assert smoothed.shape == (12, 12) and set(smoothed[1:-1, 1:-1].ravel().tolist()) == {9.0}
    text = chapter_09_text()
    assert "still with stride 2 and padding 1" in text and "np.repeat" in text


def test_chapter_09_output_padding_rule_is_pytorchs():
    """The text states max(stride, dilation); the values from the stride on map back to more than n."""
    text = chapter_09_text()
    assert "max(`stride`, `dilation`)" in text and "$\\max(s, d) - 1$" in text
    assert "padding before stride" in text
    for n, k, s, d in [(4, 3, 1, 2), (3, 3, 2, 3)]:
        for op in range(s, max(s, d)):
            size = solutions.transposed_output_size(n, k, 0, s, op, d)
            assert solutions.output_size(size, k, 0, s, d) > n


CHAPTER_08_FALSE_BEFORE = [
    r"always smaller than the stride",
    r"before cropping padding",
    r"x_p\[",
    r"differ from any shift",
    r"loop_ratio|would take minutes",
    r"or built in \(global pooling",
    r"\\text\{output\\_padding\}",
    r"The largest relative error is",
    r"Only \{glue:text\}`n_wrong`",
    r"hence the name;",
]


def test_chapter_08_statements_corrected():
    notebooks = [nbformat.read(source_notebook(c), as_version=4) for c in ("08_backprop", "09_transposed")]
    text = "\n".join(c.source for nb in notebooks for c in nb.cells)
    for false in CHAPTER_08_FALSE_BEFORE:
        assert not re.search(false, text), false
    glossary = (ROOT / "glossary.md").read_text()
    entries = glossary[glossary.index("```{glossary}") :]
    assert "\\_" not in entries and "output padding} +" not in entries
    assert "resizing" in entries and "dilated by $s$" in entries
    assert "The first four are" not in (ROOT / "references.md").read_text()
    assert "figures and animations drawn by code" not in " ".join((ROOT / "intro.md").read_text().split())


BUILD_TIME = (
    "layer_check_error",
    "network_check_error",
    "n_wrong",
    "test_accuracy",
    "train_seconds",
    "speed_window_pool",
    "speed_four_loops",
    "equi_pool1_odd",
    "acc_shift1",
)


def test_chapter_08_build_time_numbers_are_phrased_as_such():
    """Every paragraph that quotes a number measured by a run says it was measured when the page was built."""
    nb = nbformat.read(source_notebook("08_backprop"), as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for paragraph in cell.source.split("\n\n"):
            quoted = [name for name in BUILD_TIME if f"`{name}" in paragraph]
            if quoted and not paragraph.lstrip().startswith("- "):
                flat = " ".join(paragraph.split())
                assert "when this page was built" in flat.lower(), (quoted, flat[:120])
    text = chapter_08_text()
    assert text.count("When this page was built") + text.count("when this page was built") >= 5


@pytest.mark.slow  # the chapters run with their model answers
def test_chapter_08_counts_the_calls_it_quotes(executed):
    """Training calls each layer twice a step (two convolutions, two poolings), plus the final test's
    forward pass: several hundred calls, as chapters 04 and 08 say, not "a few thousand"."""
    values = glued(executed["08_backprop"])
    steps = 8 * -(-(1797 - 1797 // 5) // 32)  # 8 epochs of batches of 32 over the training four fifths
    assert values["steps"] == steps
    assert 2 * steps <= values["calls_low"] <= values["calls_high"] <= 2 * steps + 2
    assert 200 <= values["calls_high"] < 1000
    assert "several hundred times" in " ".join(markdown("04_channels").split())
    for chapter in ("04_channels", "08_backprop"):
        assert "a few thousand calls" not in markdown(chapter)
    text = chapter_08_text()
    assert "(like chapter 4's model answer)" not in text and "which chapter 4's hint argues against" in text


@pytest.mark.slow  # the chapters run with their model answers
def test_chapter_08_timings_back_the_speed_advice(executed):
    """Looping per pooling window is slower than per position, four-loop conv2d slower still, and the
    ratio quoted is the one of the two training times."""
    values = glued(executed["08_backprop"])
    assert values["train_seconds"] < values["speed_window_pool"] < values["speed_four_loops"]
    assert values["speed_ratio"] == pytest.approx(values["speed_four_loops"] / values["train_seconds"])
    assert values["speed_window_pool"] > 2 * values["train_seconds"], "pooling's loops are worth removing"


def test_the_landing_pages_map_follows_the_toc_and_the_registry():
    """intro.md's map of the chapters has one row per chapter of ``_toc.yml``, in order, numbered, and
    every exercise it names in code is one of that chapter's in the registry (and all of them are named,
    but chapter 02's three parameter counts, which it sums up as such)."""
    chapters = [Path(f).name for f in toc_files(ROOT) if f.startswith("chapters/")]
    assert chapters == list(exercises.CHAPTERS)
    rows = re.findall(
        r"^\| \[(\d+)\. [^\]]+\]\(chapters/([\w]+)/\2\.ipynb\) \|(.*)$", (ROOT / "intro.md").read_text(), re.M
    )
    assert [chapter for _, chapter, _ in rows] == chapters
    for number, (shown, chapter, rest) in enumerate(rows, 1):
        assert int(shown) == number == int(chapter[:2]), chapter
        named = set(re.findall(r"`(\w+)`", rest))
        registry = {ex.name for ex in exercises.chapter(chapter)}
        assert named <= registry, (chapter, named - registry)
        summed = (
            {name for name in registry if name.endswith("_parameters")}
            if "parameter counts" in rest
            else set()
        )
        assert registry - summed <= named, (chapter, registry - named)


# -- chapter 06: Wang et al.'s rule, by brute force --


def rule_misjudged(k: int) -> list[tuple[int, ...]]:
    """Non-decreasing stacks of 3 or 4 layers that start at dilation 1, dilations below 20, for which
    "M_2 <= k" and "no hole" disagree."""
    stacks = [
        (1, *rest) for n in (3, 4) for rest in itertools.combinations_with_replacement(range(1, 20), n - 1)
    ]
    return [d for d in stacks if (wang_m2(d) <= k) == has_hole(k, d)]


def test_chapter_06_wangs_rule_holds_for_3x3_kernels_only():
    """The brute force the text reports: no counterexample for k = 3; 61 for k = 2 (1, 1, 4: M_2 = 2 yet
    holes), 125 for k = 4 (1, 1, 7: M_2 = 5 yet none), 179 for k = 5."""
    assert rule_misjudged(3) == []
    counts = {k: len(rule_misjudged(k)) for k in (2, 4, 5)}
    assert counts == {2: 61, 4: 125, 5: 179}
    assert wang_m2((1, 1, 4)) == 2 and has_hole(2, (1, 1, 4))
    assert wang_m2((1, 1, 7)) == 5 and not has_hole(4, (1, 1, 7))
    assert wang_m2((1, 5, 9)) == 5 and has_hole(3, (1, 5, 9))
    text = " ".join(markdown("06_dilation").split())
    assert "largest gap between neighbouring non-zero taps" in text
    assert "largest distance between two non-zero taps" not in text
    assert "for $3 \\times 3$ layers ($k = 3$)" in text
    assert "with $2 \\times 2$ kernels, 1, 1, 4 has $M_2 = 2$ and holes" in text
    assert "with $4 \\times 4$ kernels, 1, 1, 7 has $M_2 = 5$ and none" in text


def test_chapter_06_the_simpler_rule_leaves_no_hole():
    """Start at 1, each dilation at most k times the one before: no hole, for k = 2 to 5 (3 or 4 layers)."""
    for k in (2, 3, 4, 5):
        for rest in itertools.product(range(1, 30), repeat=2):
            dilations = (1, *rest)
            if all(b <= k * a for a, b in itertools.pairwise(dilations)):
                assert not has_hole(k, dilations), (k, dilations)


def test_chapter_06_stride_and_dilation_statements():
    """A valid dilated convolution loses d(k - 1) per axis (64 -> 50 for the stack); a stride-2, 3-tap
    convolution of 17 pixels still reads every pixel; stride skips pixels only when s > k."""
    assert valid_size(64, DILATED) == 64 - sum(d * 2 for _, _, d in DILATED) == 50

    def unread(n, k, s):
        return set(range(n)) - {start + m for start in range(0, n - k + 1, s) for m in range(k)}

    assert unread(17, 3, 2) == set(), "the figure's stride-2 kernel reads all 17 pixels"
    assert unread(17, 3, 4) == {3, 7, 11, 15, 16}
    for n, k in itertools.product(range(6, 30), range(1, 6)):
        for s in range(1, k + 1):  # only the last pixels the floor drops, never one between windows
            assert unread(n, k, s) <= set(range(n - (n - k) % s, n)), (n, k, s)
        for s in range(k + 1, 8):
            if n >= k + s:  # two windows: the gap between them is never read
                assert set(range(k, s)) <= unread(n, k, s), (n, k, s)
    text = " ".join(markdown("06_dilation").split())
    assert "only stride shrinks the output" not in text and "jumping over parts of the input" not in text
    assert "Stride jumps *over* input pixels only when it is larger than the kernel" in text
    assert "a dilated layer loses $d(k - 1)$ positions per axis" in text
    assert "introduced dilated convolutions" not in text and "{cite}`chen2015semantic`" in text
    assert "@inproceedings{chen2015semantic," in (ROOT / "references.bib").read_text()


def scipy_valid_shape(image_shape, kernel_shape):
    """SciPy's valid correlation's output shape, or None if SciPy raises."""
    try:
        return signal.correlate2d(np.ones(image_shape), np.ones(kernel_shape), "valid").shape
    except ValueError:
        return None


def test_chapter_01_says_when_scipy_swaps_its_arguments():
    """SciPy swaps the arguments exactly when the kernel is at least as large along both axes (and larger
    along one), and raises when it is larger along one axis and smaller along the other (4 x 2 image,
    3 x 3 kernel); the exercise raises in both cases, as the text says."""
    for image_shape, kernel_shape in itertools.product(itertools.product(range(1, 6), repeat=2), repeat=2):
        larger = [k > i for i, k in zip(image_shape, kernel_shape, strict=True)]
        at_least = [k >= i for i, k in zip(image_shape, kernel_shape, strict=True)]
        got = scipy_valid_shape(image_shape, kernel_shape)
        if not any(larger):
            assert got == tuple(i - k + 1 for i, k in zip(image_shape, kernel_shape, strict=True))
        elif all(at_least):
            assert got == tuple(k - i + 1 for i, k in zip(image_shape, kernel_shape, strict=True)), "swapped"
        else:
            assert got is None, (image_shape, kernel_shape)
    assert scipy_valid_shape((4, 2), (3, 3)) is None
    with pytest.raises(ValueError):
        solutions.correlate2d(np.ones((2, 2)), np.ones((3, 3)))
    text = " ".join(markdown("01_convolution").split())
    assert "silently swaps the arguments in that case" not in text
    assert (
        "SciPy silently swaps the arguments when the kernel is at least as large as the image along both "
        "axes, and raises when it is larger along one axis only; we raise in both cases" in text
    )


def test_chapter_03_same_padding_is_uneven_exactly_when_d_k_minus_1_is_odd():
    """PyTorch's padding="same" (the oracle) pads so that the size is kept; the split it makes is uneven
    exactly when d(k - 1) is odd: k = 2, d = 2 splits 1 and 1."""
    import torch
    import torch.nn.functional as F

    for k, d in itertools.product(range(1, 6), range(1, 4)):
        image = torch.zeros(1, 1, 1, 12, dtype=torch.float64)
        image[..., 0] = 1.0  # where the first pixel lands shows the padding before it
        weight = torch.zeros(1, 1, 1, k, dtype=torch.float64)
        weight[..., 0] = 1.0  # output j reads padded pixel j: the first pixel lands at j = padding before
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "even kernel lengths and odd dilation"
            out = F.conv2d(image, weight, padding="same", dilation=(1, d))[0, 0, 0]
        total = d * (k - 1)
        before = int(np.flatnonzero(out.numpy())[0])
        assert (before, total - before) == solutions.same_padding(k, d), (k, d)
        assert (before != total - before) == (total % 2 == 1), (k, d)
    assert solutions.same_padding(2, 2) == (1, 1)
    text = " ".join(markdown("03_padding").split())
    assert "For an even kernel one side gets one more" not in text
    assert "$k = 2$, $d = 2$ splits 1 and 1" in text


def test_chapter_05_low_rank_only_without_the_nonlinearity():
    """A 1 x 1 layer to 4 channels then a 3 x 3 layer, composed linearly, is one 3 x 3 layer whose
    (F, C) matrix at every tap has rank <= 4; with a ReLU in between the map is not linear at all."""
    rng = np.random.default_rng(5)
    squeeze, conv = rng.normal(size=(4, 16, 1, 1)), rng.normal(size=(16, 4, 3, 3))
    composed = np.einsum("fmkl,mc->fckl", conv, squeeze[:, :, 0, 0])  # (16, 16, 3, 3)
    x = rng.normal(size=(2, 16, 6, 6))
    two = solutions.conv2d(solutions.conv2d(x, squeeze), conv)
    np.testing.assert_allclose(two, solutions.conv2d(x, composed), atol=1e-9)
    assert max(np.linalg.matrix_rank(composed[:, :, m, n]) for m in range(3) for n in range(3)) <= 4
    relu = solutions.conv2d(np.maximum(solutions.conv2d(x, squeeze), 0), conv)
    scaled = solutions.conv2d(np.maximum(solutions.conv2d(-x, squeeze), 0), conv)
    assert not np.allclose(scaled, -relu), "with a ReLU between them the two layers are not linear"
    text = " ".join(markdown("05_one_by_one").split())
    assert "Squeezing 256 channels to 64 is a low-rank constraint" not in text
    assert "highly redundant" not in text
    assert "Without the batch normalisation and ReLU between them" in text and "{cite}`he2016deep`" in text


def glossary_entry(term: str) -> str:
    text = (ROOT / "glossary.md").read_text()
    found = re.search(rf"^{re.escape(term)}\n((?:  .*\n)+)", text, re.M)
    assert found, f"the glossary has no entry {term!r}"
    return " ".join(found[1].split())


def test_glossary_output_padding_tap_and_feature_map():
    """Output padding is below max(stride, dilation), as PyTorch's rule; with padding its rows hold stamps
    (not zeros). "Feature map" points to a chapter that uses the term; "tap" is defined."""
    out = solutions.conv_transpose2d(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)), None, 2, 1, 1)[0, 0]
    assert out.shape == (4, 4) and out[-1].min() > 0, "the added row holds stamps"
    assert solutions.transposed_output_size(4, 3, 0, 1, 1, 2) == 3 + 4 + 1 + 1  # op 1: not < 1, < 2
    entry = glossary_entry("Output padding")
    assert "fewer than the stride or the dilation, whichever is larger" in entry
    assert "not necessarily zeros" in entry and "(fewer than the stride)" not in entry
    feature_map = glossary_entry("Feature map")
    for chapter in re.findall(r"\]\(chapters/(\w+)/\1\.ipynb\)", feature_map):
        assert "feature map" in markdown(chapter).lower(), f"{chapter} never uses the term"
    tap = glossary_entry("Tap")
    assert "$k$ taps has $k$ weights" in tap
    assert re.search(r"\btaps?\b", markdown("02_motivations")), "the term is used from chapter 02 on"


@pytest.mark.slow  # the chapters run with their model answers
def test_chapter_08_reports_the_ink_a_shift_crops(executed):
    """A shift inside the 8 x 8 frame crops the digit: the share of ink lost by one- and two-pixel shifts
    (rightwards: the last columns), recomputed from digits.npz on the test fifth, is what the text quotes
    beside the shifted accuracies."""
    data = np.load(ROOT / "chapters" / "08_backprop" / "digits.npz", allow_pickle=False)
    images = data["images"].astype(float)
    test = np.random.default_rng(0).permutation(len(images))[: len(images) // 5]
    ink = images[test].sum(axis=(1, 2))
    lost = {t: images[test][:, :, -t:].sum(axis=(1, 2)) / ink for t in (1, 2)}
    values = glued(executed["08_backprop"])
    assert values["crop_share1"] == pytest.approx(100 * lost[1].mean())
    assert values["crop_share2"] == pytest.approx(100 * lost[2].mean())
    assert values["crop_over_tenth"] == pytest.approx(100 * np.mean(lost[2] > 0.1))
    assert 3 < values["crop_share2"] < 10 and values["crop_over_tenth"] > 10, "the drop mixes lost content in"
    text = chapter_08_text()
    where = [
        text.index(s) for s in ("{glue:text}`acc_shift2", "{glue:text}`crop_share2", "were centred digits")
    ]
    assert where == sorted(where), "the cropped share stands beside the shifted accuracies"


def bmatrix(tex: str) -> np.ndarray:
    return np.array([[float(v) for v in row.split("&")] for row in tex.split("\\\\")])


def test_chapter_07_worked_example_of_both_pooling_gradients():
    """The text's dx for max and average pooling (2 x 2 windows, stride 2) are PyTorch autograd's."""
    import torch
    import torch.nn.functional as F

    text = " ".join(markdown("07_pooling").split())
    found = dict(
        re.findall(
            r"(x|\\text\{dout\}|dx_\{\\max\}|dx_\{\\text\{avg\}\}) = \\begin\{bmatrix\}(.*?)\\end", text
        )
    )
    x, dout = bmatrix(found["x"]), bmatrix(found["\\text{dout}"])
    for pool, name in ((F.max_pool2d, "dx_{\\max}"), (F.avg_pool2d, "dx_{\\text{avg}}")):
        xt = torch.tensor(x[None, None], requires_grad=True)
        pool(xt, 2).backward(torch.tensor(dout[None, None]))
        np.testing.assert_array_equal(bmatrix(found[name]), xt.grad[0, 0].numpy(), err_msg=name)
    assert bmatrix(found["dx_{\\max}"]).sum() == bmatrix(found["dx_{\\text{avg}}"]).sum() == dout.sum() == 10
    assert "Both sum to $1 + 2 + 3 + 4 = 10$" in text


def test_chapter_02_defines_stride_dilation_and_pooling_and_works_the_recursion():
    """Stride, dilation and strided pooling are defined where chapter 02 first uses them, and the worked
    example's rows are the recursion's values (and the reference's)."""
    text = " ".join(markdown("02_motivations").split())
    first = text.index("Receptive fields of deep units")
    for term in ("**stride**", "**dilation**"):
        assert first < text.index(term) < text.index("Exercise 4"), term
    assert "A strided **pooling** breaks equivariance" in text
    rows = re.findall(
        r"\| layer (\d) \| (\d) \| (\d) \| (\d) \| \$(\d+) \+ (\d) \\cdot (\d) \\cdot (\d) = (\d+)\$ \| "
        r"\$(\d) \\cdot (\d) = (\d)\$ \|",
        markdown("02_motivations"),
    )
    assert [int(r[0]) for r in rows] == [1, 2, 3]
    field, jump, layers = 1, 1, []
    for _, k, s, d, r_before, k1, d_, j_, r_after, j_before, s_, j_after in rows:
        k, s, d = int(k), int(s), int(d)
        assert (int(r_before), int(k1), int(d_), int(j_)) == (field, k - 1, d, jump)
        field, jump = field + (k - 1) * d * jump, jump * s
        assert (int(r_after), int(j_before), int(s_), int(j_after)) == (field, jump // s, s, jump)
        layers.append((k, s, d))
    assert field == receptive_field(layers) == solutions.receptive_field(layers) == 13
    assert max(reach_offsets_strided(layers)) + 1 == 13
    assert "a unit of layer 3 sees 13 pixels along each axis" in text


def reach_offsets_strided(layers) -> set[int]:
    """Input offsets that reach output unit 0 of a stack (k, s, d), first layer first: unit p of a layer
    reads units p * s + m * d of the layer below."""
    positions = {0}
    for k, s, d in reversed(layers):
        positions = {p * s + m * d for p in positions for m in range(k)}
    return positions


@pytest.mark.slow  # the chapters run with their model answers
def test_chapter_08_learns_the_edge_detector_from_one_pair(executed):
    """The kernel learned by gradient descent is the least-squares kernel for the pair, [1, -1] (solved
    here directly), and the chapter says so before its first exercise."""
    x = np.ones((6, 8))
    x[:, 2:6] = 0
    y = signal.correlate2d(x, np.array([[1.0, -1.0]]), "valid")
    design = np.stack([x[:, :-1].ravel(), x[:, 1:].ravel()], axis=1)
    best = np.linalg.lstsq(design, y.ravel(), rcond=None)[0]
    np.testing.assert_allclose(best, [1, -1], atol=1e-12)
    values = glued(executed["08_backprop"])
    assert abs(values["learned_0"] - 1) < 1e-4 and abs(values["learned_1"] + 1) < 1e-4
    text = chapter_08_text()
    assert text.index("## Learning a kernel from examples") < text.index("## Exercise 1")
    assert "{cite}`zhang2023dive`, section 7.2" in text


def test_the_landing_page_has_one_notation_table_the_chapters_follow():
    """intro.md's notation: NCHW, weights (F, C, kh, kw) and the transposed convolution's (C, F, kh, kw),
    the size formula as chapter 03's output_size computes it; shapes are never written "H x W x C"."""
    intro = (ROOT / "intro.md").read_text()
    assert intro.count("## Notation") == 1
    table = intro[intro.index("## Notation") :]
    for symbol in (
        "$N, C, H, W$",
        "$F$",
        "$s$, $p$, $d$",
        "$i$, $j$",
        "$m$, $l$",
        "$u$, $v$",
        "$\\text{dout}$",
    ):
        assert f"| {symbol}" in table, symbol
    for n, k, p, s, d in itertools.product(range(5, 9), range(1, 4), range(3), range(1, 4), range(1, 3)):
        if n + 2 * p >= d * (k - 1) + 1:
            assert (n + 2 * p - d * (k - 1) - 1) // s + 1 == solutions.output_size(n, k, p, s, d)
    for chapter in exercises.CHAPTERS:
        assert not re.search(r"H x W x C|H \\times W \\times C", markdown(chapter)), chapter


def test_chapter_07_states_the_cache_and_the_stride_rule_the_reference_keeps():
    """The pooling exercises' text says what the stub's docstring fixes (the cache is (x_shape, argmax))
    and what the reference does with a stride below 1 (ValueError), for both pooling layers."""
    nb = nbformat.read(source_notebook("07_pooling"), as_version=4)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    for name in ("maxpool2d_forward", "avgpool2d"):
        index = ids.index(name)
        text = " ".join(nb.cells[index - 1].source.split())
        assert nb.cells[index - 1].cell_type == "markdown", name
        for stride in (0, (1, 0), -1):
            with pytest.raises(ValueError, match="stride"):
                getattr(solutions, name)(np.ones((1, 1, 4, 4)), 2, stride)
        assert re.search(r"`stride` is below 1", text), f"{name}: the text never says a stride below 1 raises"
    text = " ".join(nb.cells[ids.index("maxpool2d_forward") - 1].source.split())
    docstring = " ".join(nb.cells[ids.index("maxpool2d_forward")].source.split())
    assert "the pair (x_shape, argmax)" in docstring
    assert "the pair `(x_shape, argmax)`" in text and "whatever your backward pass" not in text
    assert "$(N, C, H_o, W_o, 2)$" in text and "(N, C, Ho, Wo, 2)" in docstring


def test_chapter_07_indexes_the_input_as_the_notation_table_does():
    """p is padding (intro.md's notation table): an input position in a backward pass is (u, v)."""
    text = markdown("07_pooling")
    assert "x[e, c, u, v]" in text and "= (u, v)" in text
    assert not re.search(r"x\[n, c, p, q\]|\(p, q\)", text)
