"""Generate the student notebooks: ``release/<chapter>/<chapter>.ipynb`` with nbgrader.

nbgrader's ``generate_assignment`` replaces every solution block by a stub, removes hidden tests,
clears outputs, locks the test cells and records the assignment in the gradebook. It shells out to
``alembic`` when it creates a gradebook, so the venv's ``bin/`` is put on ``PATH``. Starting nbgrader
costs more than generating a notebook, so one child process generates every chapter that needs it
(7 chapters, measured here: 3.1 s, against 13.9 s for one ``nbgrader generate_assignment`` per chapter).
A number the chapter's text takes from a cell (a myst-nb ``glue`` role) is then written into the
student's notebook, from the source notebook executed with its model answers (:mod:`.execute`).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat

from autograder.conventions import nbgrader_env
from autograder.engine import exercises
from autograder.publishing import ROOT
from autograder.publishing.execute import GLUE_ROLE, execute, fill_numbers, glued


def nbgrader(*args: str, course: Path) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` in the course directory ``course``; raise with its output on failure."""
    cmd = [sys.executable, "-m", "nbgrader", *args]
    proc = subprocess.run(cmd, cwd=course, env=nbgrader_env(), capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"`nbgrader {' '.join(args)}` failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def available(course: Path = ROOT) -> list[str]:
    """Chapter ids that have both a source notebook and graded exercises."""
    return [c for c in exercises.CHAPTERS if (course / "chapters" / c / f"{c}.ipynb").exists()]


def main(
    chapter_ids: list[str] | None = None,
    *,
    course: str | Path = ROOT,
    force: bool = False,
    cache: str | Path | None = None,
) -> list[Path]:
    """Release ``chapter_ids`` (default: every chapter) and return the student notebooks.

    A release newer than its source notebook and the nbgrader configuration, with its numbers written
    in, is kept as it is, unless ``force``. Executed notebooks are kept in ``cache`` (default
    ``<course>/_build/executed``, where the book keeps them)."""
    course = Path(course)
    written, stale = [], []
    for chapter_id in chapter_ids or available(course):
        source = course / "chapters" / chapter_id / f"{chapter_id}.ipynb"
        released = course / "release" / chapter_id / f"{chapter_id}.ipynb"
        newest_input = max(p.stat().st_mtime for p in (source, course / "nbgrader_config.py"))
        if (
            force
            or not released.exists()
            or released.stat().st_mtime < newest_input
            or GLUE_ROLE.search(released.read_text())  # released before numbers were written in
        ):
            stale.append(chapter_id)
        written.append(released)
    if stale:
        code = "from autograder.publishing.release import _generate; _generate()"
        cmd = [sys.executable, "-c", code, *stale]
        proc = subprocess.run(cmd, cwd=course, env=nbgrader_env(), capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(
                f"`nbgrader generate_assignment` failed for {', '.join(stale)}:\n{proc.stdout}\n{proc.stderr}"
            )
        _write_numbers(stale, course, Path(cache) if cache else course / "_build" / "executed")
    return written


def _write_numbers(chapter_ids: list[str], course: Path, cache: Path) -> None:
    """Replace the glue roles in the released notebooks' text by the numbers they stand for."""
    released = {c: course / "release" / c / f"{c}.ipynb" for c in chapter_ids}
    notebooks = {c: nbformat.read(path, as_version=4) for c, path in released.items()}
    texts = {c: [cell for cell in nb.cells if cell.cell_type == "markdown"] for c, nb in notebooks.items()}
    using = [c for c in chapter_ids if any(GLUE_ROLE.search(cell.source) for cell in texts[c])]
    sources = [course / "chapters" / c / f"{c}.ipynb" for c in using]
    for chapter_id, executed in zip(using, execute(sources, cache), strict=True):
        values = glued(executed)
        for cell in texts[chapter_id]:
            try:
                cell.source = fill_numbers(cell.source, values)
            except KeyError as error:
                raise RuntimeError(f"{chapter_id}: {error.args[0]}") from None
        nbformat.write(notebooks[chapter_id], released[chapter_id])


def _generate() -> None:
    """In a child process whose working directory is the course: ``nbgrader generate_assignment
    ID --force`` for each chapter id in ``sys.argv``, nbgrader imported once."""
    from nbgrader.apps.generateassignmentapp import GenerateAssignmentApp

    for chapter_id in sys.argv[1:]:
        app = GenerateAssignmentApp()
        app.initialize([chapter_id, "--force", "--log-level=WARN"])
        app.start()
