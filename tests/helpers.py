"""Helpers for the instructor tests: notebook factories and grading shortcuts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import yaml

from autograder import book, chapters, grade

ROOT = Path(__file__).resolve().parents[1]
COURSE_FILES = (*book.BOOK_FILES, "nbgrader_config.py")  # the book's sources and nbgrader's config


def source_notebook(chapter_id: str) -> Path:
    return ROOT / "chapters" / chapter_id / f"{chapter_id}.ipynb"


def copy_course(dest: Path) -> Path:
    """A copy of the course's sources (never its generated output) in ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in COURSE_FILES:
        if (ROOT / name).exists():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / name, dest / name)
    shutil.copytree(ROOT / "chapters", dest / "chapters", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return dest


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
    path = dest / f"{chapter_id}.ipynb"
    nbformat.write(nb, path)
    return path


def grade_file(path: Path) -> dict:
    """Grade a notebook with the sandboxed grader; returns the results document."""
    return grade.grade_notebook(path)


def result_for(doc: dict, name: str) -> dict:
    for test in doc["tests"]:
        if test["name"].split(" ")[0] == name:
            return test
    raise KeyError(f"no test for {name} in {json.dumps(doc)[:500]}")


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
        folder = submitted / student / chapter_id
        if i % 7 == 6:
            folder.mkdir(parents=True)
            (folder / f"{chapter_id}.ipynb").write_text("{ truncated")
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
    names = [ex.name for ex in chapters.chapter(chapter_id)]
    markers = ("### BEGIN SOLUTION", "### END SOLUTION")
    return {
        name: "\n".join(
            line for line in solution_cell(nb, name).source.splitlines() if line.strip() not in markers
        )
        for name in names
    }


def chapters_in_toc(root: Path) -> list[str]:
    """The chapter ids listed in a course's ``_toc.yml``, in order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    return [
        Path(c["file"]).name for part in toc["parts"] for c in part["chapters"] if "chapters/" in c["file"]
    ]


# -- the checks every chapter's test module makes ----------------------------------------------------


def assert_model_answers_get_full_marks(chapter_id: str) -> dict:
    """The source notebook, model answers in place, scores every point. Returns the results."""
    doc = grade_file(source_notebook(chapter_id))
    most = sum(ex.points for ex in chapters.chapter(chapter_id))
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
    doc = grade_file(with_answers(chapter_id, answers, dest))
    result = result_for(doc, name)
    assert result["score"] < result["max_score"], result["output"]
    named = f"Diagnosis: {diagnosis}" in result["output"]
    also_seen = f"{diagnosis} (" in result["output"]  # "Also seen in other cases: <diagnosis> (2x)"
    assert named or (also_seen and not first_only), result["output"]
    return doc


def assert_unusual_answer_keeps_full_marks(
    chapter_id: str, name: str, answers: dict[str, str], dest: Path
) -> None:
    result = result_for(grade_file(with_answers(chapter_id, answers, dest)), name)
    assert result["score"] == result["max_score"], result["output"]
