"""Cells that run when the course is built and never reach a student: tagged ``build-only``.

A lesson may quote a measurement whose code must not ship: chapter 08 times its network with loop
versions of chapter 04's and 07's layers, which would be working answers to those chapters' exercises.
Such a cell carries the tags ``build-only`` and ``remove-cell``. It runs with the model answers when the
book and the release execute the source notebook, so the numbers it glues reach the text of the page and
of the student's notebook; but

- the release drops it (:class:`DropBuildOnly`, first in nbgrader's ``generate_assignment`` pipeline), and
- the site's page keeps its outputs (myst-nb reads glued values from them) without its source
  (:func:`strip_sources`), and ``remove-cell`` keeps the cell itself off the page.
"""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor

TAG = "build-only"


def is_build_only(cell) -> bool:
    return TAG in cell.get("metadata", {}).get("tags", [])


def strip_sources(nb) -> None:
    """Empty the source of every build-only cell of ``nb`` (in place), keeping its outputs."""
    for cell in nb.cells:
        if is_build_only(cell):
            cell.source = ""


class DropBuildOnly(NbGraderPreprocessor):
    """Removes the cells tagged ``build-only`` from the released notebook."""

    def preprocess(self, nb, resources):
        nb.cells = [cell for cell in nb.cells if not is_build_only(cell)]
        return nb, resources
