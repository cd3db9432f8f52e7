"""Whole-class grading against ``nbgrader autograde``, and the book build, as whole commands."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder.conventions import nbgrader_env
from autograder.publishing import ROOT, release
from autograder.publishing.course import copy_course, make_class
from benchmarks.timing import Row, Stats, once

CHAPTER = "01_convolution"


def _template(work: Path) -> Path:
    """A copy of the course with the chapter released (and recorded in its gradebook) once."""
    course = copy_course(work / "template")
    release.main([CHAPTER], course=course)
    return course


def _class(template: Path, dest: Path, size: int) -> Path:
    """A copy of the released course with ``size`` submissions in submitted/."""
    shutil.copytree(template, dest)
    make_class(dest / "submitted", size, base=dest / "release" / CHAPTER / f"{CHAPTER}.ipynb")
    return dest


def _ours(course: Path) -> None:
    cmd = [
        sys.executable,
        "-m",
        "autograder",
        "grade",
        str(course / "submitted"),
        "--jobs",
        "2",
        "--no-progress",
    ]
    subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)


def _nbgrader(course: Path) -> None:
    """nbgrader autograde on the same tree. Its exit status is ignored: a hostile submission that kills the
    kernel makes nbgrader report an error after grading the others, which is the peer's behaviour to time."""
    cmd = [sys.executable, "-m", "nbgrader", "autograde", CHAPTER, "--create", "--log-level=ERROR"]
    subprocess.run(cmd, cwd=course, env=nbgrader_env(), capture_output=True)


def class_rows(sizes=(10, 30, 100), peer_size: int = 30) -> tuple[list[Row], list[dict]]:
    """Our grader on classes of each size; nbgrader on ``peer_size`` (same tree, fresh gradebooks)."""
    rows, scaling = [], []
    with tempfile.TemporaryDirectory() as tmp:
        template = _template(Path(tmp))
        for size in sizes:
            course = _class(template, Path(tmp) / f"ours-{size}", size)
            ours = once(lambda course=course: _ours(course))
            scaling.append({"submissions": size, "seconds": ours})
            if size == peer_size:
                # The same class in a fresh copy: nbgrader finds neither our gradebook entries nor our output.
                course = _class(template, Path(tmp) / f"nbgrader-{size}", size)
                peer = once(lambda course=course: _nbgrader(course))
                scaling[-1]["nbgrader_seconds"] = peer
                extra = {"seconds_per_submission": ours / size, "peer_seconds_per_submission": peer / size}
                rows.append(
                    Row(
                        f"grade a class of {size} (--jobs 2, sandboxed)",
                        Stats([ours]),
                        Stats([peer]),
                        "nbgrader autograde",
                        0.33,
                        extra,
                    )
                )
    return rows, scaling


def book_rows() -> list[Row]:
    """`make book` from a clean copy (cold), then again with nothing changed (cached)."""
    from autograder.publishing import book

    with tempfile.TemporaryDirectory() as tmp:
        course = copy_course(Path(tmp) / "course")
        cold = once(lambda: book.main(output=course / "_build", course=course))
        cached = once(lambda: book.main(output=course / "_build", course=course))
    return [Row("make book, cold", Stats([cold])), Row("make book, cached rebuild", Stats([cached]))]
