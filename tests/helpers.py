"""Helpers for the instructor tests: notebook factories and grading shortcuts."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import subprocess
from pathlib import Path
from urllib.parse import urlparse

import nbformat
import yaml

from autograder.engine import exercises, grade, sandbox
from autograder.publishing import ROOT
from autograder.publishing.course import (  # noqa: F401 - the tests' notebook factories
    CLASS_KINDS,
    copy_course,
    grade_class_command,
    make_class,
    model_answers,
    solution_cell,
    source_notebook,
    with_answers,
)

SOURCES = sorted((ROOT / "chapters").glob("*/*.ipynb"))


def shared_folder(tmp_path_factory, name: str) -> Path:
    """The folder named ``name`` that every test worker of this run sees (e.g. the executed chapters'
    cache, which the release, ``executed`` and the site share)."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")  # set, and the same, in every worker of one run
    shared = tmp_path_factory.getbasetemp().parent if run else tmp_path_factory.getbasetemp()
    return shared / f"{name}-{run or 'serial'}"


@contextlib.contextmanager
def shared_by_workers(tmp_path_factory, name: str):
    """:func:`shared_folder`, held under a lock: the first worker to take it does the work (e.g.
    executes the chapters), the others wait and reuse what it left."""
    folder = shared_folder(tmp_path_factory, name)
    with open(folder.parent / "shared.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield folder


def grade_file(path: Path, **options) -> dict:
    """Grade a notebook with the sandboxed grader (or, where bubblewrap cannot start and the run
    allows it, ``make test SANDBOX=optional``, in a plain subprocess); returns the results document."""
    return grade.grade_notebook(path, bubblewrap=sandbox.probe("auto"), **options)


def grade_in_process(path: Path) -> dict:
    """Grade a notebook of trusted test answers through the grader's own pipeline, with the runner in
    a forked child of this process instead of a new sandboxed interpreter: for the many wrong and
    unusual answers whose diagnosis is what a test checks. Each chapter's model answers, its stubs and
    every hostile submission still go through the sandbox."""
    return grade.grade_notebook(path, in_process=True)


def result_for(doc: dict, name: str) -> dict:
    for test in doc["tests"]:
        if grade.exercise_of(test) == name:
            return test
    raise KeyError(f"no test for {name} in {json.dumps(doc)[:500]}")


def toc_files(root: Path) -> list[str]:
    """The pages a course's ``_toc.yml`` lists (paths without suffix), the landing page first."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    return [toc["root"], *(c["file"] for part in toc["parts"] for c in part["chapters"])]


def chapters_in_toc(root: Path) -> list[str]:
    """The chapter ids listed in a course's ``_toc.yml``, in order."""
    return [Path(f).name for f in toc_files(root) if f.startswith("chapters/")]


# -- the checks every chapter's test module makes ----------------------------------------------------


def assert_model_answers_get_full_marks(chapter_id: str) -> dict:
    """The source notebook, model answers in place, scores every point. Returns the results."""
    doc = grade_file(source_notebook(chapter_id))
    most = sum(ex.points for ex in exercises.chapter(chapter_id))
    assert doc["score"] == most, [t["output"] for t in doc["tests"] if t["score"] < t["max_score"]]
    return doc


def assert_release_has_stubs_and_scores_zero(course: Path, chapter_id: str) -> None:
    """The released notebook holds stubs only, and each exercise says it is not implemented yet."""
    released = course / "release" / chapter_id / f"{chapter_id}.ipynb"
    text = released.read_text()
    assert "raise NotImplementedError()" in text
    assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
    doc = grade_file(released)
    assert doc["score"] == 0
    assert all("Not implemented yet" in t["output"] for t in doc["tests"])


def assert_wrong_answer_diagnosed(
    chapter_id: str,
    name: str,
    answers: dict[str, str],
    diagnosis: str,
    dest: Path,
    *,
    first_only: bool = True,
) -> dict:
    """With ``answers`` in place, exercise ``name`` loses points and its feedback names ``diagnosis``:
    for the first failure, or (``first_only=False``) for any case. Returns the results."""
    doc = grade_in_process(with_answers(chapter_id, answers, dest))
    result = result_for(doc, name)
    assert result["score"] < result["max_score"], result["output"]
    named = f"Diagnosis: {diagnosis}" in result["output"]
    also_seen = f"{diagnosis} (" in result["output"]  # "Also seen in other cases: <diagnosis> (2x)"
    assert named or (also_seen and not first_only), result["output"]
    return doc


def assert_unusual_answer_keeps_full_marks(
    chapter_id: str, name: str, answers: dict[str, str], dest: Path
) -> None:
    result = result_for(grade_in_process(with_answers(chapter_id, answers, dest)), name)
    assert result["score"] == result["max_score"], result["output"]


# -- what students must never see -----------------------------------------------------------------


BLOCK = r"### BEGIN (SOLUTION|HIDDEN TESTS)(.*?)### END \1"


def public_text() -> str:
    """Everything students see in the source notebooks: all cells with their hidden blocks cut out."""
    cells = [c for path in SOURCES for c in nbformat.read(path, as_version=4).cells]
    return "\n".join(re.sub(BLOCK, "", cell.source, flags=re.S) for cell in cells)


def secret_lines(chapter_id: str) -> set[str]:
    """Lines (15+ characters) of the solution and hidden-test blocks that no student-visible cell shows
    (a statement may say `before = total // 2`, a figure may loop `for f in range(F):`: not leaks)."""
    source = nbformat.read(source_notebook(chapter_id), as_version=4)
    public = public_text()
    blocks = [b for cell in source.cells for _, b in re.findall(BLOCK, cell.source, flags=re.S)]
    lines = {line.strip() for block in blocks for line in block.splitlines()}
    return {line for line in lines if len(line) >= 15 and line not in public}


# -- the browser the site tests drive -------------------------------------------------------------
# The browser that the site tests drive, and what they do with each page.
#
# Debian's chromium when it is installed (``apt-get install chromium``, as ``make test`` does as root);
# otherwise the Chromium that Playwright downloads for itself (``python -m playwright install chromium``),
# where the network allows it.


CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update"]  # fmt: skip
INSTALL = "apt-get install -y chromium (as root), or: python -m playwright install chromium"


def launch(playwright):
    """A headless Chromium, or ``None`` if neither Debian's nor Playwright's is installed."""
    from playwright.sync_api import Error

    if CHROMIUM.exists():
        return playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
    try:
        return playwright.chromium.launch(args=FLAGS)
    except Error:
        return None


class Visit:
    """A page opened with every problem recorded: console errors, uncaught exceptions, failed or
    blocked requests (anything not on loopback is blocked: the site must work offline)."""

    def __init__(self, browser, base: str, *, width: int = 1280, height: int = 900):
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.problems: list[str] = []
        host = urlparse(base).netloc

        def route(route):
            if urlparse(route.request.url).netloc == host or route.request.url.startswith("data:"):
                route.continue_()
            else:
                self.problems.append(f"network request to {route.request.url}")
                route.abort()

        self.context.route("**/*", route)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.problems.append(f"uncaught exception: {exc}"))
        self.page.on("requestfailed", self._failed)
        self.page.on("response", self._response)

    def _console(self, message):
        if message.type == "error":
            self.problems.append(f"console error: {message.text}")

    def _failed(self, request):
        # A request cut short because the test moved on to another page (MathJax may still be fetching a
        # font) is not the site's fault; a missing file answers 404 and is recorded by _response.
        if request.failure != "net::ERR_ABORTED":
            self.problems.append(f"failed request: {request.url} ({request.failure})")

    def _response(self, response):
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def open(self, url: str):
        self.page.goto(url, wait_until="load")
        self.page.wait_for_load_state("networkidle")
        return self.page

    def close(self):
        self.context.close()


def site_pages(html: Path) -> list[str]:
    """Every page of the book, relative to the site root."""
    return sorted(
        str(p.relative_to(html))
        for p in html.rglob("*.html")
        if not p.relative_to(html).parts[0].startswith("_")
    )


def scroll_through(page):
    """Scroll to the bottom and back so that every image is requested, then wait for them."""
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_load_state("networkidle")
    page.evaluate("window.scrollTo(0, 0)")


def wait_for_math(page) -> int:
    """Number of formulas MathJax typeset (0 if the page has none); fails on a MathJax error."""
    formulas = page.locator(".math").count()
    if formulas:
        page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise")
        page.evaluate("MathJax.startup.promise")
        page.wait_for_function(f"document.querySelectorAll('mjx-container').length >= {formulas}")
        assert page.locator("mjx-merror").count() == 0, "MathJax reported an error in a formula"
    return formulas


def grade_class(course: Path, *extra: str, wait: bool = True):
    """``course``'s submitted/ graded by the instructor's command with two jobs: its output, or, with
    ``wait=False``, the running process."""
    cmd = grade_class_command(course / "submitted", "--jobs", "2", *extra)
    if not wait:
        return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def course_palette() -> dict[str, str]:
    """name -> ``#RRGGBB`` of each ``--course-<name>`` colour ``_static/explorers/palette.css`` declares for
    the light theme (its first rule)."""
    css = (ROOT / "_static" / "explorers" / "palette.css").read_text()
    return dict(re.findall(r"--course-([\w-]+):\s*(#[0-9A-Fa-f]{6});", css.split("}")[0]))


def solution_cells(path) -> dict[str, str]:
    """Every solution cell of a notebook by grade_id, the solution markers left out."""
    cells = nbformat.read(path, as_version=4).cells
    return {
        cell.metadata["nbgrader"]["grade_id"]: "\n".join(
            line
            for line in cell.source.splitlines()
            if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")
        )
        for cell in cells
        if cell.metadata.get("nbgrader", {}).get("solution")
    }


def changed_in(model: dict[str, str], name: str, old: str, new: str) -> str:
    """The model answer of ``name`` with ``old`` replaced (which must be there: the test cannot go stale)."""
    assert old in model[name], f"{old!r} is no longer in the model answer of {name}"
    return model[name].replace(old, new)
