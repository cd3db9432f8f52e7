"""Shared fixtures: a released copy of the course, and the chapters run with their model answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import copy_course, source_notebook

from autograder.publishing import book, release


@pytest.fixture(scope="session")
def course(tmp_path_factory) -> Path:
    """A course directory with every chapter released by nbgrader (release/<id>/<id>.ipynb)."""
    path = copy_course(tmp_path_factory.mktemp("course"))
    release.main(course=path)
    return path


@pytest.fixture(scope="session")
def executed(tmp_path_factory) -> dict:
    """chapter id -> its source notebook executed with the model answers, as the book executes it."""
    chapter_ids = release.available()
    notebooks = book.execute([source_notebook(c) for c in chapter_ids], tmp_path_factory.mktemp("executed"))
    return dict(zip(chapter_ids, notebooks, strict=True))
