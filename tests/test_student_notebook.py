"""The released notebook reads as a lesson: plumbing collapsed, demos that wait for the student's code.

A student opens the release notebook in Jupyter or JupyterLab with numpy and matplotlib only. The
preamble and the figure-drawing cells are collapsed there (``jupyter.source_hidden``), not only on the
site. Before an exercise is done, a demo cell that uses it prints one line saying so instead of a
traceback; with the model answers no demo says it.
"""

from __future__ import annotations

import ast
import asyncio
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
from autograder.publishing import execute

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
    formatted by myst-nb as on the site."""
    values = execute.glued(executed[chapter_id])

    def as_on_the_site(match) -> str:
        return format_plain_text(values[match.group(1)], match.group(2) or "")

    source = [
        c.source for c in nbformat.read(source_notebook(chapter_id), 4).cells if c.cell_type == "markdown"
    ]
    released = course / "release" / chapter_id / f"{chapter_id}.ipynb"
    text = [c.source for c in nbformat.read(released, 4).cells if c.cell_type == "markdown"]
    assert not [t for t in text if "{glue" in t]
    assert text == [re.sub(r"\{glue(?::text)?\}`([\w-]+)(?::([^`]*))?`", as_on_the_site, t) for t in source]
