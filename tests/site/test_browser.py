"""The website in a real headless browser (Debian's chromium, driven by Playwright), served on loopback
with every other host blocked: pages load cleanly, math renders, images and animations load, search
and navigation work, downloads are student notebooks. A screenshot of every page goes to
``_build/screenshots/`` for a human to look at."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from helpers import chapters_in_toc, scroll_through, secret_lines, site_pages, wait_for_math

pytestmark = pytest.mark.slow

SCREENSHOTS = Path(__file__).resolve().parents[2] / "_build" / "screenshots"
ANIMATED = ("01_convolution", "06_dilation", "07_pooling")


def test_every_page_loads_cleanly_renders_math_and_images(site, served, visit):
    _, html = site
    pages = site_pages(html)
    assert {"intro.html", "glossary.html", "references.html", "search.html"} <= set(pages)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    typeset = {}
    for relative in pages:
        v = visit()
        page = v.open(f"{served}/{relative}")
        scroll_through(page)
        typeset[relative] = wait_for_math(page)
        broken = page.evaluate(
            "Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
        )
        assert not broken, f"{relative}: images that did not load: {broken}"
        page.screenshot(path=str(SCREENSHOTS / (relative.replace("/", "__")[:-5] + ".png")), full_page=True)
        assert not v.problems, f"{relative}: {v.problems}"
    for chapter_id in chapters_in_toc(site[0]):
        assert typeset[f"chapters/{chapter_id}/{chapter_id}.html"] > 0, f"{chapter_id}: no math typeset"
    assert typeset["glossary.html"] > 0


@pytest.mark.parametrize("chapter_id", ANIMATED)
def test_animations_load_and_step(served, visit, chapter_id):
    v = visit()
    page = v.open(f"{served}/chapters/{chapter_id}/{chapter_id}.html")
    animation = page.locator(".animation").first
    animation.scroll_into_view_if_needed()
    frame = animation.locator("img")
    assert frame.evaluate("i => i.complete && i.naturalWidth > 0"), "the first frame did not load"
    animation.locator("button[title='Pause']").click()
    before = frame.get_attribute("src")
    animation.locator("button[title='Next frame']").click()
    after = frame.get_attribute("src")
    assert after != before and after.startswith("data:image/png"), "the animation does not step"
    assert frame.evaluate("i => i.complete && i.naturalWidth > 0")
    assert not v.problems, v.problems


def test_search_finds_dilation(served, visit):
    v = visit()
    page = v.open(f"{served}/search.html?q=dilation")
    results = page.locator("#search-results li")
    results.first.wait_for(timeout=15_000)
    links = [results.nth(i).locator("a").first.get_attribute("href") for i in range(results.count())]
    assert any("06_dilation" in link for link in links), links
    assert not v.problems, v.problems


def test_navigation_from_the_landing_page_through_the_chapters(site, served, visit):
    v = visit()
    page = v.open(f"{served}/intro.html")
    page.locator("a.right-next").click()
    page.wait_for_load_state("load")
    ids = chapters_in_toc(site[0])
    assert page.url.endswith(f"chapters/{ids[0]}/{ids[0]}.html"), page.url
    page.locator("a.right-next").click()
    page.wait_for_load_state("load")
    assert page.url.endswith(f"chapters/{ids[1]}/{ids[1]}.html"), page.url
    # The sidebar reaches every chapter and the reference pages.
    sidebar = page.locator("nav.bd-links a").evaluate_all("links => links.map(a => a.href)")
    for chapter_id in ids:
        assert any(f"{chapter_id}.html" in href for href in sidebar), chapter_id
    assert any("glossary.html" in href for href in sidebar) and any(
        "references.html" in href for href in sidebar
    )
    assert not v.problems, v.problems


def test_download_links_return_student_notebooks(site, served, visit):
    course, _ = site
    for chapter_id in chapters_in_toc(course):
        v = visit()
        page = v.open(f"{served}/chapters/{chapter_id}/{chapter_id}.html")
        link = page.locator(f"a[href$='{chapter_id}-exercises.ipynb']").first
        response = page.request.get(link.evaluate("a => a.href"))
        assert response.ok, f"{chapter_id}: download failed with HTTP {response.status}"
        nb = nbformat.reads(response.text(), as_version=4)
        nbformat.validate(nb)
        text = json.dumps(nb)
        assert "raise NotImplementedError()" in text, f"{chapter_id}: the download has no stubs"
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
        sources = "\n".join(cell.source for cell in nb.cells)
        for line in secret_lines(chapter_id):
            assert line not in sources, f"{chapter_id}: the download leaks {line!r}"
        assert not v.problems, v.problems


def test_launch_buttons_open_the_student_notebook(site, served, visit):
    """The launch buttons point at the student branch, at the page's own path (stubs, never solutions)."""
    course, _ = site
    chapter_id = chapters_in_toc(course)[0]
    v = visit()
    page = v.open(f"{served}/chapters/{chapter_id}/{chapter_id}.html")
    hrefs = page.locator("a[href*='mybinder.org'], a[href*='colab.research.google.com']").evaluate_all(
        "links => links.map(a => a.href)"
    )
    assert len(hrefs) == 2, hrefs
    for href in hrefs:
        assert "student" in href and href.endswith(f"chapters/{chapter_id}/{chapter_id}.ipynb"), href
