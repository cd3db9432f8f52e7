"""The built site, shared by every site test (and by every test worker: it is built once)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import INSTALL, Visit, launch, shared_by_workers, shared_folder

from autograder.publishing import book
from autograder.publishing.pdf import serve


@pytest.fixture(scope="session")
def site(course, tmp_path_factory) -> tuple[Path, Path]:
    """(course copy, its built ``_build/html``), built from a copy of the released course (the ``course``
    fixture's: nbgrader does not release the chapters a second time).

    Test workers share one build: the first to take the lock builds, the others wait and reuse it.
    """
    with shared_by_workers(tmp_path_factory, "site") as root:
        html = root / "_build" / "html"
        if not (root / "built").exists():
            shutil.copytree(course, root, dirs_exist_ok=True)  # file times kept: the release is current
            cache = shared_folder(tmp_path_factory, "executed")  # the `executed` fixture's
            html = book.main(output=root / "_build", course=root, cache=cache)
            (root / "built").touch()
    return root, html


@pytest.fixture(scope="session")
def served(site) -> str:
    """The site served on loopback (as ``make pdf`` serves it); yields its base URL."""
    _, html = site
    with serve(html) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium (Debian's, else Playwright's own) for one test module: Playwright's event loop
    runs while it is open, and other modules' tests start their own (the book's notebook runner)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        if browser is None:
            pytest.fail(f"the browser tests need a Chromium: {INSTALL}")
        yield browser
        browser.close()


@pytest.fixture
def visit(browser, served):
    """Opens pages of the served site in fresh browser contexts, closed after the test."""
    visits = []

    def make(**viewport):
        v = Visit(browser, served, **viewport)
        visits.append(v)
        return v

    yield make
    for v in visits:
        v.close()
