"""The course's sources as files: copy them, read a chapter's source notebook, and write notebooks
as students would hand them in (some solution cells replaced, or a whole synthetic class in nbgrader's
``submitted/`` layout), to try the grader on, test it and benchmark it."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import nbformat

from autograder.course_dir import SOURCE, CourseDir, notebook_file, student_folder
from autograder.engine import exercises
from autograder.publishing import ROOT
from autograder.publishing.book import BOOK_FILES

COURSE_FILES = (*BOOK_FILES, "nbgrader_config.py")  # the book's sources and nbgrader's config


def source_notebook(chapter_id: str) -> Path:
    return CourseDir.at(ROOT).source(chapter_id)


def copy_course(dest: Path) -> Path:
    """A copy of the course's sources (never its generated output) in ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in COURSE_FILES:
        if (ROOT / name).exists():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / name, dest / name)
    shutil.copytree(ROOT / SOURCE, dest / SOURCE, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return dest


def grade_class_command(submitted: Path, *options: str) -> list[str]:
    """The instructor's command that grades every notebook under ``submitted``, without its progress
    bar (run it from the course's root)."""
    return [sys.executable, "-m", "autograder", "grade", str(submitted), "--no-progress", *options]


def solution_cell(nb, name: str):
    """The solution cell whose nbgrader grade_id is ``name``."""
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == name:
            return cell
    raise KeyError(f"no cell with grade_id {name!r}")


def with_answers(chapter_id: str, answers: dict[str, str], dest: Path, *, base: Path | None = None) -> Path:
    """A copy of a chapter notebook (the source by default) with some solution cells replaced."""
    nb = nbformat.read(base or source_notebook(chapter_id), as_version=4)
    for name, code in answers.items():
        solution_cell(nb, name).source = code
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / notebook_file(chapter_id)
    nbformat.write(nb, path)
    return path


CLASS_KINDS = {
    "honest": {},
    "partial": {"correlate2d": "def correlate2d(image, kernel):\n    return np.zeros((1, 1))\n"},
    "flipped": {
        "correlate2d": "def correlate2d(image, kernel):\n    return convolve2d(image, kernel)\n",
    },
    "exits": {"convolve2d": "import os\ndef convolve2d(image, kernel):\n    os._exit(1)\n"},
    "hogs memory": {
        "convolve2d_full": "def convolve2d_full(image, kernel):\n    return np.ones((10**6, 10**6))\n",
    },
}


def make_class(
    submitted: Path, size: int, chapter_id: str = "01_convolution", *, base: Path | None = None
) -> dict[str, str]:
    """nbgrader's submitted/ tree for ``size`` students of mixed kinds; returns student -> kind.

    Submissions start from ``base`` (the source notebook by default; pass the release notebook for
    nbgrader autograde). Every seventh student hands in a file that is not a notebook at all."""
    kinds = {}
    names = list(CLASS_KINDS)
    for i in range(size):
        student = f"student{i:03d}"
        folder = student_folder(submitted, student, chapter_id)
        if i % 7 == 6:
            folder.mkdir(parents=True)
            (folder / notebook_file(chapter_id)).write_text("{ truncated")
            kinds[student] = "broken file"
            continue
        kind = names[i % len(names)]
        answers = CLASS_KINDS[kind] if base is None or kind != "honest" else model_answers(chapter_id)
        with_answers(chapter_id, answers, folder, base=base)
        kinds[student] = kind
    return kinds


def model_answers(chapter_id: str) -> dict[str, str]:
    """The source notebook's solution cells, as a student who solved everything would submit them."""
    nb = nbformat.read(source_notebook(chapter_id), as_version=4)
    names = [ex.name for ex in exercises.chapter(chapter_id)]
    markers = ("### BEGIN SOLUTION", "### END SOLUTION")
    return {
        name: "\n".join(
            line for line in solution_cell(nb, name).source.splitlines() if line.strip() not in markers
        )
        for name in names
    }
