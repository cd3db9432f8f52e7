"""Nothing lost, nothing silent: every instructor mistake stops with one line (exit 2) and changes
nothing; every submission that could not be graded or recorded is listed (exit 1); a class run never
overwrites good data with worse.

One class of three is graded once (late penalties on); each test that changes something works on a
copy of it."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys

import pytest
from helpers import ROOT, make_class

from autograder.__main__ import main as cli
from autograder.classroom import batch
from autograder.classroom.gradebook import Book
from autograder.engine import grade

pytestmark = pytest.mark.xdist_group("safety-class")  # its module fixture: one worker

CH = "01_convolution"
DEADLINES = """timezone = "UTC"
policy = "per_day"
percent_per_day = 10
{extra}
[due]
{chapter} = "2026-10-05 23:59"
"""
ROSTER = "Student,ID,SIS User ID,SIS Login ID,Section\nA,1,S1,student000,X\nB,2,S2,student001,X\n"


def ledger(course) -> dict[str, dict]:
    with sqlite3.connect(course / "gradebook.db") as db:
        rows = db.execute("SELECT student, score, digest, results FROM autograder_results").fetchall()
    return {s: {"score": score, "digest": d, "results": json.loads(doc)} for s, score, d, doc in rows}


def state(course) -> str:
    """Everything a command must leave alone when it refuses: the ledger and every exported file."""
    h = hashlib.sha256(json.dumps(ledger(course), sort_keys=True).encode())
    for path in sorted(course.rglob("*")):
        if path.is_file() and path.suffix in (".csv", ".html") and "submitted" not in path.parts:
            h.update(str(path.relative_to(course)).encode() + path.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """A class of three (honest, partial, flipped), student001 four days late, graded once."""
    course = tmp_path_factory.mktemp("safety")
    make_class(course / "submitted", 3)
    (course / "submitted" / "student001" / CH / "timestamp.txt").write_text("2026-10-09 12:00:00 UTC")
    (course / "deadlines.toml").write_text(DEADLINES.format(extra="", chapter=CH))
    summary = batch.main(course / "submitted", progress=False)
    assert len(summary.graded) == 3 and not summary.failed
    assert ledger(course)["student001"]["results"]["late"]["days_late"] == 4
    return course


@pytest.fixture
def course(graded, tmp_path):
    copy = tmp_path / "course"
    shutil.copytree(graded, copy)
    return copy


def refused(capsys, argv, *needles) -> str:
    """Run ``argv``: exit 2 and one line on stderr that holds every needle."""
    code = cli([str(a) for a in argv])
    err = capsys.readouterr().err
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert all(n in lines[0] for n in needles), lines[0]
    return lines[0]


# -- data loss --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("deadlines", "extensions", "needles"),
    [
        (
            DEADLINES.format(extra="", chapter="01_convolutoin"),
            None,
            ["'01_convolutoin'", f"did you mean {CH}"],
        ),
        (
            DEADLINES.format(extra='extensions = "ext.csv"', chapter=CH),
            "student,chapter,days\nstudent001,01_convolutin,1\n",
            ["line 2", "'01_convolutin'"],
        ),
        (
            DEADLINES.format(extra='extensions = "ext.csv"', chapter=CH),
            "student,chapter,days\nstud99,01_convolution,1\n",
            ["stud99", "submitted nothing"],
        ),
    ],
    ids=["misspelt-due-chapter", "extension-unknown-chapter", "extension-unknown-student"],
)
@pytest.mark.slow  # the released course: nbgrader and the chapters run
def test_a_misspelt_deadlines_file_changes_no_penalty(course, capsys, deadlines, extensions, needles):
    (course / "deadlines.toml").write_text(deadlines)
    if extensions:
        (course / "ext.csv").write_text(extensions)
    before = state(course)
    refused(capsys, ["grade", course / "submitted", "--no-progress"], *needles, "no penalty was changed")
    assert state(course) == before


@pytest.mark.slow  # the released course: nbgrader and the chapters run
def test_every_changed_penalty_is_printed(course, capsys):
    before = ledger(course)["student001"]
    (course / "ext.csv").write_text("student,chapter,days\nstudent001,01_convolution,5\n")
    (course / "deadlines.toml").write_text(DEADLINES.format(extra='extensions = "ext.csv"', chapter=CH))
    assert cli(["grade", str(course / "submitted"), "--no-progress"]) == 0
    out = capsys.readouterr().out
    raw = before["results"]["late"]["raw_score"]
    assert before["score"] == pytest.approx(raw * 0.6)  # 4 days late, 10% a day
    assert f"student001 {CH}: {before['score']:g} -> {raw:g}" in out


@pytest.mark.slow  # the released course: nbgrader and the chapters run
def test_export_never_creates_a_gradebook(course, capsys, monkeypatch):
    monkeypatch.chdir(course)
    before = state(course)
    refused(capsys, ["export", "--db", "sqlite:///gradebok.db"], "gradebok.db", "does not exist")
    assert not (course / "gradebok.db").exists() and state(course) == before
    empty = course / "empty.db"
    sqlite3.connect(empty).close()  # a database, but not a gradebook
    refused(capsys, ["export", "--db", f"sqlite:///{empty}"], "no grades recorded")


@pytest.mark.slow  # the released course: nbgrader and the chapters run
def test_export_writes_only_what_it_was_asked_for(course, capsys, monkeypatch):
    monkeypatch.chdir(course)
    grades = (course / "grades.csv").read_bytes()
    assert cli(["export", "--db", "sqlite:///gradebook.db", "--plain", "p.csv"]) == 0
    assert (course / "p.csv").read_text().startswith("student,01_convolution,total")
    assert (course / "grades.csv").read_bytes() == grades
    assert "p.csv" in capsys.readouterr().out


@pytest.mark.slow  # the released course: nbgrader and the chapters run
def test_a_failed_regrade_leaves_the_grade_marked_not_current(course, capsys, monkeypatch):
    real = grade.judge

    def judge(ran, limits, start):
        if any("np.zeros((1, 1))" in c.source for c in ran.submission.cells):  # student001
            raise ZeroDivisionError("injected fault in the judge")
        return real(ran, limits, start)

    monkeypatch.setattr(grade, "judge", judge)
    code = cli(["grade", str(course / "submitted"), "--no-progress", "--regrade"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "could not grade or record student001/01_convolution" in out and "ZeroDivisionError" in out
    assert "Traceback" in err and "injected fault in the judge" in err  # for the instructor
    found = ledger(course)
    assert found["student001"]["results"]["stale"] and found["student001"]["digest"] == ""
    assert not found["student000"]["results"].get("stale")
    with (course / "grades.csv").open() as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    assert rows["student001"]["score"] == "" and rows["student001"]["feedback"].startswith("NOT CURRENT")
    assert rows["student000"]["score"] != ""
    page = (course / "feedback" / "student001" / CH / f"{CH}.html").read_text()
    assert "earlier version of your submission" in page and "ZeroDivisionError" not in page
    (course / "roster.csv").write_text(ROSTER)
    monkeypatch.chdir(course)
    db = "sqlite:///gradebook.db"
    assert cli(["export", "--db", db, "--canvas", "c.csv", "--roster", "roster.csv"]) == 0
    canvas = list(csv.reader((course / "c.csv").read_text().splitlines()))
    assert canvas[3][3] == "student001" and canvas[3][5] == ""  # empty: Canvas keeps what it had
    monkeypatch.undo()
    # the next run grades it again, and it is current
    assert cli(["grade", str(course / "submitted"), "--no-progress"]) == 0
    assert not ledger(course)["student001"]["results"].get("stale")


# -- the command or a file it reads is wrong: exit 2, one line, nothing changed -----------------------


@pytest.mark.slow  # the released course: nbgrader and the chapters run
def test_class_mode_refuses_what_it_cannot_use(course, capsys, tmp_path):
    before = state(course)
    sub = course / "submitted"
    refused(capsys, ["grade", course / "submited", "--jobs", "2"], "no such file or folder", "submited")
    refused(
        capsys, ["grade", sub / "student000", "--no-progress"], "holds no submissions", "a chapter folder"
    )
    (tmp_path / "hw" / "ada" / "hw1").mkdir(parents=True)
    (tmp_path / "hw" / "notes.ipynb").write_text("{}")
    refused(capsys, ["grade", tmp_path / "hw", "--no-progress"], "ada/hw1 (not a chapter", "notes.ipynb")
    refused(
        capsys, ["grade", sub, "--regrade", "stud99", "--no-progress"], "--regrade stud99", "no such student"
    )
    refused(capsys, ["grade", sub, "--chapter", CH], "--chapter", "not an option for a class")
    refused(capsys, ["grade", sub, "--results", "r.json"], "--results", "not an option for a class")
    refused(capsys, ["grade", sub, "--db", f"sqlite:///{tmp_path}/no/such/gb.db"], "does not exist")
    refused(capsys, ["grade", sub, "--db", "postgres://u@localhost/gb"], "postgresql://")
    refused(
        capsys, ["grade", sub, "--db", "postgresql+psycopg2://u@127.0.0.1:1/gb"], "cannot reach the gradebook"
    )
    refused(capsys, ["export", "--db", "nonsense"], "not a database URL")
    assert state(course) == before


@pytest.mark.parametrize(
    "option", ["--jobs 2", "--db sqlite://", "--deadlines d.toml", "--regrade", "--csv g.csv"]
)
def test_class_options_on_one_notebook_are_refused(tmp_path, capsys, option):
    nb = tmp_path / "nb.ipynb"
    nb.write_text("{}")
    refused(capsys, ["grade", nb, *option.split()], option.split()[0], "not an option for one notebook")
    assert not (tmp_path / "results.json").exists()


def test_an_unknown_chapter_is_one_line(tmp_path, capsys):
    nb = tmp_path / "nb.ipynb"
    nb.write_text("{}")
    refused(capsys, ["grade", nb, "--chapter", "99"], "unknown chapter '99'")
    refused(capsys, ["gradescope", "03_paddin"], "unknown chapter '03_paddin'", "did you mean 03_padding")


@pytest.mark.slow  # the released course: nbgrader and the chapters run
def test_the_canvas_export_refuses_a_roster_it_cannot_match(course, capsys, monkeypatch):
    monkeypatch.chdir(course)
    (course / "roster.csv").write_text(ROSTER)
    (course / "short.csv").write_text("Student,ID,SIS Login ID\nA,1,student000\n")
    db, before = "sqlite:///gradebook.db", state(course)
    base = ["export", "--db", db, "--canvas", "c.csv", "--roster"]
    refused(capsys, [*base, "roster.csv", "--match", "SIS User ID"], "no graded student", "'S1'")
    refused(capsys, [*base, "short.csv"], "SIS User ID, Section")
    assert not (course / "c.csv").exists() and state(course) == before


def test_no_traceback_from_a_bad_gradebook_url():
    """Run as the instructor does: stderr is one line."""
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "export", "--db", "postgresql+psycopg2://u@127.0.0.1:1/nowhere"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.slow  # the released course: nbgrader and the chapters run
def test_a_second_run_on_the_same_gradebook_refuses(course, capsys):
    before = state(course)
    with batch.lock(f"sqlite:///{course / 'gradebook.db'}", course):
        refused(capsys, ["grade", course / "submitted", "--no-progress"], "another class run", "process")
    assert state(course) == before


# -- could not be graded or recorded: exit 1, each listed -----------------------------------------------


@pytest.mark.slow  # the released course: nbgrader and the chapters run
def test_ctrl_c_says_what_was_recorded_and_that_rerunning_resumes(course, capsys, monkeypatch):
    real, calls = grade.judge, []

    def judge(*args):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(grade, "judge", judge)
    code = cli(["grade", str(course / "submitted"), "--no-progress", "--regrade", "--jobs", "1"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1, err
    assert (
        "interrupted: 1 submission(s) graded and recorded" in err[0]
        and "run the same command again" in err[0]
    )


def test_a_class_of_unreadable_notebooks_exits_1_and_lists_them(tmp_path, capsys):
    for student in ("ada", "bob"):
        folder = tmp_path / "submitted" / student / CH
        folder.mkdir(parents=True)
        (folder / f"{CH}.ipynb").write_text("{ truncated")
    (tmp_path / "submitted" / "cy" / "hw1").mkdir(parents=True)
    code = cli(["grade", str(tmp_path / "submitted"), "--no-progress"])
    out = capsys.readouterr().out
    assert code == 1, out
    assert f"ada/{CH}: not graded: Could not grade" in out and f"bob/{CH}: not graded" in out
    assert "skipped folder: cy/hw1" in out
    with (tmp_path / "needs-attention.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert {r["student"] for r in rows} == {"ada", "bob", ""} and len(rows) == 3


def test_the_needs_attention_summary_names_each_problem(tmp_path, capsys):
    """Per student and chapter, what a human should look at, printed and in needs-attention.csv."""
    from helpers import with_answers

    answers = {
        "stub": {"correlate2d": "def correlate2d(image, kernel):\n    raise NotImplementedError()\n"},
        "typo": {"correlate2d": "def correlate2d(image, kernel)\n    return image\n"},
        "renamed": {"correlate2d": "def correlate(image, kernel):\n    return image\n"},
        "hog": {"convolve2d": "def convolve2d(image, kernel):\n    return np.ones((10**6, 10**6))\n"},
        "honest": {},
    }
    for student, code in answers.items():
        with_answers(CH, code, tmp_path / "submitted" / student / CH)
    (tmp_path / "submitted" / "empty" / CH).mkdir(parents=True)
    assert cli(["grade", str(tmp_path / "submitted"), "--no-progress"]) == 0
    out = capsys.readouterr().out
    with (tmp_path / "needs-attention.csv").open() as f:
        found = {(r["student"], r["what"]) for r in csv.DictReader(f)}
    assert ("stub", "correlate2d: untouched stub") in found
    assert any(s == "typo" and w.startswith("syntax error in notebook cell") for s, w in found)
    assert ("renamed", "correlate2d: no function defined") in found
    assert ("hog", "convolve2d: ran out of memory") in found
    assert any(s == "empty" and w.startswith("not graded: No notebook was submitted") for s, w in found)
    assert "honest" not in {s for s, _ in found}
    assert f"needs attention ({len(found)}, also in {tmp_path / 'needs-attention.csv'})" in out
    assert f"stub/{CH}: correlate2d: untouched stub" in out
    page = (tmp_path / "feedback" / "hog" / CH / f"{CH}.html").read_text()
    assert "MemoryError: ran out of the memory limit (2048 MB)" in page  # the limit, named


@pytest.mark.slow  # the released course: nbgrader and the chapters run
def test_a_gradebook_write_that_fails_is_the_graders(course, capsys, monkeypatch):
    real = Book.record

    def record(self, student, *args):
        if student == "student002":
            raise RuntimeError("injected fault in the gradebook")
        return real(self, student, *args)

    monkeypatch.setattr(Book, "record", record)
    before = ledger(course)["student002"]
    code = cli(["grade", str(course / "submitted"), "--no-progress", "--regrade"])
    out, err = capsys.readouterr()
    assert code == 1 and "student002/01_convolution: the gradebook write failed" in out
    assert "injected fault in the gradebook" in err and "Traceback" in err
    after = ledger(course)
    assert after["student002"]["score"] == before["score"] and after["student002"]["results"]["stale"]
    assert not after["student000"]["results"].get("stale")
    page = (course / "feedback" / "student002" / CH / f"{CH}.html").read_text()
    assert "injected" not in page


def test_hostile_notebooks_get_a_row_and_a_feedback_page(tmp_path, capsys):
    """A depth bomb and a 40 MB notebook in a class: graded 0 with a message, listed, the others graded."""

    def depth_bomb(path, depth=200_000):
        path.write_text('{"nbformat": 4, "cells": [], "metadata": {"x": ' + "[" * depth + "]" * depth + "}}")

    def oversized(path):
        with path.open("wb") as f:  # sparse: 40 MB that take no disk
            f.truncate(40 * 2**20)

    make_class(tmp_path / "submitted", 1)
    for student, make in (("bomb", depth_bomb), ("huge", oversized)):
        folder = tmp_path / "submitted" / student / CH
        folder.mkdir(parents=True)
        make(folder / f"{CH}.ipynb")
    code = cli(["grade", str(tmp_path / "submitted"), "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0 and "graded 3, unchanged 0, failed 0" in out, out
    assert f"bomb/{CH}: not graded" in out and f"huge/{CH}: not graded" in out
    with (tmp_path / "grades.csv").open() as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    assert rows["student000"]["score"] == "10.0"
    assert rows["bomb"]["score"] == "0.0" and rows["huge"]["score"] == "0.0"
    for student, words in (("bomb", "nests data too deeply"), ("huge", "too large to grade")):
        assert words in (tmp_path / "feedback" / student / CH / f"{CH}.html").read_text()


@pytest.mark.slow  # the released course: nbgrader and the chapters run
def test_a_fault_in_case_generation_records_nothing_in_a_class(course, capsys, monkeypatch):
    from dataclasses import replace

    from autograder.engine import exercises

    def broken(rng):
        raise RuntimeError("injected fault in case generation")

    chapter = [
        replace(ex, make_cases=broken) if ex.name == "convolve2d" else ex for ex in exercises.CHAPTERS[CH]
    ]
    monkeypatch.setitem(exercises.CHAPTERS, CH, chapter)
    code = cli(["grade", str(course / "submitted"), "--no-progress", "--regrade"])
    out, err = capsys.readouterr()
    assert code == 1 and "graded 0, unchanged 0, failed 3" in out, out
    for student in ("student000", "student001", "student002"):
        assert f"could not grade or record {student}/{CH}: grading failed: RuntimeError: injected" in out
    assert err.count("Traceback") == 3
    assert all(row["results"]["stale"] for row in ledger(course).values())
