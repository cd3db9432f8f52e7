"""The form every page keeps, checked on the sources (the browser checks of the built pages are in
``tests/site``): each chapter's "Next" link goes to the page after it in ``_toc.yml``; the code
students read fits the site's code column; the glossary is one alphabetical ``{glossary}`` block."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

import nbformat
import pytest
from helpers import ROOT, toc_files

# What the code column shows at 1280 px without scrolling (82 characters: tests/site/test_pages.py
# checks the built pages) less a margin: the limit of every line a student reads.
CODE_WIDTH = 79
HIDDEN_BEGIN = ("### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS")
HIDDEN_END = ("### END SOLUTION", "### END HIDDEN TESTS")
NEXT = re.compile(r"\*\*Next:\*\*(.*)", re.S)
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")

PAGES = toc_files(ROOT)  # the landing page, the chapters, the reference pages, in order
CHAPTERS = [page for page in PAGES if page.startswith("chapters/")]


def _source(page: str) -> Path:
    (path,) = [p for p in (ROOT / f"{page}.ipynb", ROOT / f"{page}.md") if p.exists()]
    return path


def next_link(nb) -> str | None:
    """The target of the first link after the last ``**Next:**`` of the notebook's markdown."""
    found = None
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for match in NEXT.finditer(cell.source):
            link = LINK.search(match.group(1))
            found = link.group(1) if link else ""
    return found


@pytest.mark.parametrize("page", CHAPTERS)
def test_next_link_goes_to_the_next_page_of_the_toc(page):
    nb = nbformat.read(_source(page), as_version=4)
    target = next_link(nb)
    assert target is not None, f"{page} has no **Next:** line"
    assert target, f"{page}: its **Next:** line links nowhere"
    following = PAGES[PAGES.index(page) + 1]
    expected = _source(following).relative_to(ROOT).as_posix()
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(page), target.split("#")[0]))
    assert resolved == expected, f"{page}: **Next:** links {target}, but _toc.yml puts {expected} next"


def test_next_link_reads_the_last_next_line():
    cells = [
        nbformat.v4.new_markdown_cell("**Next:** [chapter 2](../02/02.ipynb)."),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_markdown_cell("Summary.\n\n**Next:** the [glossary](../../glossary.md)."),
    ]
    assert next_link(nbformat.v4.new_notebook(cells=cells)) == "../../glossary.md"
    assert next_link(nbformat.v4.new_notebook(cells=cells[1:2])) is None


def wide_lines(nb, limit: int = CODE_WIDTH) -> list[str]:
    """Lines wider than ``limit`` in the code a student reads: every code cell not tagged
    ``remove-cell``, outside the solution and hidden-test blocks (they never reach students)."""
    wide = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or "remove-cell" in cell.metadata.get("tags", []):
            continue
        hidden = False
        for number, line in enumerate(cell.source.splitlines(), 1):
            marker = line.strip()
            if marker in HIDDEN_BEGIN:
                hidden = True
            elif marker in HIDDEN_END:
                hidden = False
            elif not hidden and len(line) > limit:
                wide.append(f"cell {index} line {number} ({len(line)} characters): {line.strip()[:50]}")
    return wide


@pytest.mark.parametrize("page", CHAPTERS)
def test_code_students_read_fits_the_code_column(page):
    wide = wide_lines(nbformat.read(_source(page), as_version=4))
    assert not wide, f"{page}: {len(wide)} lines wider than {CODE_WIDTH} characters:\n" + "\n".join(wide)


def test_wide_lines_skips_what_students_never_see():
    long = "y = " + "1 + " * 30 + "1"
    solution = f"def f():\n    ### BEGIN SOLUTION\n    {long}\n    ### END SOLUTION\n"
    removed = nbformat.v4.new_code_cell(long, metadata={"tags": ["remove-cell"]})
    cells = [nbformat.v4.new_code_cell(solution), removed, nbformat.v4.new_markdown_cell(long)]
    assert wide_lines(nbformat.v4.new_notebook(cells=cells)) == []
    shown = nbformat.v4.new_code_cell(f"x = 1\n{long}", metadata={"tags": ["hide-input"]})
    assert wide_lines(nbformat.v4.new_notebook(cells=[shown])) == [
        f"cell 0 line 2 ({len(long)} characters): {long[:50]}"
    ]
    assert wide_lines(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x" * 79)])) == []


GLOSSARY_BLOCK = re.compile(r"^```\{glossary\}\n(.*?)^```$", re.S | re.M)


def glossary_terms(text: str) -> tuple[list[str], list[str]]:
    """(terms inside the ``{glossary}`` block, term-like paragraphs outside it): a term is a line that
    starts a paragraph, is not indented and is followed by an indented definition."""
    blocks = GLOSSARY_BLOCK.findall(text)
    assert len(blocks) == 1, f"glossary.md has {len(blocks)} {{glossary}} blocks, not one"
    (block,) = blocks
    outside = GLOSSARY_BLOCK.sub("", text)

    def terms(part: str) -> list[str]:
        lines = part.splitlines()
        return [
            line.strip()
            for i, line in enumerate(lines[:-1])
            if line.strip()
            and not line[0].isspace()
            and lines[i + 1].startswith("  ")
            and (i == 0 or not lines[i - 1].strip())
        ]

    return terms(block), terms(outside)


def test_glossary_is_one_alphabetical_block():
    inside, outside = glossary_terms((ROOT / "glossary.md").read_text())
    assert not outside, f"glossary entries outside the {{glossary}} block (shown as stray text): {outside}"
    assert len(inside) > 20, inside
    twice = sorted({t for t in inside if [u.casefold() for u in inside].count(t.casefold()) > 1})
    assert not twice, f"terms defined twice: {twice}"
    assert inside == sorted(inside, key=str.casefold), "glossary terms are not in alphabetical order"


def test_glossary_terms_finds_stray_entries():
    text = (
        "# Glossary\n\nIntro.\n\nZeta\n  Stray copy.\n\n```{glossary}\nAlpha\n  First.\n\n"
        "Beta\n  Second,\n  on two lines.\n```\n"
    )
    assert glossary_terms(text) == (["Alpha", "Beta"], ["Zeta"])
