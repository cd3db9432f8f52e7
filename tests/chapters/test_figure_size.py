"""Every figure and animation the chapters draw can be read where the site shows it, and panels that are
compared keep one colour scale.

At 1280 px the site's content column is 688 px wide: a wider image is shrunk to it, a narrower one is
shown at its own width. The smallest text of a figure, at that displayed size, must be at least 9 px.
The image's width is read from the PNG itself (an animation's from its first frame); the size of its
smallest text, in pixels of that image, from what the preamble's hook saw matplotlib draw (the output's
metadata ``image/png.figure``, an animation's ``data-figure``). Panels declared compared with
``shared_scale`` must still share their colour limits when drawn, and show a colour bar.
"""

from __future__ import annotations

import base64
import html
import json
import re
import struct
from pathlib import Path

import matplotlib
import pytest
import yaml
from helpers import ROOT

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLUMN_PX = 688  # the content column at 1280 px
SMALLEST_PX = 9.0
CHAPTERS = [
    Path(entry["file"]).name
    for part in yaml.safe_load((ROOT / "_toc.yml").read_text())["parts"]
    for entry in part["chapters"]
    if entry["file"].startswith("chapters/")
]


def png_width(data: bytes) -> int:
    """The width in pixels written in a PNG's header."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">I", data[16:20])[0]


def shown_px(image_px: float, width: int, column: int = COLUMN_PX) -> float:
    """A length of image_px pixels of an image width pixels wide, as the column shows it."""
    return image_px * min(1.0, column / width)


def figures(nb):
    """(cell index, width in px, measures) of every figure and animation an executed notebook shows."""
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = output.get("data", {})
            if "image/png" in data:
                measures = output.get("metadata", {}).get("image/png", {}).get("figure")
                yield index, png_width(base64.b64decode(data["image/png"])), measures
            elif "_anim_img" in str(data.get("text/html", "")):
                page = "".join(data["text/html"])
                frame = re.search(r'frames\[0\] = "data:image/png;base64,([^"]+)"', page)
                found = re.search(r'data-figure="([^"]*)"', page)
                measures = json.loads(html.unescape(found[1])) if found else None
                yield index, png_width(base64.b64decode(frame[1].replace("\\n", ""))), measures


def test_display_size_by_hand():
    assert shown_px(12.0, 600) == 12.0  # narrower than the column: shown at its own size
    assert shown_px(13.0, 1376) == pytest.approx(6.5)  # twice the column: half size
    assert png_width(base64.b64decode(_tiny_png())) == 3


def _tiny_png() -> str:
    """The start of a PNG 3 px wide and 2 px high, its header written by hand."""
    header = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">II", 3, 2)
    return base64.b64encode(header + b"\x08\x02\x00\x00\x00").decode()


@pytest.fixture(scope="module")
def preamble() -> dict:
    namespace: dict = {}
    exec(compile((ROOT / "chapters" / "preamble.py").read_text(), "preamble.py", "exec"), namespace)
    yield namespace
    plt.close("all")


def test_the_hook_sees_the_text_drawn(preamble):
    fig, ax = plt.subplots(figsize=(4, 2), dpi=96)
    ax.set_title("big", fontsize=14)
    ax.text(0.5, 0.5, "small", fontsize=6)
    ax.text(0.5, 0.2, "   ", fontsize=2)  # blank: nothing to read
    with preamble["_TextSizes"]() as texts:
        fig.savefig(__import__("io").BytesIO(), format="png")
    measured = texts.measures(fig)
    assert measured["smallest_text"] == "small"
    assert measured["smallest_text_px"] == pytest.approx(6 * 96 / 72)


def test_the_hook_sees_compared_panels_drift_apart(preamble):
    fig, axes = plt.subplots(1, 2)
    low, high = [[0.0, 1.0]], [[0.0, 3.0]]
    shown = preamble["shared_scale"](fig, axes, [low, high], label="value")
    with preamble["_TextSizes"]() as texts:
        fig.savefig(__import__("io").BytesIO(), format="png")
    assert texts.measures(fig)["compared"] == [{"limits": [[0.0, 3.0], [0.0, 3.0]], "colour_bar": True}]
    shown[0].set_clim(0.0, 1.0)  # each panel on its own scale again
    assert not same_limits(texts.measures(fig)["compared"][0])


def same_limits(group: dict) -> bool:
    return all(limits == group["limits"][0] for limits in group["limits"])


def test_chapter_list_is_the_books():
    folders = sorted(p.name for p in (ROOT / "chapters").iterdir() if (p / f"{p.name}.ipynb").exists())
    assert CHAPTERS == folders, "every chapter of the book is measured, none left out"


@pytest.mark.slow  # the chapters run with their model answers
@pytest.mark.parametrize("chapter_id", CHAPTERS)
def test_figures_are_readable_in_the_column(chapter_id, executed):
    problems, count = [], 0
    for index, width, measures in figures(executed[chapter_id]):
        count += 1
        if measures is None:
            problems.append(f"cell {index}: no measures (is the preamble's figure hook installed?)")
            continue
        px = shown_px(measures["smallest_text_px"], width)
        if px < SMALLEST_PX:
            problems.append(
                f"cell {index}: {width} px wide, shown at {min(1, COLUMN_PX / width):.0%}: its smallest text "
                f"{measures['smallest_text']!r} is {px:.1f} px on screen (at least {SMALLEST_PX:g})"
            )
        for group in measures["compared"]:
            if not same_limits(group) or not group["colour_bar"]:
                problems.append(
                    f"cell {index}: compared panels with limits {group['limits']}, colour bar "
                    f"{group['colour_bar']}: give them one scale and one colour bar"
                )
    assert count, f"{chapter_id} draws no figure: the check would check nothing"
    assert not problems, "\n".join(problems)
