"""Shared fixtures: a released copy of the course, and the chapters run with their model answers. And the
sandbox's verdict at the end of every run: without bubblewrap the security tests are skipped, which must
never go unnoticed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import copy_course, shared_by_workers, source_notebook

from autograder.engine import sandbox
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


SANDBOX_MISSING = (
    "SANDBOX TESTS SKIPPED: bubblewrap (bwrap) is not installed, so the grader cannot isolate students' code "
    "and the security tests did not run. Install it (apt-get install -y bubblewrap) before grading."
)


def _sandbox_optional() -> bool:
    """``make test SANDBOX=optional`` accepts a run without the sandbox."""
    return os.environ.get("COURSE_SANDBOX", "required") == "optional"


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if sandbox.bwrap_path() is None:
        verdict = "the run passes: SANDBOX=optional" if _sandbox_optional() else "the run fails"
        terminalreporter.write_sep("!", "SANDBOX", red=True, bold=True)
        terminalreporter.write_line(f"{SANDBOX_MISSING} ({verdict})", red=True, bold=True)
        terminalreporter.write_sep("!", red=True, bold=True)


def pytest_sessionfinish(session, exitstatus):
    if hasattr(session.config, "workerinput"):
        return  # a test worker: the controlling process decides
    if sandbox.bwrap_path() is None and not _sandbox_optional() and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
