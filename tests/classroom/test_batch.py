"""Grading a whole class: parallel, resumable, into the gradebook, a CSV and HTML feedback."""

from __future__ import annotations

import csv
import shutil
import signal
import sqlite3
import time

import pytest
from helpers import grade_class, make_class
from nbgrader.api import Gradebook

from autograder.conventions import COURSE_ID
from autograder.engine import exercises

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("class")]  # its module fixture: one worker
CHAPTER = "01_convolution"
MAX = sum(ex.points for ex in exercises.chapter(CHAPTER))


def ledger(course) -> dict[str, tuple[float, str]]:
    with sqlite3.connect(course / "gradebook.db") as db:
        rows = db.execute("SELECT student, score, graded_at FROM autograder_results").fetchall()
    return {s: (score, at) for s, score, at in rows}


def test_every_submission_is_recorded(graded_class):
    course, kinds, out = graded_class
    assert "graded 30, unchanged 0, failed 0" in out
    # make_class writes notebooks only, not what nbgrader's exchange adds (timestamp, secret)
    assert "`nbgrader release_feedback` cannot hand back 30 of the pages" in out
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        scores = {s: gb.find_submission(CHAPTER, s).score for s in kinds}
    assert scores == {s: score for s, (score, _) in ledger(course).items()}
    for student, kind in kinds.items():
        if kind == "honest":
            assert scores[student] == MAX
        elif kind == "broken file":
            assert scores[student] == 0
        else:
            assert 0 < scores[student] < MAX, (student, kind)


def test_csv_has_a_row_per_submission_and_a_column_per_exercise(graded_class):
    course, kinds, _ = graded_class
    with (course / "grades.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 30 and {r["student"] for r in rows} == set(kinds)
    names = [ex.name for ex in exercises.chapter(CHAPTER)]
    assert list(rows[0]) == ["student", "chapter", "score", "max_score", *names, "feedback"]
    for row in rows:
        assert float(row["score"]) == pytest.approx(sum(float(row[n]) for n in names))
        lost = float(row["score"]) < float(row["max_score"])
        assert bool(row["feedback"]) == lost, row  # every lost point is explained, nothing else
    flipped = next(r for r in rows if kinds[r["student"]] == "flipped")
    assert "(case id correlate2d#1)" in flipped["feedback"]
    assert (
        "Failing cases (name them in a regrade request): correlate2d#1, correlate2d#2" in flipped["feedback"]
    )


def test_feedback_pages_explain_and_hide_the_reference(graded_class):
    course, kinds, _ = graded_class
    flipped = next(s for s, k in kinds.items() if k == "flipped")
    page = (course / "feedback" / flipped / CHAPTER / f"{CHAPTER}.html").read_text()
    assert "Diagnosis: kernel flipped" in page and "<h2" in page
    assert "(case id correlate2d#1)" in page
    assert "\ncorrelate2d(np.array([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]]), " in page
    for student in kinds:
        text = (course / "feedback" / student / CHAPTER / f"{CHAPTER}.html").read_text()
        assert "BEGIN HIDDEN TESTS" not in text and "import solutions" not in text and "check(" not in text


def test_rerun_grades_nothing_unchanged(graded_class):
    course, _, _ = graded_class
    before = ledger(course)
    assert "graded 0, unchanged 30" in grade_class(course)
    assert ledger(course) == before


def test_interrupted_run_resumes_without_regrading(graded_class, tmp_path):
    course, kinds, _ = graded_class
    work = tmp_path / "course"
    size = 15  # the first 15 students of the graded class of 30: the same submissions
    make_class(work / "submitted", size)
    proc = grade_class(work, wait=False)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if (work / "gradebook.db").exists() and len(_count(work)) >= 5:
            break
        time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    recorded = ledger(work)
    assert 5 <= len(recorded) < size
    out = grade_class(work)
    assert f"graded {size - len(recorded)}, unchanged {len(recorded)}, failed 0" in out
    final = ledger(work)
    assert {s: final[s] for s in recorded} == recorded, "a grade recorded before the crash was redone"
    whole = ledger(course)
    assert {s: score for s, (score, _) in final.items()} == {s: whole[s][0] for s in final}
    assert len(final) == size


def _count(course):
    try:
        return ledger(course)
    except sqlite3.OperationalError:  # tables not created yet, or locked for a write
        return {}


def test_a_changed_submission_is_regraded(graded_class, tmp_path):
    course, kinds, _ = graded_class
    work = tmp_path / "course"
    shutil.copytree(course, work)
    student = next(s for s, k in kinds.items() if k == "partial")
    honest = next(s for s, k in kinds.items() if k == "honest")
    shutil.copy(
        work / "submitted" / honest / CHAPTER / f"{CHAPTER}.ipynb", work / "submitted" / student / CHAPTER
    )
    assert "graded 1, unchanged 29" in grade_class(work)
    assert ledger(work)[student][0] == MAX
