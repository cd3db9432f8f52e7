"""Points live in the exercise registry only: this nbgrader preprocessor writes them into the graded
cells when an assignment is generated (``nbgrader_config.py`` puts it first in nbgrader's pipeline),
so the source notebooks never declare them a second time. A second one keeps the graded cells of the
student's notebook quiet once their hidden tests are gone."""

from __future__ import annotations

import ast

from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor

from autograder.engine import exercises
from autograder.engine.notebook import is_test_cell


class RegistryPoints(NbGraderPreprocessor):
    """Sets each graded cell's ``points`` to its exercise's points in the registry."""

    def preprocess_cell(self, cell, resources, index):
        meta = cell.metadata.get("nbgrader", {})
        if is_test_cell(meta):
            meta["points"] = exercises.BY_GRADED_CELL[meta["grade_id"]].points
        return cell, resources


RUN_ON_SUBMISSION = "# Its tests run when your notebook is graded: running this cell does nothing."


def quiet(source: str) -> str:
    """A graded cell's source without its hidden tests: a lone docstring, which a notebook would print as
    the cell's value, becomes a comment, with one line saying when the tests run."""
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return source
    if len(body) == 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        text = body[0].value.value
        if isinstance(text, str):
            return f"# {' '.join(text.split())}\n{RUN_ON_SUBMISSION}"
    return source


class QuietGradedCells(NbGraderPreprocessor):
    """Turns the docstring a graded cell keeps in the student's notebook into a comment (:func:`quiet`),
    so that running the cell prints nothing. Runs after nbgrader has saved the cells with their hidden
    tests (what autograde puts back) and removed those tests."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and is_test_cell(cell.metadata.get("nbgrader", {})):
            cell.source = quiet(cell.source)
        return cell, resources


def generate_assignment_pipeline() -> list:
    """nbgrader's generate_assignment preprocessors, after dropping the build-only cells
    (:mod:`.build_only`) and setting the points (:class:`RegistryPoints`), with
    :class:`QuietGradedCells` right after the hidden tests are removed."""
    from nbgrader.converters import GenerateAssignment

    from autograder.publishing.build_only import DropBuildOnly

    pipeline = [DropBuildOnly, RegistryPoints, *GenerateAssignment.class_traits()["preprocessors"].default()]
    pipeline.insert(pipeline.index(ClearHiddenTests) + 1, QuietGradedCells)
    return pipeline
