"""The website: built from a copy of the course, offline, with every figure and no leak."""

from __future__ import annotations

import gc
import html as html_lib
import json
import os
import re
from html.parser import HTMLParser

import leaks
import nbformat
import pytest
from helpers import SOURCES, chapters_in_toc

from autograder.engine import exercises
from autograder.publishing import execute

pytestmark = pytest.mark.slow


class Assets(HTMLParser):
    """Every script, stylesheet, image and link of a page."""

    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for attr in ("src", "href"):
            if attrs.get(attr):
                self.urls.append((tag, attrs[attr]))


def test_every_chapter_has_a_page_figures_and_a_download(site):
    course, html = site
    ids = chapters_in_toc(course)
    assert ids == list(exercises.CHAPTERS), "every chapter of the registry has a page, in order"
    assert len(ids) == 9
    for chapter_id in ids:
        page = html / "chapters" / chapter_id / f"{chapter_id}.html"
        text = page.read_text()
        assert text.count("<img") >= 1, f"{chapter_id}: no figure"
        assert re.search(rf'href="[^"]*_downloads/[^"]*{chapter_id}-exercises\.ipynb"', text), chapter_id
        plain = html_lib.unescape(re.sub(r"<[^>]+>", "", text))
        assert "raise NotImplementedError()" in plain, f"{chapter_id}: the stubs are what students see"
        assert "Learning objectives" in plain and "Summary" in plain


def test_download_links_are_student_notebooks(site):
    course, html = site
    for chapter_id in chapters_in_toc(course):
        (notebook,) = html.glob(f"_downloads/*/{chapter_id}-exercises.ipynb")
        nb = json.loads(notebook.read_text())
        sources = "\n".join("".join(c["source"]) for c in nb["cells"])
        assert "raise NotImplementedError()" in sources
        assert "BEGIN SOLUTION" not in sources and "BEGIN HIDDEN TESTS" not in sources


def test_no_solution_or_hidden_test_anywhere_in_the_site(site):
    course, html = site
    text = "\n".join(
        p.read_text(errors="replace")
        for p in html.rglob("*")
        if p.suffix in {".html", ".ipynb", ".txt", ".js"} and "mathjax" not in p.parts
    )
    assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
    for line, chapter_id in leaks.model_answer_lines(SOURCES).items():
        assert line not in text, f"{chapter_id} leaked into the site: {line!r}"


def test_no_page_or_download_answers_any_exercise(site):
    """No function that a page shows, or a notebook of the site (downloads, page sources) defines,
    passes most of the hidden cases of any chapter's graded exercise."""
    course, html = site
    documents = [
        *(html / "chapters" / c / f"{c}.html" for c in chapters_in_toc(course)),
        *sorted(html.glob("_downloads/*/*.ipynb")),
        *sorted(html.glob("_sources/**/*.ipynb")),
    ]
    assert len(documents) >= 2 * len(chapters_in_toc(course))
    for path in documents:
        code = leaks.code_cells(path)
        assert code, f"{path.relative_to(html)}: no code found to scan"
        given = leaks.answers_given_away(leaks.defined_functions(code))
        assert not given, f"{path.relative_to(html)}: {given}"


def test_site_works_offline(site):
    """Every asset is served by the site itself; internal links resolve; MathJax is local."""
    _, html = site
    for page in html.rglob("*.html"):
        parser = Assets()
        parser.feed(page.read_text())
        for tag, url in parser.urls:
            if tag in ("script", "img") or (tag == "link" and "stylesheet" in url + tag):
                assert not url.startswith(("http:", "https:", "//")), (
                    f"{page.name} loads {url} from the network"
                )
            if tag == "a" and not url.startswith(("http", "mailto:", "#", "javascript:")):
                target = (page.parent / url.split("#")[0].split("?")[0]).resolve()
                assert target.exists(), f"{page.relative_to(html)} links to missing {url}"
    assert (html / "mathjax" / "tex-mml-chtml.js").stat().st_size > 100_000
    assert (html / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").is_dir()


def test_notebooks_run_one_kernel_per_core_cached_and_leave_nothing_open(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    code = "import os, time\nstart = time.time()\ntime.sleep(1.5)\nprint(start, time.time(), os.getpid())"
    sources = []
    for i in range(3):
        path = tmp_path / f"nb{i}" / f"nb{i}.ipynb"
        path.parent.mkdir()
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code + f"  # {i}")]), path)
        sources.append(path)
    executed = execute.execute(sources, tmp_path / "cache")
    lines = [nb.cells[0].outputs[0].text.split() for nb in executed]
    spans = [(float(start), float(end)) for start, end, _ in lines]
    assert len({pid for *_, pid in lines}) == 3, "one kernel per notebook"
    at_once = max(sum(s <= start < e for s, e in spans) for start, _ in spans)
    assert at_once == 2, spans  # two kernels side by side, never three
    again = execute.execute(sources, tmp_path / "cache")
    assert [nb.cells[0].outputs for nb in again] == [nb.cells[0].outputs for nb in executed], "from the cache"
    gc.collect()  # an event loop or socket left open would be reported now, and warnings are errors
