"""nbgrader round trip: the released notebooks, submitted and autograded by nbgrader itself, score
exactly what ``python -m autograder grade`` gives the same files."""

from __future__ import annotations

import shutil

import nbformat
import pytest
from helpers import grade_file, model_answers, result_for, solution_cell, source_notebook, with_answers
from nbgrader.api import Gradebook

from autograder.engine import exercises
from autograder.publishing import release

pytestmark = pytest.mark.slow

CHAPTERS = [c for c in exercises.CHAPTERS if source_notebook(c).exists()]


def submissions(chapter_id: str) -> dict[str, dict[str, str]]:
    """Honest students: everything solved, the first exercise left as a stub, nothing done."""
    answers = model_answers(chapter_id)
    first = next(iter(answers))
    return {"ada": answers, "grace": {k: v for k, v in answers.items() if k != first}, "alan": {}}


@pytest.mark.parametrize("chapter_id", CHAPTERS)
def test_autograder_and_nbgrader_agree(chapter_id, course, tmp_path):
    work = tmp_path / "course"
    shutil.copytree(course, work, ignore=shutil.ignore_patterns("submitted", "autograded"))
    released = work / "release" / chapter_id / f"{chapter_id}.ipynb"
    ours = {}
    for student, answers in submissions(chapter_id).items():
        path = with_answers(chapter_id, answers, work / "submitted" / student / chapter_id, base=released)
        ours[student] = grade_file(path)["score"]
    release.nbgrader("autograde", chapter_id, "--create", "--log-level=WARN", course=work)
    with Gradebook(f"sqlite:///{work / 'gradebook.db'}") as gb:
        theirs = {s: gb.find_submission(chapter_id, s).score for s in ours}
    assert theirs == pytest.approx(ours, abs=1e-9)
    total = sum(ex.points for ex in exercises.chapter(chapter_id))
    assert ours["ada"] == total and ours["alan"] == 0 and 0 < ours["grace"] < total


HELPER = (
    "def window_sum(image, kernel, i, j):\n    kh, kw = kernel.shape\n"
    "    return float(np.sum(image[i:i + kh, j:j + kw] * kernel))\n"
)
USES_HELPER = """def correlate2d(image, kernel):
    image, kernel = np.asarray(image, float), np.asarray(kernel, float)
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError("image and kernel must be 2-D")
    (H, W), (kh, kw) = image.shape, kernel.shape
    if kh > H or kw > W:
        raise ValueError("kernel larger than image")
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = window_sum(image, kernel, i, j)
    return out
"""
BROKEN = "def correlate2d(image, kernel):\n    for i in range(3)\n        pass\n"


def test_own_helpers_and_broken_cells_agree_and_are_explained(course, tmp_path):
    """A helper in the student's own cell counts under both graders; a cell with a syntax error is
    named, with its line, by both."""
    chapter_id = "01_convolution"
    work = tmp_path / "course"
    shutil.copytree(course, work, ignore=shutil.ignore_patterns("submitted", "autograded"))
    released = work / "release" / chapter_id / f"{chapter_id}.ipynb"
    answers = model_answers(chapter_id)
    helper_folder = work / "submitted" / "helper" / chapter_id
    path = with_answers(chapter_id, {**answers, "correlate2d": USES_HELPER}, helper_folder, base=released)
    nb = nbformat.read(path, as_version=4)
    at = nb.cells.index(solution_cell(nb, "correlate2d"))
    nb.cells.insert(at, nbformat.v4.new_code_cell(HELPER))
    nbformat.write(nb, path)
    broken = with_answers(
        chapter_id,
        {**answers, "correlate2d": BROKEN},
        work / "submitted" / "broken" / chapter_id,
        base=released,
    )
    ours = {"helper": grade_file(path), "broken": grade_file(broken)}
    release.nbgrader("autograde", chapter_id, "--create", "--log-level=WARN", course=work)
    with Gradebook(f"sqlite:///{work / 'gradebook.db'}") as gb:
        theirs = {s: gb.find_submission(chapter_id, s).score for s in ours}
    assert theirs == pytest.approx({s: d["score"] for s, d in ours.items()}, abs=1e-9)
    assert ours["helper"]["score"] == 10  # 4 + 3 + 3: everything right
    assert "SyntaxError" in result_for(ours["broken"], "correlate2d")["output"]
    autograded = nbformat.read(work / "autograded" / "broken" / chapter_id / f"{chapter_id}.ipynb", 4)
    graded = next(
        c for c in autograded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "correlate2d_graded"
    )
    shown = "".join(o.get("text", "") for o in graded.outputs)
    assert "the cell that defines it did not run: SyntaxError" in shown and "(line 2 of that cell" in shown
