"""Shared fixtures: a throwaway, released copy of the course."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import copy_course

from autograder.publishing import release


@pytest.fixture(scope="session")
def course(tmp_path_factory) -> Path:
    """A course directory with every chapter released by nbgrader (release/<id>/<id>.ipynb)."""
    path = copy_course(tmp_path_factory.mktemp("course"))
    release.main(course=path)
    return path
