"""Every page of the website in a real headless browser (Debian's chromium, driven by Playwright), served
on loopback with every other host blocked. Each page is opened once and everything about it is checked
there: it loads cleanly, its math renders and its images load; axe-core finds no WCAG 2.1 A or AA
violation at desktop width, nor at 320 px, where the page must also reflow without sideways scrolling;
every image has a text alternative that is not a file name (a figure's says what it shows); every
animation control has a name and the animation steps; a chapter's download link returns the student
notebook and its launch buttons open it. Pages are separate tests, so the test workers share them.

``pytest --screenshots`` also saves a picture of every page to ``_build/screenshots/`` for a human to
look at."""

from __future__ import annotations

import json
import re

import nbformat
import pytest
from axe_playwright_python.sync_playwright import Axe
from helpers import ROOT, scroll_through, secret_lines, site_pages, toc_files, wait_for_math
from playwright.sync_api import expect

pytestmark = pytest.mark.slow

SCREENSHOTS = ROOT / "_build" / "screenshots"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# axe rules switched off, each with the reason it cannot apply to this site. None today: fix the page
# (in _ext/, _static/course.css or the chapter's cell metadata) rather than adding one.
EXCEPTED: dict[str, str] = {}
# An alt text that is a path or a file name (what Sphinx writes when a figure has no alt), or a hash. A
# slash between words ("1, 3 / 4, 10": rows of a grid) is prose.
FILE_NAME = re.compile(r"^\S*/\S*$|^\S+\.(png|jpe?g|gif|svg|webp)$|^[0-9a-f]{32,}$", re.IGNORECASE)
NARROW = 320  # WCAG 1.4.10 (reflow): 320 CSS pixels, what a 1280 px window shows at 400 % zoom
PHONE = 390  # a phone held upright
# The theme makes code blocks that scroll sideways focusable on a resize, debounced by 300 ms.
AFTER_RESIZE_MS = 600


def book_pages() -> list[str]:
    """The pages the book should have, from ``_toc.yml``, and the ones Sphinx adds (known when tests are
    collected, before the site is built; a test checks that the built site has exactly these)."""
    return sorted([f"{f}.html" for f in toc_files(ROOT)] + ["genindex.html", "index.html", "search.html"])


PAGES = book_pages()
ANIMATED = ("01_convolution", "06_dilation", "07_pooling")


def test_the_pages_checked_are_the_pages_built(site):
    _, html = site
    assert site_pages(html) == PAGES
    assert {"intro.html", "glossary.html", "references.html", "search.html"} <= set(PAGES)


def axe_violations(page) -> list[str]:
    options = {"runOnly": {"type": "tag", "values": WCAG_AA}, "resultTypes": ["violations"]}
    if EXCEPTED:
        options["rules"] = {rule: {"enabled": False} for rule in EXCEPTED}
    response = Axe().run(page, options=options).response
    return [
        f"{violation['id']} ({violation['help']}): {node['target']}"
        for violation in response["violations"]
        for node in violation["nodes"]
    ]


def image_problems(page) -> tuple[list[str], int]:
    """(what is wrong with the page's text alternatives, how many figures it shows)."""
    images = page.locator("img").evaluate_all(
        "images => images.map(i => [i.getAttribute('alt'), i.getAttribute('src').slice(0, 80),"
        " !!i.closest('.cell_output, .animation')])"
    )
    problems, figures = [], 0
    for alt, src, is_figure in images:
        figures += is_figure
        if alt is None or not alt.strip() or FILE_NAME.search(alt.strip()):
            problems.append(f"{src} has alt {alt!r}")
        elif is_figure and len(alt.split()) < 8:
            problems.append(f"{src} has alt {alt!r}: say what the figure shows")
    return problems, figures


def animation_problems(page) -> list[str]:
    """Every control of every animation is named, and Pause then Next frame steps the animation."""
    problems = []
    controls = page.locator(".animation button, .animation input, .animation select")
    for i in range(controls.count()):
        expect(controls.nth(i)).to_have_accessible_name(re.compile(r"\w"))
    for i in range(page.locator(".animation").count()):
        animation = page.locator(".animation").nth(i)
        animation.scroll_into_view_if_needed()
        frame = animation.locator("img")
        if not frame.evaluate("i => i.complete && i.naturalWidth > 0"):
            problems.append(f"animation {i}: the first frame did not load")
        animation.locator("button[title='Pause']").click()
        before = frame.get_attribute("src")
        animation.locator("button[title='Next frame']").click()
        after = frame.get_attribute("src")
        if after == before or not after.startswith("data:image/png"):
            problems.append(f"animation {i}: Next frame does not step it")
        elif not frame.evaluate("i => i.complete && i.naturalWidth > 0"):
            problems.append(f"animation {i}: the second frame did not load")
    return problems


def download_problems(page, chapter_id: str) -> list[str]:
    """The download link returns the student notebook (stubs, no solution, no hidden test); the launch
    buttons open the student branch's copy of this page's notebook."""
    link = page.locator(f"a[href$='{chapter_id}-exercises.ipynb']").first
    response = page.request.get(link.evaluate("a => a.href"))
    if not response.ok:
        return [f"the download failed with HTTP {response.status}"]
    nb = nbformat.reads(response.text(), as_version=4)
    nbformat.validate(nb)
    problems = []
    text = json.dumps(nb)
    if "raise NotImplementedError()" not in text:
        problems.append("the download has no stubs")
    if "BEGIN SOLUTION" in text or "BEGIN HIDDEN TESTS" in text:
        problems.append("the download has solutions or hidden tests")
    sources = "\n".join(cell.source for cell in nb.cells)
    problems += [f"the download leaks {line!r}" for line in secret_lines(chapter_id) if line in sources]
    hrefs = page.locator("a[href*='mybinder.org'], a[href*='colab.research.google.com']").evaluate_all(
        "links => links.map(a => a.href)"
    )
    if len(hrefs) != 2:
        problems.append(f"expected a Binder and a Colab button, found {hrefs}")
    for href in hrefs:
        if "student" not in href or not href.endswith(f"chapters/{chapter_id}/{chapter_id}.ipynb"):
            problems.append(f"the launch button {href} does not open the student notebook")
    return problems


def raw_tex(page) -> list[str]:
    """Formulas that show TeX instead of typesetting it: MathJax's error marks (an unknown macro is red
    text) and a backslash in what a formula renders (``\\text{output\\_padding}`` shows ``\\_``)."""
    return page.locator("mjx-container").evaluate_all(
        """containers => containers.flatMap((c, i) => {
          const tex = (c.closest('.math') || c).getAttribute('data-tex') || '';
          const mml = c.querySelector('mjx-assistive-mml');
          const shown = mml ? mml.textContent : '';
          const problems = [];
          if (c.querySelector('mjx-merror, [data-mjx-error]')) problems.push('MathJax error');
          if (shown.includes('\\\\')) problems.push('shows a backslash: ' + shown.trim().slice(0, 80));
          return problems.map(p => `formula ${i}: ${p}`);
        })"""
    )


def code_that_scrolls(page) -> list[str]:
    """Code cells whose input scrolls sideways (a line wider than the column)."""
    return page.locator(".cell_input pre").evaluate_all(
        "pres => pres.filter(p => p.scrollWidth > p.clientWidth + 1)"
        ".map(p => `${p.scrollWidth} px in ${p.clientWidth} px: ` + p.textContent.split('\\n')"
        ".reduce((a, b) => b.length > a.length ? b : a, '').trim().slice(0, 60))"
    )


def phone_problems(page) -> list[str]:
    """At phone width: the page does not scroll sideways; each display equation that overflows its box
    scrolls in it and can take the focus; each figure a cell draws links to an image file that loads."""
    problems = []
    scroll, view = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if scroll > view:
        problems.append(f"the page scrolls sideways: {scroll} px wide in a {view} px window")
    for box in page.locator("div.math").evaluate_all(
        "boxes => boxes.filter(b => b.scrollWidth > b.clientWidth + 1).map(b => [b.scrollWidth,"
        " getComputedStyle(b).overflowX, b.tabIndex, (b.querySelector('mjx-container') || b)"
        ".getAttribute('aria-label') || b.textContent.slice(0, 40)])"
    ):
        width, overflow, tab, name = box
        if overflow not in ("auto", "scroll") or tab < 0:
            problems.append(f"equation {name!r} ({width} px): overflow-x {overflow}, tabindex {tab}")
    figures = page.locator(".cell_output img").evaluate_all(
        "images => images.filter(i => !i.closest('.animation')).map(i => {"
        " const a = i.closest('a'); return [i.getAttribute('src'), a ? a.href : null]; })"
    )
    for src, href in figures:
        if not href:
            problems.append(f"figure {src} links to no full-size image")
            continue
        response = page.request.get(href)
        if not response.ok or not response.headers.get("content-type", "").startswith("image/"):
            problems.append(f"figure {src} links to {href}: HTTP {response.status}")
    return problems


@pytest.mark.parametrize("relative", PAGES)
def test_page(site, served, visit, request, relative):
    v = visit()
    page = v.open(f"{served}/{relative}")
    if relative == "index.html":  # the site's address: it sends the reader to the landing page
        assert page.url == f"{served}/intro.html" and not v.problems, (page.url, v.problems)
        return
    scroll_through(page)
    formulas = wait_for_math(page)
    problems: dict[str, list[str]] = {}
    broken = page.evaluate(
        "Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
    )
    problems["images that did not load"] = broken
    if request.config.getoption("--screenshots"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / (relative.replace("/", "__")[:-5] + ".png")), full_page=True)
    problems["text alternatives"], figures = image_problems(page)
    problems["raw TeX in formulas"] = raw_tex(page)
    problems["code cells that scroll sideways at 1280 px"] = code_that_scrolls(page)

    chapter_id = relative.split("/")[1] if relative.startswith("chapters/") else None
    if chapter_id:
        assert formulas > 0, "no math typeset"
        assert figures > 0, "the chapter shows no figure"
        if chapter_id in ANIMATED:
            assert page.locator(".animation").count() > 0, "the chapter's animation is missing"
        problems["animations"] = animation_problems(page)
        problems["download and launch"] = download_problems(page, chapter_id)
    if relative == "glossary.html":
        assert formulas > 0, "no math typeset"
    # Before axe runs: its stylesheet rule fetches @import'ed sheets from the wrong folder (its 404s are
    # its own, not the site's).
    problems["console, network and HTTP"] = list(v.problems)
    problems["axe at 1280 px"] = axe_violations(page)

    # The same page on a phone (no reload), then narrowed as a zoomed-in window is: it must reflow and
    # stay accessible.
    page.set_viewport_size({"width": PHONE, "height": 844})
    page.wait_for_timeout(AFTER_RESIZE_MS)
    problems[f"at {PHONE} px"] = phone_problems(page)
    page.set_viewport_size({"width": NARROW, "height": 900})
    page.wait_for_timeout(AFTER_RESIZE_MS)
    scroll, view = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if scroll > view:
        problems["reflow"] = [f"the page scrolls sideways: {scroll} px wide in a {view} px window"]
    problems[f"axe at {NARROW} px"] = axe_violations(page)
    problems = {check: found for check, found in problems.items() if found}
    assert not problems, problems
