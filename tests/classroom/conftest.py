"""The class of 30 that the class-grading tests share (graded once per test run, on one worker: the
tests that use it are in the ``class`` xdist group)."""

from __future__ import annotations

import pytest
from helpers import grade_class, make_class

CLASS = 30


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory):
    """(course, student -> kind, the command's output): a class of 30 graded once from start to finish,
    locally with two jobs. Tests copy it before they change anything in it."""
    course = tmp_path_factory.mktemp("class")
    kinds = make_class(course / "submitted", CLASS)
    out = grade_class(course)
    return course, kinds, out
