"""Shared fixtures: a released copy of the course, and the chapters run with their model answers. And the
sandbox's verdict at the end of every run: without bubblewrap the security tests are skipped, which must
never go unnoticed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import copy_course, shared_by_workers, shared_folder, source_notebook

from autograder.engine import sandbox
from autograder.publishing import execute, release

# Test workers, Jupyter kernels, Chromium and sandboxes share the cores: a BLAS or OpenMP thread per core
# in each of them only adds threads waiting for a core. Every process the test workers start inherits it.
os.environ.update(sandbox.ONE_THREAD)


@pytest.fixture(scope="session")
def course(tmp_path_factory) -> Path:
    """A course directory with every chapter released by nbgrader (release/<id>/<id>.ipynb), released
    once per test run for every test worker. Tests copy it before they change anything in it. The
    chapters the release executes (for the numbers in their text) are cached for ``executed``."""
    with shared_by_workers(tmp_path_factory, "course") as path:
        if not (path / "released").exists():
            copy_course(path)
            release.main(course=path, cache=shared_folder(tmp_path_factory, "executed"))
            (path / "released").touch()
    return path


def pytest_addoption(parser):
    parser.addoption(
        "--screenshots", action="store_true", help="pictures of the site's pages, in _build/screenshots/"
    )


SLOW_FIXTURES = {"executed", "course"}  # they run the chapters (``course``: its release runs those that glue)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the xdist_group marks it adds
def pytest_collection_modifyitems(config, items):
    """A test that needs the chapters run (the ``executed`` fixture, or ``course``, whose release runs the
    chapters that glue numbers into their text) is slow, and says so where it is written
    (``pytest.mark.slow`` on the test or its module): ``make test-fast`` skips it. Collection stops at
    one that does not.

    Slow tests run first, so that no test worker waits on one of them at the end of the run; of those,
    one that needs the site comes first (its worker executes the chapters, releases them and builds the
    site: the longest chain of the run, started at once), and the others that need it come after the
    rest (the workers that reach them wait until the site is built). The chapters run by nbval (``make
    test`` collects them with the tests) go with the long tests, each notebook a group kept on one worker."""
    unmarked = [
        item.nodeid
        for item in items
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())) and item.get_closest_marker("slow") is None
    ]
    if unmarked:
        raise pytest.UsageError(
            f"{len(unmarked)} test(s) use {' or '.join(sorted(SLOW_FIXTURES))} without pytest.mark.slow: "
            + ", ".join(unmarked)
        )

    def needs_site(item) -> bool:
        return bool({"site", "executed"} & set(getattr(item, "fixturenames", ())))

    builder = next((item for item in items if "site" in getattr(item, "fixturenames", ())), None)

    for item in items:
        if item.path.suffix == ".ipynb":  # nbval: a notebook's cells run in order in one kernel
            item.add_marker(pytest.mark.xdist_group(item.path.stem))

    def order(item) -> int:
        if item is builder:
            return 0
        if item.path.suffix == ".ipynb":
            return 1  # with the long tests: a chapter's cells are one unit of work, started early
        if item.get_closest_marker("slow") is None:
            return 3
        return 2 if needs_site(item) else 1

    items.sort(key=order)


def pytest_configure(config):
    """``--dist loadgroup`` keeps each ``xdist_group`` (and its expensive shared fixture) on one worker,
    but not under pytest 9.2 with pytest-xdist 3.8 (the group's tests were spread over every worker, each
    building the fixture again): stop rather than run a suite that silently takes far longer."""
    major = int(pytest.__version__.split(".")[0])
    if config.getoption("dist", "no") == "loadgroup" and major >= 9:
        pytest.exit(
            f"--dist loadgroup does not group tests under pytest {pytest.__version__}: "
            "install the versions in requirements.txt (make test does)",
            returncode=pytest.ExitCode.USAGE_ERROR,
        )


@pytest.fixture(scope="session")
def executed(tmp_path_factory) -> dict:
    """chapter id -> its source notebook executed with the model answers, as the book executes it
    (once per test run: the site build reuses these executions)."""
    chapter_ids = release.available()
    with shared_by_workers(tmp_path_factory, "executed") as cache:
        notebooks = execute.execute([source_notebook(c) for c in chapter_ids], cache)
    return dict(zip(chapter_ids, notebooks, strict=True))


SANDBOX_MISSING = (
    "SANDBOX TESTS SKIPPED: bubblewrap (bwrap) is not installed or cannot start here, so the grader cannot "
    "isolate students' code and the security tests did not run. Install it (apt-get install -y bubblewrap) "
    "where it can create namespaces before grading."
)


def _sandbox_missing() -> bool:
    return not sandbox.probe("auto")


def _sandbox_optional() -> bool:
    """``make test SANDBOX=optional`` accepts a run without the sandbox."""
    return os.environ.get("COURSE_SANDBOX", "required") == "optional"


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if _sandbox_missing():
        verdict = "the run passes: SANDBOX=optional" if _sandbox_optional() else "the run fails"
        terminalreporter.write_sep("!", "SANDBOX", red=True, bold=True)
        terminalreporter.write_line(f"{SANDBOX_MISSING} ({verdict})", red=True, bold=True)
        terminalreporter.write_sep("!", red=True, bold=True)


def pytest_sessionfinish(session, exitstatus):
    if hasattr(session.config, "workerinput"):
        return  # a test worker: the controlling process decides
    if _sandbox_missing() and not _sandbox_optional() and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
