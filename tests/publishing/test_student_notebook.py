"""The released notebook reads as a lesson: plumbing collapsed, demos that wait for the student's code.

A student opens the release notebook in Jupyter or JupyterLab with numpy and matplotlib only. The
preamble and the figure-drawing cells are collapsed there (``jupyter.source_hidden``), not only on the
site. Before an exercise is done, a demo cell that uses it prints one line saying so instead of a
traceback; with the model answers no demo says it.
"""

from __future__ import annotations

import ast
import asyncio
import html
import re
import tempfile
from pathlib import Path

import nbformat
import pytest
from helpers import SOURCES, source_notebook
from myst_nb.core.variables import format_plain_text
from nbclient import NotebookClient
from traitlets.config import Config

from autograder.engine import exercises
from autograder.publishing import execute, jupyter, release

pytestmark = pytest.mark.slow  # every test reads the released course or the chapters run

CHAPTER_IDS = [p.stem for p in SOURCES]
COLLAPSED_TAGS = {"remove-cell", "hide-input"}  # the preamble, and figure-drawing code the site hides
# A student's Jupyter has numpy and matplotlib, not the book's tools: make their import fail.
STUDENT_KERNEL = "import sys\nsys.modules['myst_nb'] = None  # a student's Jupyter has no myst-nb"


def collapsible(nb):
    return [c for c in nb.cells if c.cell_type == "code" and COLLAPSED_TAGS & set(c.metadata.get("tags", []))]


@pytest.mark.parametrize("chapter_id", CHAPTER_IDS)
def test_plumbing_is_collapsed_in_jupyter(chapter_id, course):
    """In the source and in the notebook nbgrader releases (it must keep the metadata)."""
    released = course / "release" / chapter_id / f"{chapter_id}.ipynb"
    for path in (source_notebook(chapter_id), released):
        nb = nbformat.read(path, as_version=4)
        cells = collapsible(nb)
        assert cells and cells[0] is nb.cells[0], "the preamble is the first collapsible cell"
        for cell in cells:
            assert cell.metadata.get("jupyter", {}).get("source_hidden") is True, (
                path.name,
                cell.source[:80],
            )


def student_functions(source: str, chapter_id: str) -> set[str]:
    """The chapter's exercise functions that a cell calls."""
    names = {ex.name for ex in exercises.chapter(chapter_id)}
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    called = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    return called & names


def is_demo(cell) -> bool:
    """A code cell of the lesson: not a stub, not a test."""
    return cell.cell_type == "code" and not cell.metadata.get("nbgrader")


def run(nb, folder: Path) -> nbformat.NotebookNode:
    """Run a notebook in a fresh kernel in ``folder`` (where its data files are), going on after errors (a
    stub's visible tests fail)."""
    with tempfile.TemporaryDirectory() as sockets:
        local = Config({"KernelManager": {"transport": "ipc", "ip": str(Path(sockets) / "kernel")}})
        client = NotebookClient(
            nb,
            timeout=600,
            kernel_name="python3",
            allow_errors=True,
            config=local,
            resources={"metadata": {"path": str(folder)}},
        )
        asyncio.run(client.async_execute())
    return nb


def text_of(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


@pytest.mark.parametrize("chapter_id", CHAPTER_IDS)
@pytest.mark.slow  # runs each released notebook in a kernel
def test_demos_wait_for_the_students_functions(chapter_id, course):
    released = course / "release" / chapter_id / f"{chapter_id}.ipynb"
    nb = nbformat.read(released, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(STUDENT_KERNEL))
    run(nb, released.parent)
    waiting = 0
    for cell in filter(is_demo, nb.cells[1:]):
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"a demo cell fails before the exercises are done:\n{cell.source[:300]}\n{errors}"
        functions = student_functions(cell.source, chapter_id)
        if functions:
            said = [line for line in text_of(cell).splitlines() if line.startswith("Implement ")]
            assert len(said) == 1, f"one line says what to implement first:\n{cell.source[:300]}\n{said}"
            assert all(f"`{name}`" in said[0] for name in functions), (functions, said)
            waiting += 1
    assert waiting, "the chapter has demos that use the student's functions"


@pytest.mark.parametrize("chapter_id", CHAPTER_IDS)
def test_demos_run_with_the_model_answers(chapter_id, executed):
    for cell in filter(is_demo, executed[chapter_id].cells):
        assert "above to see" not in text_of(cell), cell.source[:300]
        assert not [o for o in cell.outputs if o.output_type == "error"], cell.source[:300]


@pytest.mark.parametrize("chapter_id", CHAPTER_IDS)
def test_the_released_text_has_the_numbers_not_the_roles(chapter_id, course, executed):
    """In Jupyter a glue role would show as ``{glue:text}`name```: the release writes the number in,
    formatted by myst-nb as on the site; the rest of the text is the source's, with its MyST markup
    turned into markdown Jupyter renders (tests/publishing/test_release.py checks each conversion), and
    a hint's "explorer above" said as "explorer on the chapter's page"."""
    values = execute.glued(executed[chapter_id])
    site = jupyter.read_site(course)

    def as_on_the_site(match) -> str:
        return format_plain_text(values[match.group(1)], match.group(2) or "")

    source = [
        c.source for c in nbformat.read(source_notebook(chapter_id), 4).cells if c.cell_type == "markdown"
    ]
    released = course / "release" / chapter_id / f"{chapter_id}.ipynb"
    text = [c.source for c in nbformat.read(released, 4).cells if c.cell_type == "markdown"]
    assert not [t for t in text if "{glue" in t]
    numbers = [re.sub(r"\{glue(?::text)?\}`([\w-]+)(?::([^`]*))?`", as_on_the_site, t) for t in source]
    assert text == [release.explorer_wording(jupyter.to_jupyter(t, site, chapter_id)) for t in numbers]


# What MyST looks like, independently of the converter: Jupyter would show each of these as it is.
MYST = {
    "role": re.compile(r"\{[A-Za-z][\w:.+-]*\}`"),
    "directive": re.compile(r"^\s*(`{3,}|:{3,}|~{3,})\s*\{", re.M),
    "option": re.compile(r"^\s*:[\w-]+:(\s|$)", re.M),
    "label": re.compile(r"^\s*\([^()\s]+\)=\s*$", re.M),
    "link to a source": re.compile(r"\]\((?!https?:)[^)]*\.(ipynb|md)\b"),
}


@pytest.mark.parametrize("chapter_id", CHAPTER_IDS)
def test_no_myst_markup_is_left_in_the_released_notebook(chapter_id, course):
    """Every box, citation, cross-reference, label and link of the chapter is something Jupyter renders."""
    released = course / "release" / chapter_id / f"{chapter_id}.ipynb"
    for index, cell in enumerate(nbformat.read(released, 4).cells):
        if cell.cell_type == "markdown":
            found = {kind: m[0] for kind, pattern in MYST.items() if (m := pattern.search(cell.source))}
            assert not found, f"cell {index} shows raw MyST: {found}\n{cell.source[:500]}"
            assert not jupyter.leftover(cell.source), (index, cell.source[:500])


def test_the_released_chapters_link_to_the_published_site(course):
    """Hints are <details> boxes, citations and links go to the site named in _config.yml."""
    base = "https://convolutions-course.github.io/convolutions/"
    text = "\n".join(
        c.source
        for chapter_id in CHAPTER_IDS
        for c in nbformat.read(course / "release" / chapter_id / f"{chapter_id}.ipynb", 4).cells
        if c.cell_type == "markdown"
    )
    assert text.count("<details>\n<summary>Hint</summary>\n\n") >= 8
    assert f"]({base}references.html)" in text
    assert f"]({base}chapters/03_padding/03_padding.html)" in text and f"]({base}glossary.html)" in text
    assert f"]({base}chapters/08_backprop/08_backprop.html#ch08-training)" in text


def released_and_run(course, executed, chapter_id):
    released = nbformat.read(course / "release" / chapter_id / f"{chapter_id}.ipynb", 4)
    return released, {c.id: c for c in executed[chapter_id].cells}


def figures(cell) -> list[str]:
    return [
        o.data["text/html"]
        for o in cell.get("outputs", [])
        if "<img " in o.get("data", {}).get("text/html", "")
    ]


@pytest.mark.parametrize("chapter_id", CHAPTER_IDS)
def test_the_released_notebook_ships_the_figures_that_need_no_student_code(chapter_id, course, executed):
    """Before the student writes anything: every figure of a lesson cell that calls no exercise function
    is there, with its cell's alt text; outputs only in lesson cells, no script, no execution count, and
    each shipped output is what the site's run (the model answers) shows."""
    released, with_answers = released_and_run(course, executed, chapter_id)
    shipped = 0
    for cell in released.cells:
        if cell.cell_type != "code":
            continue
        assert cell.execution_count is None
        if not is_demo(cell) or "remove-cell" in cell.metadata.get("tags", []):
            assert cell.outputs == [], f"a stub, test or hidden cell has outputs:\n{cell.source[:200]}"
            continue
        alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt")
        for output in cell.outputs:
            assert output.get("execution_count") is None
            data = output.get("data", {})
            assert "image/png" not in data or not alt, "a figure without its alt text"
            assert "<script" not in data.get("text/html", "") and "application/javascript" not in data
        for page in figures(cell):
            assert page.startswith(f'<img alt="{html.escape(alt)}" src="data:image/png;base64,'), cell.source[
                :200
            ]
        ran = with_answers[cell.id]
        site_figure = any("image/png" in o.get("data", {}) for o in ran.outputs)
        site_animation = any("<script" in o.get("data", {}).get("text/html", "") for o in ran.outputs)
        waits = student_functions(cell.source, chapter_id) or "above to see" in cell.source  # by design
        if (site_figure or site_animation) and alt and not waits:
            assert figures(cell), f"a figure that needs no student code is missing:\n{cell.source[:300]}"
        shipped += bool(figures(cell))
        if cell.outputs:
            stream = "".join(o.text for o in cell.outputs if o.output_type == "stream")
            assert stream == text_of(ran), "a printed output differs from the site's"
            assert "above to see" not in stream
    assert shipped >= {"01_convolution": 3, "04_channels": 2}.get(chapter_id, 1)


@pytest.mark.parametrize("chapter_id", CHAPTER_IDS)
def test_an_animation_shows_its_first_frame_and_where_it_plays(chapter_id, course, executed):
    """An untrusted notebook runs no script: the student sees the animation's first frame, with its alt
    text, and a link to the chapter's page where it plays."""
    released, with_answers = released_and_run(course, executed, chapter_id)
    page = f"https://convolutions-course.github.io/convolutions/chapters/{chapter_id}/{chapter_id}.html"
    animations = 0
    for cell in released.cells:
        ran = with_answers.get(cell.id)
        if cell.cell_type != "code" or not ran:
            continue
        scripts = [
            o.data["text/html"]
            for o in ran.get("outputs", [])
            if "<script" in o.get("data", {}).get("text/html", "")
        ]
        if not scripts or not cell.outputs:
            continue
        frame = re.search(r'frames\[0\] = "([^"]+)"', scripts[0])[1].replace("\\\n", "")
        (shown,) = figures(cell)
        assert f'src="{frame}"' in shown and f'<a href="{page}">' in shown
        animations += 1
    if chapter_id in ("01_convolution", "06_dilation", "07_pooling"):
        assert animations >= 1


@pytest.mark.parametrize("chapter_id", CHAPTER_IDS)
def test_no_lesson_cell_prints_a_warning(chapter_id, executed):
    """Run with the model answers, no cell writes to stderr: a warning would be printed on the page under
    its figure (and, naming the kernel's temporary file, would differ between two runs, so the student's
    notebook would not ship that figure)."""
    warned = [
        (cell.get("id"), output.text.strip().splitlines()[0])
        for cell in executed[chapter_id].cells
        for output in cell.get("outputs", [])
        if output.output_type == "stream" and output.name == "stderr"
    ]
    assert not warned, warned
