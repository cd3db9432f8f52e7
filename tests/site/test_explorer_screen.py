"""Every explorer in the browser as a reader holds it (SPEC, "Explorers on the site"): it fits a screen at its
default setting (at most 760 px tall at 1280 x 800, at most 1,266 px at 390 x 844) with the step control
and the step's sentence visible together; a click (or Enter) on an output cell selects its step; Play steps
on its own only after a click and stops at the end (nothing moves on load, with or without
``prefers-reduced-motion``); values are tinted on a diverging scale with a legend, the numbers kept; a
hint's link to a setting brings the explorer into view, focused; on paper the figure prints without its
settings and is never split across pages."""

from __future__ import annotations

import json
import re

import pytest
from explorers import Explorer, pages
from helpers import SOURCES, course_palette

pytestmark = pytest.mark.slow

PAGES = pages()
# (width, height) of the window -> the tallest an explorer may be there (the goal: one laptop
# screen less the browser's bars; one and a half phone screens)
SCREENS = {(1280, 800): 760, (390, 844): 1266}

MEASURE = """(root) => {
    const bar = root.querySelector('.xp-stepbar'), live = root.querySelector('.xp-live');
    bar.scrollIntoView({block: 'center'});
    const header = document.querySelector('.bd-header');
    const top = header ? header.getBoundingClientRect().bottom : 0;
    const [b, l] = [bar.getBoundingClientRect(), live.getBoundingClientRect()];
    return {height: root.getBoundingClientRect().height, top, bottom: innerHeight,
            control: [b.top, b.bottom], sentence: [l.top, l.bottom]};
}"""


@pytest.mark.parametrize(("width", "height"), list(SCREENS))
def test_every_explorer_fits_a_screen_with_its_step_control_and_sentence_together(
    visit, served, width, height
):
    limit = SCREENS[(width, height)]
    too_tall, apart, measured = {}, {}, {}
    for name, page in PAGES.items():
        explorer = Explorer(visit, served, page, name, width=width, height=height)
        m = explorer.root.evaluate(MEASURE)
        measured[name] = round(m["height"])
        if m["height"] > limit:
            too_tall[name] = round(m["height"])
        # both on screen at once, below the theme's sticky header
        lowest, highest = min(m["control"][0], m["sentence"][0]), max(m["control"][1], m["sentence"][1])
        if lowest < m["top"] or highest > m["bottom"]:
            apart[name] = m
        assert not explorer.problems, explorer.problems
    assert not too_tall, f"taller than {limit} px at {width} x {height}: {too_tall} (all: {measured})"
    assert not apart, f"step control and sentence not on screen together: {apart}"


def digit_links() -> dict[str, dict]:
    """Explorer name -> the digit setting (``input=digit``) a chapter links to."""
    links = {}
    for path in SOURCES:
        for name, setting in re.findall(
            r'href=\\?"#explore-([\w-]+)=([^"\\]*input=digit[^"\\]*)', path.read_text()
        ):
            links[name] = dict(item.split("=") for item in setting.split(","))
    return links


@pytest.mark.parametrize(("width", "height"), list(SCREENS))
def test_the_digit_settings_the_chapters_link_to_fit_a_screen_too(visit, served, width, height):
    links = digit_links()
    assert sorted(links) == ["channels", "correlation", "max-pool"]
    measured = {}
    for name, setting in links.items():
        explorer = Explorer(visit, served, PAGES[name], name, setting, width=width, height=height)
        assert explorer.state()["params"]["input"] == "digit" and explorer.state()["error"] is None
        measured[name] = round(explorer.root.evaluate(MEASURE)["height"])
        assert not explorer.problems, explorer.problems
    print(f"\ndigit settings at {width} x {height}: {measured} px")
    assert max(measured.values()) <= SCREENS[(width, height)], measured


def test_the_explorer_spreads_over_the_right_margin_on_a_wide_screen_and_fits_the_column_on_a_phone(
    visit, served
):
    wide = Explorer(visit, served, PAGES["channels"], "channels", width=1280, height=800)
    column = wide.page.evaluate("document.querySelector('.bd-article').getBoundingClientRect().width")
    assert wide.root.bounding_box()["width"] > column  # 688 px of text column would stack its panels
    assert wide.sideways_scroll() is None
    phone = Explorer(visit, served, PAGES["channels"], "channels", width=390, height=844)
    assert phone.sideways_scroll() is None
    # settings collapsed into one line that names every value
    settings = phone.root.locator("details.xp-settings")
    assert settings.get_attribute("open") is None
    summary = settings.locator("summary").inner_text()
    assert all(f"{k} {v}" in summary for k, v in phone.state()["params"].items()), summary
    settings.locator("summary").click()
    assert phone.root.locator("input[name=kh]").is_visible()


def at(step) -> str:
    """The selector of the cell that selects ``step`` (its ``data-step``, JSON as JavaScript writes it)."""
    return f"[data-step='{json.dumps(step, separators=(',', ':'))}']"


def cells(explorer: Explorer) -> list[list]:
    return explorer.root.locator("[data-step]").evaluate_all("cs => cs.map(c => JSON.parse(c.dataset.step))")


@pytest.mark.parametrize("name", list(PAGES))
def test_a_click_or_enter_on_an_output_cell_selects_its_step(visit, served, name):
    explorer = Explorer(visit, served, PAGES[name], name)
    first = explorer.state()["step"]
    steps = cells(explorer)
    assert len(steps) >= 2 and first in steps
    last = steps[-1]
    explorer.root.locator(at(last)).click()
    assert explorer.state()["step"] == last != first
    # Enter on another cell (focused from the keyboard's point of view: the cell itself)
    other = steps[len(steps) // 2] if steps[len(steps) // 2] != last else steps[0]
    explorer.root.locator(at(other)).focus()
    explorer.page.keyboard.press("Enter")
    assert explorer.state()["step"] == other
    # the selected cell is the one framed as the current output
    assert "xp-now" in explorer.root.locator(at(other)).get_attribute("class")
    assert not explorer.problems, explorer.problems


@pytest.mark.parametrize("reduced", [False, True])
def test_play_steps_after_a_click_only_and_stops_at_the_end(visit, served, reduced):
    explorer = Explorer(visit, served, PAGES["correlation"], "correlation")
    if reduced:
        explorer.page.emulate_media(reduced_motion="reduce")
        explorer.page.reload()
        explorer.page.wait_for_function("!!document.querySelector('.explorer').dataset.state")
    explorer.page.wait_for_timeout(2500)  # nothing moves on load
    state = explorer.state()
    assert state["step"] == [0, 0] and state["playing"] is False
    explorer.root.get_by_role("button", name="Play").click()
    assert explorer.state()["playing"] is True
    explorer.page.wait_for_function(
        "JSON.parse(document.querySelector('.explorer').dataset.state).step[1] === 1", timeout=3000
    )  # it advanced on its own
    # 2 x 2 outputs: it stops on the last one
    explorer.page.wait_for_function(
        "!JSON.parse(document.querySelector('.explorer').dataset.state).playing", timeout=6000
    )
    assert explorer.state()["step"] == [1, 1]
    explorer.page.wait_for_timeout(1500)
    assert explorer.state()["step"] == [1, 1]
    assert explorer.root.get_by_role("button", name="Play").is_visible()
    # Pause stops it where it is
    explorer.root.get_by_role("button", name="Play").click()  # from the end: starts again at the first
    explorer.page.wait_for_function(
        "JSON.parse(document.querySelector('.explorer').dataset.state).step[1] === 1", timeout=3000
    )
    explorer.root.get_by_role("button", name="Pause").click()
    paused = explorer.state()
    explorer.page.wait_for_timeout(1500)
    assert explorer.state()["step"] == paused["step"] and paused["playing"] is False


def test_values_are_tinted_on_a_diverging_scale_with_a_legend_and_keep_their_numbers(visit, served):
    explorer = Explorer(visit, served, PAGES["channels"], "channels")
    state = explorer.state()
    shown = (
        explorer.root.locator(".xp-grid")
        .first.locator("span")
        .evaluate_all("cs => cs.map(c => [c.textContent, c.className, getComputedStyle(c).backgroundColor])")
    )
    # the first grid is x channel 0, padded: its numbers are the state's, row by row
    assert [int(t) for t, _, _ in shown] == [v for row in state["padded"][0] for v in row]
    colours = {}
    out = explorer.root.locator("[data-step]").evaluate_all(
        "cs => cs.map(c => [Number(c.textContent), getComputedStyle(c).backgroundColor])"
    )
    for value, colour in out:
        colours.setdefault((value > 0) - (value < 0), set()).add(colour)
    assert {-1, 1} <= set(colours)  # the default's outputs hold both signs
    assert not colours[-1] & colours[1]  # negative and positive never share a colour
    biggest = max(out, key=lambda vc: abs(vc[0]))
    smallest = min((vc for vc in out if vc[0]), key=lambda vc: abs(vc[0]))
    assert biggest[1] != smallest[1]  # deeper for larger magnitudes
    legend = explorer.root.locator(".xp-scale")
    assert legend.is_visible() and "colour" in legend.inner_text()


@pytest.mark.parametrize("name", ["max-pool", "output-size"])
def test_a_hints_link_to_a_setting_brings_the_explorer_into_view_focused(visit, served, name):
    explorer = Explorer(visit, served, PAGES[name], name, math=True)  # formulas typeset above it
    link = explorer.page.locator(f'a[href^="#explore-{name}="]').first
    hint = explorer.page.locator("div.admonition", has=link).first
    if not link.is_visible():
        hint.locator(".admonition-title").click()
    link.evaluate("a => a.scrollIntoView({block: 'start'})")
    explorer.page.wait_for_timeout(500)
    assert not explorer.root.evaluate(
        "r => { const b = r.getBoundingClientRect(); return b.bottom > 0 && b.top < innerHeight; }"
    )
    want = dict(item.split("=") for item in link.get_attribute("href").split("=", 1)[1].split(","))
    link.click()
    # in view, its title below the theme's sticky header (the page may scroll smoothly)
    explorer.page.wait_for_function(
        """(r) => { const b = r.getBoundingClientRect(), h = document.querySelector('.bd-header');
                    const top = h ? h.getBoundingClientRect().bottom : 0;
                    return b.top >= top && b.top < innerHeight / 2; }""",
        arg=explorer.root.element_handle(),
        timeout=5000,
    )
    assert explorer.focused(f"!!e.closest('.explorer[data-explorer=\"{name}\"]')")
    params = explorer.state()["params"]
    assert {k: str(params[k]) for k in want} == want


# What each explorer's panels show, by role (the course's colours: palette.css, as the figures' COLORS)
ROLES = {
    "correlation": {"image", "kernel", "output"},
    "receptive-field": {"image", "output"},
    "output-size": {"image", "output"},
    "channels": {"image", "kernel", "output"},
    "dilation": {"image", "kernel", "output"},
    "max-pool": {"image", "output", "gradient"},
    "transposed": {"image", "kernel", "output"},
}


def palette() -> dict[str, str]:
    """role -> its colour in palette.css, as a browser computes it (``rgb(r, g, b)``)."""
    declared = course_palette()
    return {
        role: "rgb({}, {}, {})".format(*(int(declared[role][k : k + 2], 16) for k in (1, 3, 5)))
        for role in ("image", "kernel", "output", "gradient")
    }


def test_each_panel_is_framed_in_the_colour_of_its_role_in_light_and_dark(visit, served):
    """Inputs in the input's colour, kernels in the kernel's, outputs in the output's, gradients in the
    gradient's: each panel's grid frame, read from the page, equals palette.css's colour for its role."""
    want = palette()
    assert sorted(PAGES) == sorted(ROLES)
    wrong = {}
    for name, page in PAGES.items():
        explorer = Explorer(visit, served, page, name)
        for theme in ("light", "dark"):
            explorer.page.evaluate(f"document.documentElement.dataset.theme = '{theme}'")
            frames = explorer.root.locator(".xp-panel").evaluate_all(
                """ps => ps.map(p => {
                    const frame = getComputedStyle(p.querySelector('.xp-grid') || p);
                    const roles = [...p.classList].filter(c => c.startsWith('xp-r-')).map(c => c.slice(5));
                    return [roles, frame.outlineColor, frame.outlineStyle];
                })"""
            )
            shown = {role for roles, _, _ in frames for role in roles}
            if shown != ROLES[name]:
                wrong[name, theme] = f"roles {sorted(shown)}, expected {sorted(ROLES[name])}"
            for roles, colour, style in frames:
                if roles and (colour != want[roles[0]] or style != "solid"):
                    wrong[name, theme, roles[0]] = (
                        f"framed {style} {colour}, palette.css says {want[roles[0]]}"
                    )
        assert not explorer.problems, explorer.problems
    assert not wrong, wrong


def test_on_paper_the_figure_prints_at_its_setting_without_its_form_in_one_piece(visit, served):
    explorer = Explorer(visit, served, PAGES["correlation"], "correlation", params={"op": "convolution"})
    explorer.page.emulate_media(media="print")
    styles = explorer.root.evaluate(
        """r => ({settings: getComputedStyle(r.querySelector('.xp-settings')).display,
                 step: getComputedStyle(r.querySelector('.xp-stepbar')).display,
                 figure: r.querySelector('.xp-figure').getBoundingClientRect().height,
                 sentence: r.querySelector('.xp-live').innerText,
                 split: getComputedStyle(r).breakInside})"""
    )
    assert styles["settings"] == styles["step"] == "none"
    assert styles["figure"] > 0 and styles["sentence"].startswith("output (0, 0)")
    assert styles["split"] == "avoid"
    assert "Kernel flipped" in explorer.root.inner_text()  # the setting of the address, as shown


def test_a_grid_wider_than_a_phone_says_that_it_scrolls(visit, served):
    wide = {"n": 10, "k": 3, "p": 4, "s": 1, "d": 1, "mode": "zeros"}  # an 18 x 18 padded input
    explorer = Explorer(visit, served, PAGES["output-size"], "output-size", wide, width=390, height=844)
    figure = explorer.root.locator(".xp-figure")
    assert figure.evaluate("f => f.scrollWidth > f.clientWidth")
    note = explorer.root.locator(".xp-more")
    assert note.is_visible() and "sideways" in note.inner_text()
    assert explorer.sideways_scroll() is None  # the figure scrolls, not the page
    # the default fits: no note
    explorer.set(n=7, k=3, p=1, s=2, d=1, mode="zeros")
    assert figure.evaluate("f => f.scrollWidth <= f.clientWidth + 1") and note.is_hidden()
