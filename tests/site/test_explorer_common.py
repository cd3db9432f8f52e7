"""What holds for every explorer, read from the repository (no browser): the scripts stay light, and each
``{explorer}`` used in a chapter has its module and its browser test."""

from __future__ import annotations

import re

import nbformat
from explorers import DIRECTIVE, used
from helpers import ROOT, SOURCES

from autograder.publishing import jupyter, release

FOLDER = ROOT / "_static" / "explorers"
BUDGET = 60 * 1024  # bytes, uncompressed, every explorer's script and the component together


def test_all_explorer_scripts_stay_within_60_kb():
    sizes = {p.name: p.stat().st_size for p in FOLDER.glob("*.js")}
    assert "explorer.js" in sizes
    assert sum(sizes.values()) <= BUDGET, sizes


def test_each_explorer_used_has_its_module_and_its_browser_test():
    names = used()
    # what the landing page promises: every chapter but 05 and 08 has one
    assert sorted(chapter for chapters in names.values() for chapter in chapters) == [
        "01_convolution",
        "02_motivations",
        "03_padding",
        "04_channels",
        "06_dilation",
        "07_pooling",
        "09_transposed",
    ]
    intro = " ".join((ROOT / "intro.md").read_text().split())
    assert (
        "Every chapter but chapters 5 (on $1 \\times 1$ convolutions) and 8 (on backpropagation) also has an "
        "**explorer**" in intro
    )
    for name, chapters in names.items():
        module = FOLDER / f"{name}.js"
        assert module.is_file(), f"{chapters} use explorer {name!r}: {module} is missing"
        assert f'explorer("{name}",' in module.read_text(), f"{module} does not start explorer {name!r}"
        test = ROOT / "tests" / "site" / f"test_explorer_{name.replace('-', '_')}.py"
        assert test.is_file(), f"explorer {name!r} has no browser test {test.name}"


def test_each_explorer_cell_is_the_directive_alone():
    """The release turns the directive into a link; a cell of its own keeps that simple."""
    for path in SOURCES:
        for cell in nbformat.read(path, as_version=4).cells:
            if DIRECTIVE.search(cell.source):
                assert cell.cell_type == "markdown"
                assert re.fullmatch(r"```\{explorer\} [\w-]+\n(:params: [^\n]+\n)?```\n?", cell.source), (
                    cell.source
                )


def test_a_released_hint_links_to_the_explorer_on_the_chapters_page():
    """The chapters' hints link to an explorer's setting as "the explorer above" (true on the site); in the
    released notebook the link goes to the chapter's page and says so."""
    site = jupyter.Site("https://example.org/course/")
    hints = []
    for path in SOURCES:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "markdown" and re.search(r"\]\(#explore-|href=\"#explore-", cell.source):
                hints.append((path.stem, cell.source))
    assert len(hints) >= 6  # chapters 01 to 07 but 05 link a hint to their explorer
    for chapter, source in hints:
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(source)])
        release.write_text(nb, chapter, site, {})
        text = nb.cells[0].source
        page = f"https://example.org/course/chapters/{chapter}/{chapter}.html#explore-"
        assert page in text, text
        assert "explorer above" not in text, text
        if "explorer above" in source:
            assert "explorer on the chapter's page" in text, text
    md = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("The [explorer above](#explore-x=n=1).")]
    )
    release.write_text(md, "03_padding", site, {})
    assert md.cells[0].source == (
        "The [explorer on the chapter's page](https://example.org/course/chapters/03_padding/03_padding.html"
        "#explore-x=n=1)."
    )
