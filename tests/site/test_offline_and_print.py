"""The site opened from disk (``file://``, as students are told to), and printed (``make pdf``).

From disk, Chromium refuses MathJax's XMLHttpRequest for its speech rules; the rules are also
published as scripts, so every formula is typeset and spoken there too. If the rules cannot load at
all, formulas are still typeset (without speech) instead of typesetting stopping."""

from __future__ import annotations

import re
import subprocess
import sys

import nbformat
import pytest
from helpers import ROOT, chapters_in_toc, toc_files

pytestmark = pytest.mark.slow

TEX = ("\\frac", "\\sum", "$$", "\\begin", "\\text", "\\mathrm")


def chapter_title(path) -> str:
    """The chapter's title: the first markdown heading of its notebook."""
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "markdown" and cell.source.startswith("# "):
            return cell.source.splitlines()[0][2:].strip()
    raise AssertionError(f"{path} has no title")


def typeset(page) -> tuple[int, int, list[str]]:
    """(formulas on the page, formulas typeset, formulas still showing TeX), once MathJax is done."""
    page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("MathJax.startup.promise")
    formulas = page.locator(".math").count()
    page.wait_for_function(
        f"document.querySelectorAll('.math mjx-container').length >= {formulas}", timeout=20_000
    )
    raw = page.locator(".math").evaluate_all(
        "ms => ms.filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.slice(0, 60))"
    )
    return formulas, page.locator(".math mjx-container").count(), raw


@pytest.mark.parametrize("index", range(8))
def test_chapter_from_disk_typesets_and_speaks_every_formula(site, browser, index):
    course, html = site
    chapter_id = chapters_in_toc(course)[index]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto((html / "chapters" / chapter_id / f"{chapter_id}.html").as_uri(), wait_until="load")
        formulas, done, raw = typeset(page)
        assert formulas > 0 and done == formulas and not raw, (formulas, done, raw)
        page.wait_for_function(
            f"document.querySelectorAll('.math mjx-container[aria-label]').length >= {formulas}",
            timeout=20_000,
        )
        assert not errors, errors
    finally:
        context.close()


def test_formulas_typeset_when_the_speech_rules_cannot_load(site, served, visit):
    course, _ = site
    chapter_id = chapters_in_toc(course)[0]
    v = visit()
    v.context.route(re.compile(r".*/sre/mathmaps/.*"), lambda route: route.abort())
    v.page.goto(f"{served}/chapters/{chapter_id}/{chapter_id}.html", wait_until="load")
    formulas, done, raw = typeset(v.page)
    assert formulas > 0 and done == formulas and not raw, (formulas, done, raw)


def test_the_course_prints_to_one_pdf(site, tmp_path):
    from pypdf import PdfReader

    course, html = site
    # In its own process, as `make pdf` runs it: this module's browser already holds Playwright's loop.
    path = tmp_path / "course.pdf"
    command = [sys.executable, "-m", "autograder", "pdf", "--html", str(html), "-o", str(path)]
    subprocess.run(command, check=True, cwd=ROOT, timeout=600)
    reader = PdfReader(path)
    pages = toc_files(course)
    # 116 pages when this was written (12 site pages): a floor well under that, and one per page.
    assert len(reader.pages) >= max(80, len(pages)), len(reader.pages)
    assert [item.title for item in reader.outline][: len(pages)] and len(reader.outline) == len(pages)
    text = " ".join("\n".join(page.extract_text() for page in reader.pages).split())
    for chapter_id in chapters_in_toc(course):
        title = chapter_title(course / "chapters" / chapter_id / f"{chapter_id}.ipynb")
        assert " ".join(title.split()) in text, f"{chapter_id}: its title {title!r} is not in the PDF"
    left = [tex for tex in TEX if tex in text]
    assert not left, f"TeX source left in the PDF's text: {left}"
