"""Generate the student notebooks: ``release/<chapter>/<chapter>.ipynb`` with nbgrader.

nbgrader's ``generate_assignment`` replaces every solution block by a stub, removes hidden tests,
clears outputs, locks the test cells and records the assignment in the gradebook. It shells out to
``alembic`` when it creates a gradebook, so the venv's ``bin/`` is put on ``PATH``. Starting nbgrader
costs more than generating a notebook, so one child process generates every chapter that needs it
(7 chapters, measured here: 3.1 s, against 13.9 s for one ``nbgrader generate_assignment`` per chapter).
A number the chapter's text takes from a cell (a myst-nb ``glue`` role) is then written into the
student's notebook, from the source notebook executed with its model answers (:mod:`.execute`); the
book's MyST markup becomes markdown Jupyter renders (:mod:`.jupyter`), and the cells that need no student
code keep their outputs, figures with their text alternatives (:mod:`.outputs`).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat

from autograder.conventions import nbgrader_env
from autograder.course_dir import CourseDir
from autograder.engine import exercises
from autograder.publishing import ROOT, jupyter, outputs
from autograder.publishing.execute import GLUE_ROLE, execute, fill_numbers, glued

# What else a released notebook is made from: the course's configuration (nbgrader's, the site's address)
# and references, and the code that makes it.
INPUTS = ("nbgrader_config.py", "_config.yml", "references.bib")
PUBLISHING = [Path(__file__).with_name(f"{name}.py") for name in ("release", "execute", "jupyter", "outputs")]


def nbgrader(*args: str, course: Path) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` in the course directory ``course``; raise with its output on failure."""
    cmd = [sys.executable, "-m", "nbgrader", *args]
    proc = subprocess.run(cmd, cwd=course, env=nbgrader_env(), capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"`nbgrader {' '.join(args)}` failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def available(course: Path = ROOT) -> list[str]:
    """Chapter ids that have both a source notebook and graded exercises."""
    return [c for c in exercises.CHAPTERS if CourseDir.at(course).source(c).exists()]


def main(
    chapter_ids: list[str] | None = None,
    *,
    course: str | Path = ROOT,
    force: bool = False,
    cache: str | Path | None = None,
) -> list[Path]:
    """Release ``chapter_ids`` (default: every chapter) and return the student notebooks.

    A release newer than its source notebook, the course's configuration and references and the code
    that makes it, with its numbers written in, is kept as it is, unless ``force``. Executed notebooks
    are kept in ``cache`` (default ``<course>/_build/executed``, where the book keeps them)."""
    course = Path(course)
    layout = CourseDir.at(course)
    written, stale = [], []
    for chapter_id in chapter_ids or available(course):
        source = layout.source(chapter_id)
        released = layout.released(chapter_id)
        inputs = [source, *(course / name for name in INPUTS), *PUBLISHING]
        newest_input = max(p.stat().st_mtime for p in inputs if p.exists())
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
        _finish(stale, course, Path(cache) if cache else course / "_build" / "executed")
    return written


def _finish(chapter_ids: list[str], course: Path, cache: Path) -> None:
    """Make the notebooks nbgrader released read as the site does in Jupyter: numbers written in for the
    glue roles, MyST markup turned into what Jupyter renders, and the outputs of the cells that need no
    student code (the released notebook run once, stubs and all, and compared with the site's run)."""
    site = jupyter.read_site(course)
    layout = CourseDir.at(course)
    released = {c: layout.released(c) for c in chapter_ids}
    notebooks = {c: nbformat.read(path, as_version=4) for c, path in released.items()}
    sources = [layout.source(c) for c in chapter_ids]
    runs = execute(sources, cache, released=list(released.values()))
    with_answers = dict(zip(chapter_ids, runs[: len(chapter_ids)], strict=True))
    for chapter_id, ran in zip(chapter_ids, runs[len(chapter_ids) :], strict=True):
        nb = notebooks[chapter_id]
        write_text(nb, chapter_id, site, glued(with_answers[chapter_id]))
        outputs.ship(nb, ran, with_answers[chapter_id], site.page(f"chapters/{chapter_id}/{chapter_id}"))
        nbformat.write(nb, released[chapter_id])


def write_text(nb, chapter_id: str, site: jupyter.Site, values: dict[str, str]) -> None:
    """The markdown cells of the released notebook ``nb`` with the glued ``values`` written in and MyST
    turned into markdown Jupyter renders; markup that cannot be converted is an error naming the
    chapter, the cell and the markup."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        where = f"{chapter_id}, cell {index} (id {cell.get('id', '?')})"
        try:
            cell.source = explorer_wording(
                jupyter.to_jupyter(fill_numbers(cell.source, values), site, chapter_id)
            )
        except KeyError as error:
            raise RuntimeError(f"{where}: {error.args[0]}") from None
        except jupyter.MystError as error:
            raise RuntimeError(f"{where}: {error}") from None


# A link to an explorer's setting (now on the chapter's page of the site), HTML or markdown, whose text
# says "explorer above": on the site it is, in the notebook it is not.
_EXPLORER_ABOVE = re.compile(
    r'(?P<html><a href="[^"]*#explore-[^"]*">[^<]*?)explorer above'
    r"|(?P<md>\[[^\]]*?)explorer above(?P<tail>[^\]]*\]\([^)]*#explore-)"
)


def explorer_wording(text: str) -> str:
    """A hint's link to an explorer's setting says where the explorer is from a notebook: "the explorer on
    the chapter's page", not "the explorer above"."""

    def one(match: re.Match) -> str:
        if match["html"] is not None:
            return f"{match['html']}explorer on the chapter's page"
        return f"{match['md']}explorer on the chapter's page{match['tail']}"

    return _EXPLORER_ABOVE.sub(one, text)


def _generate() -> None:
    """In a child process whose working directory is the course: ``nbgrader generate_assignment
    ID --force`` for each chapter id in ``sys.argv``, nbgrader imported once."""
    from nbgrader.apps.generateassignmentapp import GenerateAssignmentApp

    for chapter_id in sys.argv[1:]:
        app = GenerateAssignmentApp()
        app.initialize([chapter_id, "--force", "--log-level=WARN"])
        app.start()
