"""Points live in the exercise registry only: this nbgrader preprocessor writes them into the graded
cells when an assignment is generated (``nbgrader_config.py`` puts it first in nbgrader's pipeline),
so the source notebooks never declare them a second time."""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor

from autograder.engine import exercises
from autograder.engine.exercise import exercise_name
from autograder.engine.notebook import is_test_cell


class RegistryPoints(NbGraderPreprocessor):
    """Sets each graded cell's ``points`` to its exercise's points in the registry."""

    def preprocess_cell(self, cell, resources, index):
        meta = cell.metadata.get("nbgrader", {})
        if is_test_cell(meta):
            meta["points"] = exercises.exercise(exercise_name(meta["grade_id"])).points
        return cell, resources


def generate_assignment_pipeline() -> list:
    """nbgrader's generate_assignment preprocessors, after dropping the build-only cells
    (:mod:`.build_only`) and setting the points (:class:`RegistryPoints`)."""
    from nbgrader.converters import GenerateAssignment

    from autograder.publishing.build_only import DropBuildOnly

    return [DropBuildOnly, RegistryPoints, *GenerateAssignment.class_traits()["preprocessors"].default()]
