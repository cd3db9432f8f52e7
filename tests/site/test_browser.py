"""The website's search and navigation in a real headless browser, served on loopback with every other
host blocked (each page's own checks are in ``test_pages``)."""

from __future__ import annotations

import pytest
from helpers import chapters_in_toc

pytestmark = pytest.mark.slow


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
