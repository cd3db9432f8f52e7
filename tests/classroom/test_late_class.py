"""Late penalties in class grading: recorded in the gradebook (nbgrader's own fields too), shown in the
CSV, the feedback and the Canvas export, and updated without regrading when an extension is granted."""

from __future__ import annotations

import csv
import json
import sqlite3
from datetime import datetime, timedelta

import pytest
from helpers import make_class
from nbgrader.api import Gradebook

from autograder.__main__ import main as cli
from autograder.classroom import batch

pytestmark = [
    pytest.mark.slow,  # its module fixture grades a class of the released course
    pytest.mark.xdist_group("late-class"),  # its module fixture: one worker
]

CH = "01_convolution"
DEADLINES = """timezone = "Europe/Zurich"
policy = "per_day"
percent_per_day = 10
{extra}
[due]
01_convolution = "2026-10-05 23:59"
"""


def ledger(course) -> dict[str, dict]:
    with sqlite3.connect(course / "gradebook.db") as db:
        rows = db.execute("SELECT student, score, results, graded_at FROM autograder_results").fetchall()
    return {s: {"score": score, "results": json.loads(doc), "at": at} for s, score, doc, at in rows}


@pytest.fixture(scope="session")
def course(tmp_path_factory):
    course = tmp_path_factory.mktemp("late")
    kinds = make_class(course / "submitted", 3)
    assert kinds == {"student000": "honest", "student001": "partial", "student002": "flipped"}
    stamps = {"student000": "2026-10-05 21:00:00.000000 UTC", "student001": "2026-10-07 03:59:00.000000 UTC"}
    for student, stamp in stamps.items():
        (course / "submitted" / student / CH / "timestamp.txt").write_text(stamp)
    (course / "deadlines.toml").write_text(DEADLINES.format(extra=""))
    summary = batch.main(course / "submitted", progress=False)
    assert len(summary.graded) == 3 and not summary.failed
    return course


def test_the_penalty_is_taken_off_the_recorded_score(course):
    found = ledger(course)
    late = found["student001"]["results"]["late"]
    assert late["days_late"] == 2 and late["percent"] == 20  # 30 hours after 21:59 UTC
    assert 0 < late["raw_score"] and found["student001"]["score"] == round(late["raw_score"] * 0.8, 2)
    assert found["student000"]["results"]["late"]["penalty"] == 0
    assert "no timestamp.txt" in found["student002"]["results"]["output"]
    assert found["student002"]["results"]["late"]["penalty"] == 0


def test_nbgrader_gradebook_has_the_due_date_timestamp_and_penalty(course):
    penalty = ledger(course)["student001"]["results"]["late"]["penalty"]
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id="convolutions") as gb:
        sub = gb.find_submission(CH, "student001")
        assert sub.assignment.duedate == datetime(2026, 10, 5, 21, 59)  # UTC, as nbgrader stores it
        assert sub.timestamp == datetime(2026, 10, 7, 3, 59)
        assert sub.late_submission_penalty == pytest.approx(penalty) and penalty > 0


def test_csv_and_feedback_show_the_penalty(course):
    with (course / "grades.csv").open() as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    row, late = rows["student001"], ledger(course)["student001"]["results"]["late"]
    assert float(row["score"]) == pytest.approx(late["raw_score"] - late["penalty"])
    assert float(row["raw_score"]) == late["raw_score"] and float(row["late_penalty"]) == late["penalty"]
    assert row["days_late"] == "2" and row["submitted_at"].startswith("2026-10-07T03:59")
    page = (course / "feedback" / "student001" / CH / f"{CH}.html").read_text()
    assert "taken off for 2 day(s) late: 20%" in page and "Late: submitted 30.0 hours after" in page


def test_canvas_export_carries_the_score_after_the_penalty(course, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section\n"
        "A,1,S1,student000,X\nB,2,S2,student001,X\nC,3,S3,student002,X\n"
    )
    canvas, plain = tmp_path / "canvas.csv", tmp_path / "plain.csv"
    db = f"sqlite:///{course / 'gradebook.db'}"
    code = cli(
        [
            "export",
            "--db",
            db,
            "--csv",
            str(tmp_path / "g.csv"),
            "--canvas",
            str(canvas),
            "--roster",
            str(roster),
        ]
    )
    assert code == 0
    cli(["export", "--db", db, "--csv", str(tmp_path / "g.csv"), "--plain", str(plain)])
    with canvas.open() as f:
        header, points, *students = list(csv.reader(f))
    assert (
        header[:6] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", CH]
        and points[0] == "Points Possible"
    )
    assert float(students[1][5]) == ledger(course)["student001"]["score"]
    assert "student001" in plain.read_text()
    assert cli(["export", "--db", db, "--canvas", str(canvas)]) == 2  # no roster: refused, says why


def test_an_extension_updates_the_penalty_without_regrading(course):
    before = ledger(course)
    (course / "extensions.csv").write_text("student,chapter,days\nstudent001,01_convolution,2\n")
    (course / "deadlines.toml").write_text(DEADLINES.format(extra='extensions = "extensions.csv"'))
    summary = batch.main(course / "submitted", progress=False)
    assert summary.graded == [] and [i.student for i in summary.repenalised] == ["student001"]
    after = ledger(course)
    assert after["student001"]["score"] == before["student001"]["results"]["late"]["raw_score"]
    assert after["student000"]["at"] == before["student000"]["at"]  # untouched
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id="convolutions") as gb:
        sub = gb.find_submission(CH, "student001")
        assert sub.extension == timedelta(days=2) and sub.late_submission_penalty == 0
