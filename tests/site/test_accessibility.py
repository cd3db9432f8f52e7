"""WCAG 2.1 AA in the browser beyond what each page's checks cover (axe-core's rules at two widths, text
alternatives and named animation controls are in ``test_pages``): a keyboard walk from the landing page
through a chapter's animation (each frame described in text, nothing moving by itself), and formulas that
screen readers can speak, with everything served by the site itself."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import chapters_in_toc, wait_for_math
from playwright.sync_api import expect

pytestmark = pytest.mark.slow

NEXT_FRAME = "button[aria-label='Next frame']"


def _tab_to(page, condition: str, limit: int = 400) -> None:
    """Press Tab until ``condition`` (JavaScript, given the focused element ``e``) holds."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(e => !!e && ({condition}))(document.activeElement)"):
            return
    pytest.fail(f"{limit} presses of Tab never reached: {condition}")


def _focus_is_visible(page) -> bool:
    return page.evaluate(
        "(s => s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 || s.boxShadow !== 'none')"
        "(getComputedStyle(document.activeElement))"
    )


def test_keyboard_walk_from_the_landing_page_through_an_animation(site, served, visit):
    course, _ = site
    animated = next(
        c
        for c in chapters_in_toc(course)
        if "animate(" in (course / "chapters" / c / f"{c}.ipynb").read_text()
    )
    v = visit()
    page = v.open(f"{served}/intro.html")
    _tab_to(page, f"(e.getAttribute('href') || '').endsWith('{animated}.html')")
    assert _focus_is_visible(page), "the focused link shows no focus indicator"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/{animated}.html")
    page.wait_for_load_state("networkidle")

    frame = page.locator(".animation img").first
    first = frame.get_attribute("src")
    description = page.locator(".animation .anim-frame").first
    first_description = description.text_content()
    assert first_description.strip(), "the first frame is not described in text"
    page.wait_for_timeout(2500)  # WCAG 2.2.2: nothing moves until the reader asks
    assert frame.get_attribute("src") == first, "the animation plays by itself"

    _tab_to(page, f"e.matches(\"{NEXT_FRAME}\") && !!e.closest('.animation')")
    assert _focus_is_visible(page), "the focused animation button shows no focus indicator"
    page.keyboard.press("Enter")
    second = frame.get_attribute("src")
    assert second != first, "Next frame, pressed from the keyboard, did not step the animation"
    expect(description).not_to_have_text(first_description)  # the new frame's title, announced
    slider = page.locator(".animation input[type=range]").first
    expect(slider).to_have_attribute("aria-valuetext", re.compile(r"^Frame 2 of \d+$"))
    page.keyboard.press("Shift+Tab")  # Play
    page.keyboard.press("Enter")
    page.wait_for_function(f"document.querySelector('.animation img').src !== {second!r}", timeout=5000)
    page.keyboard.press("Shift+Tab")  # Pause
    page.keyboard.press("Enter")
    paused = frame.get_attribute("src")
    page.wait_for_timeout(2500)
    assert frame.get_attribute("src") == paused, "Pause, pressed from the keyboard, did not stop it"
    assert not v.problems, v.problems


def test_formulas_are_spoken_offline(site, served, visit):
    course, html = site
    chapter_id = chapters_in_toc(course)[0]
    v = visit()
    page = v.open(f"{served}/chapters/{chapter_id}/{chapter_id}.html")
    formulas = wait_for_math(page)
    assert formulas > 0
    # MathJax's explorer, with the speech rules served by the site, gives every formula its spoken form
    # (a screen reader reads it) and a place in the tab order (its parts can be explored with the arrows).
    page.wait_for_function(
        f"document.querySelectorAll('mjx-container[aria-label][tabindex=\"0\"]').length >= {formulas}",
        timeout=20_000,
    )
    speech = page.locator("mjx-container").evaluate_all("cs => cs.map(c => c.getAttribute('aria-label'))")
    silent = [i for i, said in enumerate(speech) if not (said or "").strip()]
    assert not silent, f"formulas {silent} of {len(speech)} have no spoken form"
    assert (Path(html) / "mathjax" / "sre" / "mathmaps" / "en.json").is_file()
    assert not v.problems, v.problems
