"""Shared fixtures: a released copy of the course, and the chapters run with their model answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import copy_course, shared_by_workers, source_notebook

from autograder.publishing import book, release


@pytest.fixture(scope="session")
def course(tmp_path_factory) -> Path:
    """A course directory with every chapter released by nbgrader (release/<id>/<id>.ipynb)."""
    path = copy_course(tmp_path_factory.mktemp("course"))
    release.main(course=path)
    return path


@pytest.fixture(scope="session")
def executed(tmp_path_factory) -> dict:
    """chapter id -> its source notebook executed with the model answers, as the book executes it
    (once per test run: the site build reuses these executions)."""
    chapter_ids = release.available()
    with shared_by_workers(tmp_path_factory, "executed") as cache:
        notebooks = book.execute([source_notebook(c) for c in chapter_ids], cache)
    return dict(zip(chapter_ids, notebooks, strict=True))
