"""What every explorer's browser test does (``tests/site/test_explorer_<name>.py``), in one place.

An explorer is driven as a reader drives it (Tab, arrow keys, Home/End, typing) or through its URL
fragment ``#explore-<name>=key=value,...``, and read through the JSON in its root's ``data-state``
(``params``, what it shows, ``step``, ``error``). The test computes the expected values with
``solutions`` itself. See ``_static/explorers/README.md``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
from axe_playwright_python.sync_playwright import Axe
from helpers import ROOT, SOURCES

DIRECTIVE = re.compile(r"^```\{explorer\} ([\w-]+)\s*$", re.M)


def used() -> dict[str, list[str]]:
    """Explorer name -> the chapters whose cells use it."""
    names: dict[str, list[str]] = {}
    for path in SOURCES:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "markdown":
                for name in DIRECTIVE.findall(cell.source):
                    names.setdefault(name, []).append(path.stem)
    return names


def pages() -> dict[str, str]:
    """Explorer name -> the site page that shows it (its first chapter)."""
    return {name: f"chapters/{chapters[0]}/{chapters[0]}.html" for name, chapters in used().items()}


# The explorers' digit mode (input=digit): chapter 08's digits, read here from the chapter's own file (not
# from the data file the build writes for the site), and the edge kernels, chapter 01's Sobel x first.
DIGITS = ROOT / "chapters" / "08_backprop" / "digits.npz"
SOBEL_X = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]])
EDGES = (SOBEL_X, SOBEL_X.T, np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]]))


def digit(d: int) -> np.ndarray:
    """The first image of class ``d`` in digits.npz (8 x 8, grey levels 0 to 16)."""
    with np.load(DIGITS, allow_pickle=False) as data:
        return data["images"][np.flatnonzero(data["labels"] == d)[0]].astype(int)


DIGIT_REFUSALS = [
    ({"input": "photo"}, "input must be 'numbers' or 'digit', got 'photo'"),
    ({"input": "digit", "digit": 10}, "This explorer draws digits up to 9, got 10"),
    ({"input": "digit", "digit": -1}, "digit must be >= 0, got -1"),
    ({"input": "digit", "digit": "a"}, "digit must be an integer, got 'a'"),
]

SCREENSHOTS = ROOT / "_build" / "screenshots"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
NARROW = 320


def fragment(name: str, params: dict) -> str:
    """``#explore-<name>=k=v,...`` for ``params`` (in their order)."""
    return f"#explore-{name}=" + ",".join(f"{k}={v}" for k, v in params.items())


def without_math(route) -> None:
    """MathJax answered with an empty script: the page's formulas stay TeX."""
    route.fulfill(status=200, content_type="application/javascript", body="")


class Explorer:
    """One explorer on a page opened by the ``visit`` fixture.

    The page opens without MathJax unless ``math``: typesetting and voicing every formula of the chapter
    took more than half of each page load (2.1-2.5 s against 1.1 s for chapter 04), and the explorer tests
    open pages some hundred times. Formulas are checked where they are the subject (``test_pages``, the
    offline and print tests); a test whose result could move with them (a link scrolling to the explorer
    while formulas above it are typeset) asks for ``math``."""

    def __init__(
        self, visit, served: str, page: str, name: str, params: dict | None = None, *, math=False, **viewport
    ):
        self.visit = visit(**viewport)
        if not math:
            self.visit.context.route("**/mathjax/**", without_math)
        self.name = name
        self.root_selector = f'.explorer[data-explorer="{name}"]'
        url = f"{served}/{page}" + (fragment(name, params) if params else "")
        self.page = self.visit.open(url)
        self.root = self.page.locator(self.root_selector).first
        self.page.wait_for_function(
            f"!!(document.querySelector({json.dumps(self.root_selector)}) || {{dataset: {{}}}}).dataset.state"
        )

    @property
    def problems(self) -> list[str]:
        """Console errors, failed and blocked (non-loopback) requests since the page opened."""
        return self.visit.problems

    def state(self) -> dict:
        return json.loads(self.root.get_attribute("data-state"))

    def _walk(self, settings: list[dict], read: str) -> list:
        """Each setting set through the fragment (``hashchange``, no reload), and after each the value of
        the JavaScript expression ``read`` (of ``root``, the explorer's element), in one round trip."""
        hashes = [fragment(self.name, s) for s in settings]
        return self.page.evaluate(
            """async ([selector, hashes]) => {
                const root = document.querySelector(selector), out = [];
                for (const h of hashes) {
                    if (location.hash !== h) {
                        await new Promise((done) => {
                            window.addEventListener("hashchange", done, {once: true});
                            location.hash = h;
                        });
                    }
                    out.push(READ);
                }
                return out;
            }""".replace("READ", read),
            [self.root_selector, hashes],
        )

    def states(self, settings: list[dict]) -> list[dict]:
        """The state after each setting, all in one round trip to the browser."""
        return self._walk(settings, "JSON.parse(root.dataset.state)")

    def refusals(self, settings: list[dict]) -> list[dict]:
        """For each setting (one round trip, like :meth:`states`): ``state``, the live region's text
        (``live``) and whether the figure is hidden (``hidden``)."""
        return self._walk(
            settings,
            """{
                state: JSON.parse(root.dataset.state),
                live: root.querySelector("[aria-live=polite]").innerText,
                hidden: !root.querySelector(".xp-figure").checkVisibility(),
            }""",
        )

    def set(self, **params) -> dict:
        """Set ``params`` through the fragment; the state that follows."""
        return self.states([params])[0]

    def live_text(self) -> str:
        return self.root.locator("[aria-live=polite]").inner_text()

    def focused(self, condition: str) -> bool:
        return self.page.evaluate(f"(e => !!e && ({condition}))(document.activeElement)")

    def tab_to(self, condition: str, limit: int = 400) -> None:
        """Press Tab until the focused element ``e`` satisfies ``condition`` (JavaScript)."""
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            if self.focused(condition):
                return
        pytest.fail(f"{limit} presses of Tab never reached: {condition}")

    def tab_to_control(self, key: str) -> None:
        """Tab (from wherever the focus is) to the explorer's control for parameter ``key``."""
        self.tab_to(f"e.name === {json.dumps(key)} && !!e.closest({json.dumps(self.root_selector)})")

    def tab_to_stepper(self) -> None:
        self.tab_to(f"e.type === 'range' && !!e.closest({json.dumps(self.root_selector)})")

    def tab_to_figure(self) -> None:
        self.tab_to(f"e.classList.contains('xp-figure') && !!e.closest({json.dumps(self.root_selector)})")

    def type_value(self, key: str, text: str) -> dict:
        """Tab to the control ``key``, replace its text by typing ``text``; the state that follows."""
        self.tab_to_control(key)
        self.page.keyboard.press("Control+A")
        self.page.keyboard.type(text)
        return self.state()

    def focus_is_visible(self) -> bool:
        return self.page.evaluate(
            "(s => s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 || s.boxShadow !== 'none')"
            "(getComputedStyle(document.activeElement))"
        )

    def axe(self) -> list[str]:
        """axe-core's WCAG 2.1 A/AA violations inside the explorer."""
        options = {"runOnly": {"type": "tag", "values": WCAG_AA}, "resultTypes": ["violations"]}
        response = Axe().run(self.page, context=self.root_selector, options=options).response
        return [
            f"{v['id']} ({v['help']}): {node['target']}"
            for v in response["violations"]
            for node in v["nodes"]
        ]

    def dark(self) -> None:
        """The theme's dark mode, as its switch sets it."""
        self.page.evaluate("document.documentElement.dataset.theme = 'dark'")
        self.page.wait_for_timeout(100)

    def narrow(self, width: int = NARROW) -> None:
        self.page.set_viewport_size({"width": width, "height": 900})
        self.page.wait_for_timeout(600)  # the theme reacts to a resize after 300 ms

    def sideways_scroll(self) -> str | None:
        """What scrolls sideways (``None`` if the page does not)."""
        scroll, view = self.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        return f"the page is {scroll} px wide in a {view} px window" if scroll > view else None

    def screenshot(self, label: str) -> Path:
        """The explorer alone, in ``_build/screenshots/explorer-<name>-<label>.png``."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"explorer-{self.name}-{label}.png"
        # From the top of the page, so that the theme's sticky header does not cover the explorer.
        self.page.evaluate("window.scrollTo(0, 0)")
        self.page.screenshot(path=str(path), full_page=True, clip=self.root.bounding_box())
        return path

    def update_times_ms(self) -> list[float]:
        """How long each update took (compute and draw, the Performance API's measures)."""
        return self.page.evaluate(
            f"performance.getEntriesByName({json.dumps('explorer ' + self.name)}).map(e => e.duration)"
        )


def assert_refused_in_words(explorer: Explorer, cases: list[tuple[dict, str]]) -> None:
    """Each ``(setting, message)``: the explorer refuses the setting with exactly ``message`` in its state
    and its live region, with no step and no figure; every case in one round trip to the browser."""
    seen = explorer.refusals([setting for setting, _ in cases])
    wrong = [
        (setting, message, got)
        for (setting, message), got in zip(cases, seen, strict=True)
        if not (
            got["state"]["error"] == message
            and got["state"]["step"] is None
            and got["live"] == message
            and got["hidden"]
        )
    ]
    assert not wrong, wrong
    assert not explorer.problems, explorer.problems


def assert_accessible_everywhere(explorer: Explorer, request) -> None:
    """axe finds nothing at 1280 px, at 320 px (where the page must not scroll sideways) and in dark mode
    at both widths; screenshots of each with ``--screenshots``. Leaves the page narrow and dark."""
    shots = request.config.getoption("--screenshots")
    # Before axe runs: its stylesheet rule fetches @import'ed sheets from the wrong folder (its own 404s).
    problems = {"console and network": list(explorer.problems), "1280 px": explorer.axe()}
    if shots:
        explorer.screenshot("1280")
    explorer.dark()
    problems["1280 px, dark"] = explorer.axe()
    if shots:
        explorer.screenshot("1280-dark")
    explorer.narrow()
    problems["320 px, dark"] = explorer.axe()
    if shots:
        explorer.screenshot("320-dark")
    explorer.page.evaluate("document.documentElement.dataset.theme = 'light'")
    problems["320 px"] = explorer.axe()
    problems["reflow at 320 px"] = [s for s in [explorer.sideways_scroll()] if s]
    if shots:
        explorer.screenshot("320")
    problems = {k: v for k, v in problems.items() if v}
    assert not problems, problems


def assert_fallback_without_javascript(browser, served: str, page: str, name: str) -> None:
    """With JavaScript off, the explorer's place says so in a sentence and the page keeps its figures,
    each with its text alternative (the explorer adds to the page, it replaces nothing)."""
    context = browser.new_context(java_script_enabled=False)
    try:
        tab = context.new_page()
        tab.goto(f"{served}/{page}", wait_until="load")
        root = tab.locator(f'.explorer[data-explorer="{name}"]')
        assert root.count() == 1
        assert "JavaScript" in root.inner_text()
        assert root.get_attribute("data-state") is None
        alts = tab.locator(".cell_output img").evaluate_all("images => images.map(i => i.alt)")
        assert alts and all(a.strip() for a in alts), alts
    finally:
        context.close()
