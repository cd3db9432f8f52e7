"""The CSV's feedback column and the HTML pages: the failing cases by id, the reproduce line, and the
files nbgrader's release_feedback reads beside each page."""

from __future__ import annotations

import csv
import html

import pytest

import solutions
from autograder.classroom import export
from autograder.classroom.gradebook import Row
from autograder.engine import exercises, grade, judge, runner

CHAPTER = "01_convolution"
WORKED_EXAMPLE = (
    "correlate2d(np.array([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]]), "
    "np.array([[1.0, 2.0], [3.0, 4.0]]))"
)


@pytest.fixture(scope="module")
def flipped() -> Row:
    """Chapter 01 with a correlate2d that flips the kernel; the other two exercises right."""
    funcs = {"correlate2d": solutions.convolve2d, "convolve2d": solutions.convolve2d}
    funcs["convolve2d_full"] = solutions.convolve2d_full
    results = []
    for ex in exercises.chapter(CHAPTER):
        cases = ex.cases()
        records, output = runner.run_exercise(funcs, ex.name, ex.driver, [c.args for c in cases])
        results.append(judge.judge_exercise(ex, cases, runner.normalise(records), output=output))
    doc = grade._document(results, "", 0.0)
    return Row("ada", CHAPTER, doc["score"], 10.0, doc)


def test_the_csv_names_the_first_failing_case_and_every_failing_one(flipped, tmp_path):
    export.write_csv([flipped], tmp_path / "grades.csv")
    with (tmp_path / "grades.csv").open() as f:
        (row,) = list(csv.DictReader(f))
    assert row["feedback"].splitlines() == [
        "correlate2d: 3/10 cases passed (1.2/4 points).",
        'First failure, case "3x3 image, 2x2 kernel (the worked example)" (case id correlate2d#1):',
        "Diagnosis: kernel flipped.",
        "Failing cases (name them in a regrade request): correlate2d#1, correlate2d#2, correlate2d#3, "
        "correlate2d#4, correlate2d#5, correlate2d#7, correlate2d#8.",
    ]


def test_a_grade_recorded_before_verdicts_exports_with_a_note(flipped, tmp_path):
    """A gradebook row from before the verdict fields (no ``headline``): the CSV says so instead of
    failing the whole export."""
    import copy

    old = copy.deepcopy(flipped)
    for test in old.results["tests"]:
        test["extra_data"] = {"exercise": test["extra_data"]["exercise"]}
    export.write_csv([old], tmp_path / "grades.csv")
    with (tmp_path / "grades.csv").open() as f:
        (row,) = list(csv.DictReader(f))
    assert row["feedback"] == (
        "correlate2d (3/10 cases): graded before verdicts were recorded; regrade for details."
    )


def test_the_page_shows_the_case_id_and_the_line_that_reproduces_it(flipped, tmp_path):
    page = html.unescape(export.write_feedback(flipped, tmp_path).read_text())
    assert "(case id correlate2d#1)" in page and f"\n{WORKED_EXAMPLE}\n" in page
    assert "import solutions" not in page and "BEGIN HIDDEN TESTS" not in page


def test_the_page_is_named_and_accompanied_as_release_feedback_needs(flipped, tmp_path):
    submission = tmp_path / "submitted" / "ada" / CHAPTER
    submission.mkdir(parents=True)
    (submission / "Copy of 01_convolution.ipynb").write_text("{}")  # a renamed notebook, submitted
    feedback = tmp_path / "feedback"
    page = export.write_feedback(flipped, feedback, submission)
    assert page == feedback / "ada" / CHAPTER / "Copy of 01_convolution.html"
    assert not export.releasable(page)  # not collected through nbgrader's exchange
    (submission / "timestamp.txt").write_text("2026-10-05 21:59:00.123456 UTC")
    (submission / "submission_secret.txt").write_text("f00d" * 32)
    export.write_feedback(flipped, feedback, submission)
    assert export.releasable(page)
    assert (page.parent / "timestamp.txt").read_text() == "2026-10-05 21:59:00.123456 UTC"
    assert (page.parent / "submission_secret.txt").read_text() == "f00d" * 32
    (submission / "submission_secret.txt").write_text("beef" * 32)  # submitted again, collected again
    export.write_feedback(flipped, feedback, submission)
    assert (page.parent / "submission_secret.txt").read_text() == "beef" * 32


def test_without_a_submission_the_page_is_named_after_the_chapter(flipped, tmp_path):
    page = export.write_feedback(flipped, tmp_path)
    assert page == tmp_path / "ada" / CHAPTER / f"{CHAPTER}.html" and not export.releasable(page)


def test_export_finds_the_submissions_beside_the_feedback_folder(flipped, tmp_path):
    from autograder.classroom.gradebook import Book

    db = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Book(db) as book:
        book.record("ada", CHAPTER, "digest", flipped.results)
    submission = tmp_path / "submitted" / "ada" / CHAPTER
    submission.mkdir(parents=True)
    for name in export.RELEASE_FILES:
        (submission / name).write_text(name)
    export.main(db=db, csv_path=tmp_path / "grades.csv", feedback=tmp_path / "feedback")
    page = tmp_path / "feedback" / "ada" / CHAPTER / f"{CHAPTER}.html"
    assert export.releasable(page) and (page.parent / "timestamp.txt").read_text() == "timestamp.txt"
