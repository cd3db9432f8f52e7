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
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[2:])} exited {proc.returncode}: {proc.stderr.strip()[-2000:]}")


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
    what going through the scheduler costs. A class of one, timed both ways, splits that cost into a
    fixed part (importing ``distributed``, connecting) and a part per submission (shipping the job and
    the result files, the scheduler's bookkeeping): the numbers to size a real cluster with."""
    from distributed import LocalCluster

    with tempfile.TemporaryDirectory() as tmp:
        classes = {
            n: (_class(template, Path(tmp) / f"local-{n}", n), _class(template, Path(tmp) / f"remote-{n}", n))
            for n in sorted({1, size})
        }
        through, here = {}, {}
        with LocalCluster(
            n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=":0", processes=True
        ) as cluster:
            for n, (_, remote) in classes.items():
                through[n] = once(
                    lambda remote=remote: _ours(remote, "--scheduler", cluster.scheduler_address)
                )
        for n, (local, _) in classes.items():
            here[n] = once(lambda local=local: _ours(local))
    overhead = {n: through[n] - here[n] for n in classes}  # = fixed + n * per submission
    per = (overhead[size] - overhead[1]) / (size - 1) if size > 1 else 0.0
    extra = {
        "seconds_per_submission": through[size] / size,
        "peer_seconds_per_submission": here[size] / size,
        "scheduler_fixed_seconds": overhead[1] - per,
        "scheduler_overhead_per_submission": per,
    }
    name = f"grade a class of {size} on a 2-worker Dask cluster"
    return [Row(name, Stats([through[size]]), Stats([here[size]]), "local --jobs 2", None, extra)]


def book_rows() -> list[Row]:
    """`make book` from a clean copy (cold), then again with nothing changed (cached)."""
    from autograder.publishing import book

    with tempfile.TemporaryDirectory() as tmp:
        course = copy_course(Path(tmp) / "course")
        cold = once(lambda: book.main(output=course / "_build", course=course))
        cached = once(lambda: book.main(output=course / "_build", course=course))
    return [Row("make book, cold", Stats([cold])), Row("make book, cached rebuild", Stats([cached]))]
