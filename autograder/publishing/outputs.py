"""The outputs a student's notebook ships with: the lesson's figures, drawn without the student's code.

nbgrader releases a notebook without outputs, and Run All stops at the first visible test of a stub, so
a student would see no figure of the lesson until every exercise above it works. The release therefore
runs the released notebook once (stubs and all, going on after errors) and keeps the outputs of the
lesson's code cells (no nbgrader metadata) that ran without an error, without saying "Implement `name`
above to see ..." and exactly as they ran with the model answers, for the site: the cells that do not
need the student's code. An output that differs between the two runs (a timing, or anything that
depends on the exercises) is not shipped: the notebook's outputs agree with the numbers its text quotes
from the site's run. Solution, test and hidden cells (``remove-cell``, e.g. glue bookkeeping) get no
output, and no cell an execution count.

A figure's text alternative (its cell's ``mystnb.image.alt``) comes along: a PNG becomes an ``<img>``
with that ``alt`` in HTML, which JupyterLab keeps in an untrusted (downloaded) notebook; the plain-text
form of the output is the alternative too. An animation (``to_jshtml``, a script an untrusted notebook
does not run) becomes its first frame and a link to the page where it plays.
"""

from __future__ import annotations

import html
import re

import nbformat

FIRST_FRAME = re.compile(r'frames\[0\] = "(data:image/png;base64,[^"]+)"')
WAITING = re.compile(r"above to see")  # a demo that needs the student's code says so
SHOWN = ("text/html", "text/markdown", "text/latex", "image/png", "image/jpeg", "image/svg+xml", "text/plain")


def alt_text(cell) -> str:
    return cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")


def needs_no_student_code(cell, with_answers=None) -> bool:
    """A lesson cell (not a stub, not a test, not hidden plumbing) whose run neither failed nor waited for
    the student's functions and, given ``with_answers`` (the cell run with the model answers), showed
    what that run showed."""
    if (
        cell.cell_type != "code"
        or cell.metadata.get("nbgrader")
        or "remove-cell" in cell.metadata.get("tags", [])
    ):
        return False
    for output in cell.get("outputs", []):
        if output.output_type == "error":
            return False
        if output.output_type == "stream" and WAITING.search(output.text):
            return False
    return with_answers is None or _seen(cell.outputs) == _seen(with_answers.get("outputs", []))


def _seen(outputs) -> list:
    """What a reader sees of ``outputs`` (an animation's page carries a random id: its first frame)."""
    seen = []
    for output in outputs:
        data = output.get("data", {})
        page = data.get("text/html", "")
        page = "".join(page) if isinstance(page, list) else page
        shown = data.get("image/png") or first_frame(page) or page or data.get("text/plain")
        seen.append((output.output_type, output.get("text") or shown))
    return seen


def first_frame(page: str) -> str | None:
    """The first frame (a ``data:`` address) of an animation made by matplotlib's ``to_jshtml``."""
    match = FIRST_FRAME.search(page)
    return match[1].replace("\\\n", "").replace("\n", "") if match else None


def image_html(src: str, alt: str, after: str = "") -> str:
    """An ``<img>`` with its text alternative (``src`` a ``data:`` address or base64 PNG data)."""
    if not src.startswith("data:"):
        src = "data:image/png;base64," + "".join(src.split())
    return f'<img alt="{html.escape(alt)}" src="{src}">{after}'


def shipped(output, alt: str, page_url: str):
    """The form of one output the student's notebook keeps (None: none)."""
    if output.output_type == "stream":
        return output
    if output.output_type not in ("display_data", "execute_result"):
        return None
    data = {mime: value for mime, value in output.get("data", {}).items() if mime in SHOWN}
    page = data.get("text/html", "")
    if isinstance(page, list):
        page = "".join(page)
    if "<script" in page.lower() or "javascript" in "".join(output.get("data", {})):
        frame = first_frame(page)
        if frame is None:
            return None  # a script Jupyter would not run, and nothing to show in its place
        note = (
            "This is the first frame of an animation; it plays on the "
            f'<a href="{html.escape(page_url)}">chapter\'s page on the course site</a>.'
        )
        data = {
            "text/html": image_html(frame, alt, f"<p>{note}</p>"),
            "text/plain": f"{alt}\n(The first frame of an animation, which plays on {page_url}.)",
        }
    elif "image/png" in data and alt:
        data = {"text/html": image_html(data["image/png"], alt), "text/plain": alt}
    if not data:
        return None
    new = nbformat.v4.new_output("display_data", data=data, metadata=output.get("metadata", {}))
    return new


def ship(released, executed, with_answers, page_url: str) -> int:
    """Give the cells of ``released`` the outputs of ``executed`` (the same notebook run) that need no
    student code (``with_answers``: the source notebook run with the model answers); return how many
    cells got outputs. ``page_url``: the chapter's page, where animations play."""
    if [c.get("id") for c in released.cells] != [c.get("id") for c in executed.cells]:
        raise ValueError("the executed notebook is not the released one")
    answers = {c.get("id"): c for c in with_answers.cells}
    kept = 0
    for cell, ran in zip(released.cells, executed.cells, strict=True):
        if cell.cell_type != "code":
            continue
        cell.execution_count = None
        cell.outputs = []
        if ran.get("id") in answers and needs_no_student_code(ran, answers[ran.get("id")]):
            alt = alt_text(ran)
            cell.outputs = [o for o in (shipped(o, alt, page_url) for o in ran.outputs) if o is not None]
            kept += bool(cell.outputs)
    return kept
