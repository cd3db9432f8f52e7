"""Every figure and animation a chapter draws has a text alternative, next to the code that draws it: the
``mystnb.image.alt`` of the drawing cell's metadata (myst-nb puts it on the image; the site's extension
puts it on an animation's frame). It says what the figure shows, not what file holds it. The chapters
run with their model answers (the ``executed`` fixture), so every figure the site shows is drawn here."""

from __future__ import annotations

import pytest
from helpers import SOURCES

pytestmark = pytest.mark.slow  # the chapters run with their model answers

WORDS = 8  # fewer cannot say what a figure shows


def draws(cell) -> bool:
    """Whether a cell's outputs hold an image or an animation."""
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if any(kind.startswith("image/") for kind in data) or "_anim_img" in str(data.get("text/html", "")):
            return True
    return False


@pytest.mark.parametrize("chapter_id", [p.stem for p in SOURCES])
def test_every_figure_has_a_text_alternative(chapter_id, executed):
    problems, figures = [], 0
    for index, cell in enumerate(executed[chapter_id].cells):
        if cell.cell_type != "code" or not draws(cell):
            continue
        figures += 1
        alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")
        if len(alt.split()) < WORDS:
            where = f"cell {index} (id {cell.get('id')})"
            problems.append(f"{where}: set metadata mystnb.image.alt to what its figure shows (now {alt!r})")
    assert figures, f"{chapter_id} draws no figure: the check would check nothing"
    assert not problems, "\n".join(problems)
