"""Run an exercise's visible test cell the way a student does, optionally with a wrong answer in place
of the model answer: a visible test has to fail for the mistakes it is meant to catch."""

from __future__ import annotations

import nbformat
import numpy as np
from helpers import model_answers, source_notebook

from autograder.engine import exercises
from autograder.engine.exercise import grade_id


def _cells(chapter_id: str) -> dict[str, str]:
    nb = nbformat.read(source_notebook(chapter_id), as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in nb.cells if c.metadata.get("nbgrader")}


def visible_source(chapter_id: str, name: str) -> str:
    return _cells(chapter_id)[grade_id(name, "visible")]


def run_visible(chapter_id: str, name: str, wrong: str | None = None, *, given: tuple[str, ...] = ()) -> None:
    """Run the visible tests of exercise ``name`` with every model answer of its chapter defined (a
    visible cell may call another exercise), then ``wrong``, code that redefines ``name``, if given.
    ``given``: ids of the chapter's cells of given helpers the visible cell calls, run first.
    Raises what the cell raises (an AssertionError when a visible test catches the answer)."""
    cells = _cells(chapter_id)
    namespace = {"np": np, "__name__": "__visible__"}
    if given:
        nb = nbformat.read(source_notebook(chapter_id), as_version=4)
        for cell in nb.cells:
            if cell.get("id") in given:
                exec(compile(cell.source, f"<{cell.id}>", "exec"), namespace)  # noqa: S102 - our own notebook
    tests = {
        grade_id(ex.name, kind) for ex in exercises.chapter(chapter_id) for kind in ("visible", "graded")
    }
    for cell_id, source in cells.items():
        if cell_id not in tests and not cell_id.startswith("earlier_"):
            exec(compile(source, f"<{cell_id}>", "exec"), namespace)  # noqa: S102 - our own notebook
    if wrong is not None:
        exec(compile(wrong, f"<wrong {name}>", "exec"), namespace)  # noqa: S102 - a test's wrong answer
    visible = grade_id(name, "visible")
    exec(compile(cells[visible], f"<{visible}>", "exec"), namespace)  # noqa: S102


def run_visible_with(chapter_id: str, grade_id: str, replaced: dict) -> None:
    """Run the visible test cell ``grade_id`` where the chapter's model answers are defined, with the
    functions in ``replaced`` put in their place; raises what the cell raises."""
    namespace = {"np": np}
    for source in model_answers(chapter_id).values():
        exec(source, namespace)  # noqa: S102 - our own notebook
    namespace.update(replaced)
    exec(_cells(chapter_id)[grade_id], namespace)  # noqa: S102 - our own notebook


def first(value):
    """A pair read as its first entry twice: the mistake of code written for square windows only."""
    return value if value is None or isinstance(value, int) else (value[0], value[0])
