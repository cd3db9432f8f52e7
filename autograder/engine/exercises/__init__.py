"""The exercise registry: one module per chapter declares that chapter's graded exercises.

A chapter module is named ``ch<chapter id>`` (``ch01_convolution`` for ``01_convolution``) and
defines ``EXERCISES``, a list of :class:`autograder.exercise.Exercise`.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from packaging.requirements import Requirement

from autograder.engine.exercise import Exercise, grade_id

# What student code may import besides the standard library (the requirements there, one a line), as
# the names the grader allows; the Gradescope bundle installs that file.
STUDENT_REQUIREMENTS = Path(__file__).parent.parent / "student-requirements.txt"


def _student_packages() -> tuple[str, ...]:
    lines = (line.split("#")[0].strip() for line in STUDENT_REQUIREMENTS.read_text().splitlines())
    return tuple(Requirement(line).name for line in lines if line)


STUDENT_PACKAGES = _student_packages()


def _load() -> dict[str, list[Exercise]]:
    chapters = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("ch"):
            module = importlib.import_module(f"{__name__}.{info.name}")
            chapters[info.name[2:]] = list(module.EXERCISES)
    return chapters


CHAPTERS: dict[str, list[Exercise]] = _load()
EXERCISES: dict[str, Exercise] = {ex.name: ex for exercises in CHAPTERS.values() for ex in exercises}
# The exercise each graded test cell grades, by the cell's grade id.
BY_GRADED_CELL: dict[str, Exercise] = {grade_id(name): ex for name, ex in EXERCISES.items()}


def exercise(name: str) -> Exercise:
    """The exercise called ``name``; a clear error for an unknown name."""
    try:
        return EXERCISES[name]
    except KeyError:
        raise KeyError(
            f"no graded exercise is called {name!r}; known: {', '.join(sorted(EXERCISES))}"
        ) from None


def chapter(chapter_id: str) -> list[Exercise]:
    """The exercises of one chapter, in the order the notebook presents them."""
    try:
        return CHAPTERS[chapter_id]
    except KeyError:
        raise KeyError(f"unknown chapter {chapter_id!r}; known: {', '.join(sorted(CHAPTERS))}") from None
