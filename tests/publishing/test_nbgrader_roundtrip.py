"""nbgrader round trip: the released notebooks, submitted and autograded by nbgrader itself, score
exactly what ``python -m autograder grade`` gives the same files, exercise by exercise. nbgrader grades
every chapter's submissions in one ``nbgrader autograde`` run."""

from __future__ import annotations

import concurrent.futures
import shutil
from pathlib import Path

import nbformat
import pytest
from helpers import grade_file, model_answers, result_for, solution_cell, with_answers
from nbgrader.api import Gradebook

from autograder.engine import exercises, grade
from autograder.engine.exercise import grade_id
from autograder.publishing import release

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("nbgrader")]  # its module fixture: one worker

CHAPTERS = release.available()


def partly_done(chapter_id: str) -> dict[str, str]:
    """An honest student: everything solved but the first exercise, which is left as the stub."""
    answers = model_answers(chapter_id)
    first = next(iter(answers))
    return {k: v for k, v in answers.items() if k != first}


def helper_and_broken(work: Path) -> dict[str, Path]:
    """Chapter 01 twice more: a helper defined in the student's own cell, and a cell with a syntax error."""
    chapter_id = "01_convolution"
    released = work / "release" / chapter_id / f"{chapter_id}.ipynb"
    answers = model_answers(chapter_id)
    helper_folder = work / "submitted" / "helper" / chapter_id
    path = with_answers(chapter_id, {**answers, "correlate2d": USES_HELPER}, helper_folder, base=released)
    nb = nbformat.read(path, as_version=4)
    at = nb.cells.index(solution_cell(nb, "correlate2d"))
    nb.cells.insert(at, nbformat.v4.new_code_cell(HELPER))
    nbformat.write(nb, path)
    broken_folder = work / "submitted" / "broken" / chapter_id
    broken = with_answers(chapter_id, {**answers, "correlate2d": BROKEN}, broken_folder, base=released)
    return {"helper": path, "broken": broken}


def autograde(work: Path, paths: dict) -> dict:
    """nbgrader autograde on ``work``'s submitted/ tree; (student, chapter) -> {exercise: its score}."""
    release.nbgrader("autograde", "*", "--create", "--log-level=WARN", course=work)
    theirs = {}
    with Gradebook(f"sqlite:///{work / 'gradebook.db'}") as gb:
        for student, chapter_id in paths:
            theirs[student, chapter_id] = {
                ex.name: gb.find_grade(grade_id(ex.name), chapter_id, chapter_id, student).score
                for ex in exercises.chapter(chapter_id)
            }
    return theirs


@pytest.fixture(scope="session")
def both_graders(course, tmp_path_factory) -> tuple[Path, dict, dict]:
    """(course copy with chapter 01, ours, theirs): (student, chapter) -> our results, and -> {exercise:
    nbgrader's score}. nbgrader runs on two copies of the course at once, each with half the chapters
    (and a gradebook of its own), while our grader grades the same files."""
    root = tmp_path_factory.mktemp("roundtrip")
    halves = [root / "odd", root / "even"]
    paths: list[dict] = [{}, {}]
    for work in halves:
        shutil.copytree(course, work, ignore=shutil.ignore_patterns("submitted", "autograded"))
    for i, chapter_id in enumerate(CHAPTERS):
        work = halves[i % 2]
        released = work / "release" / chapter_id / f"{chapter_id}.ipynb"
        folder = work / "submitted" / "grace" / chapter_id
        paths[i % 2]["grace", chapter_id] = with_answers(
            chapter_id, partly_done(chapter_id), folder, base=released
        )
    for student, path in helper_and_broken(halves[0]).items():
        paths[0][student, "01_convolution"] = path
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        theirs_of = [pool.submit(autograde, work, half) for work, half in zip(halves, paths, strict=True)]
        ours = {key: grade_file(path) for half in paths for key, path in half.items()}
        theirs = {key: score for future in theirs_of for key, score in future.result().items()}
    return halves[0], ours, theirs


def scores(results: dict) -> dict[str, float]:
    """exercise -> score, from our results.json."""
    found = {grade.exercise_of(test): test["score"] for test in results["tests"]}
    assert len(found) == len(results["tests"]), "one result per exercise"
    return found


@pytest.mark.parametrize("chapter_id", CHAPTERS)
def test_autograder_and_nbgrader_agree(chapter_id, both_graders):
    _, ours, theirs = both_graders
    mine = scores(ours["grace", chapter_id])
    assert theirs["grace", chapter_id] == pytest.approx(mine, abs=1e-9)
    chapter = exercises.chapter(chapter_id)
    first = chapter[0].name
    # The stub scores 0, and so does an exercise graded with it (a backward pass with the forward's cache).
    expected = {ex.name: 0 if first in (ex.name, *ex.uses) else ex.points for ex in chapter}
    assert mine == expected


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


def test_own_helpers_and_broken_cells_agree_and_are_explained(both_graders):
    """A helper in the student's own cell counts under both graders; a cell with a syntax error is
    named, with its line, by both."""
    work, ours, theirs = both_graders
    for student in ("helper", "broken"):
        assert theirs[student, "01_convolution"] == pytest.approx(scores(ours[student, "01_convolution"]))
    assert ours["helper", "01_convolution"]["score"] == 10  # 4 + 3 + 3: everything right
    assert "SyntaxError" in result_for(ours["broken", "01_convolution"], "correlate2d")["output"]
    autograded = work / "autograded" / "broken" / "01_convolution" / "01_convolution.ipynb"
    graded = next(
        c
        for c in nbformat.read(autograded, 4).cells
        if c.metadata.get("nbgrader", {}).get("grade_id") == "correlate2d_graded"
    )
    shown = "".join(o.get("text", "") for o in graded.outputs)
    assert "the cell that defines it did not run: SyntaxError" in shown and "(line 2 of that cell" in shown
