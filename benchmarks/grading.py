"""Whole-class grading against ``nbgrader autograde``, and the book build, as whole commands."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder.conventions import nbgrader_env
from autograder.publishing import ROOT, release
from autograder.publishing.course import copy_course, grade_class_command, make_class
from benchmarks.timing import Row, Stats, once

CHAPTER = "01_convolution"


def template(work: Path) -> Path:
    """A copy of the course with the chapter released (and recorded in its gradebook) once: the classes
    of both grading benchmarks are copies of it."""
    course = copy_course(work / "template")
    release.main([CHAPTER], course=course)
    return course


def _class(template: Path, dest: Path, size: int) -> Path:
    """A copy of the released course with ``size`` submissions in submitted/."""
    shutil.copytree(template, dest)
    make_class(dest / "submitted", size, base=dest / "release" / CHAPTER / f"{CHAPTER}.ipynb")
    return dest


def _ours(course: Path, *options: str) -> None:
    cmd = grade_class_command(course / "submitted", "--jobs", "2", *options)
    subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)


def _nbgrader(course: Path) -> None:
    """nbgrader autograde on the same tree. Its exit status is ignored: a hostile submission that kills the
    kernel makes nbgrader report an error after grading the others, which is the peer's behaviour to time."""
    cmd = [sys.executable, "-m", "nbgrader", "autograde", CHAPTER, "--create", "--log-level=ERROR"]
    subprocess.run(cmd, cwd=course, env=nbgrader_env(), capture_output=True)


def class_rows(template: Path, sizes=(10, 30, 100), peer_size: int = 30) -> tuple[list[Row], list[dict]]:
    """Our grader on classes of each size; nbgrader on ``peer_size`` (same tree, fresh gradebooks)."""
    rows, scaling = [], []
    with tempfile.TemporaryDirectory() as tmp:
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


def cluster_rows(template: Path, size: int = 30) -> list[Row]:
    """The same class graded locally (``--jobs 2``) and through a Dask cluster of two one-thread
    worker processes on this machine (``--scheduler``): the same parallelism, so the difference is
    what going through the scheduler costs. An empty class, timed both ways, splits that cost into a
    fixed part (importing ``distributed``, connecting) and a part per submission (shipping the job and
    the result files, the scheduler's bookkeeping): the numbers to size a real cluster with."""
    from distributed import LocalCluster

    with tempfile.TemporaryDirectory() as tmp:
        local = _class(template, Path(tmp) / "local", size)
        remote = _class(template, Path(tmp) / "remote", size)
        empty = _class(template, Path(tmp) / "empty", 0)
        (empty / "submitted").mkdir(exist_ok=True)
        with LocalCluster(
            n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=":0", processes=True
        ) as cluster:
            through = once(lambda: _ours(remote, "--scheduler", cluster.scheduler_address))
            fixed = once(lambda: _ours(empty, "--scheduler", cluster.scheduler_address))
        here = once(lambda: _ours(local))
        fixed -= once(lambda: _ours(empty))
    extra = {
        "seconds_per_submission": through / size,
        "peer_seconds_per_submission": here / size,
        "scheduler_fixed_seconds": fixed,
        "scheduler_overhead_per_submission": (through - here - fixed) / size,
    }
    name = f"grade a class of {size} on a 2-worker Dask cluster"
    return [Row(name, Stats([through]), Stats([here]), "local --jobs 2", None, extra)]


def book_rows() -> list[Row]:
    """`make book` from a clean copy (cold), then again with nothing changed (cached)."""
    from autograder.publishing import book

    with tempfile.TemporaryDirectory() as tmp:
        course = copy_course(Path(tmp) / "course")
        cold = once(lambda: book.main(output=course / "_build", course=course))
        cached = once(lambda: book.main(output=course / "_build", course=course))
    return [Row("make book, cold", Stats([cold])), Row("make book, cached rebuild", Stats([cached]))]
