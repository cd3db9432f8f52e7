"""Submissions from Canvas's and Moodle's archives laid out as nbgrader's ``submitted/`` tree
(``python -m autograder import-canvas`` and ``import-moodle``), then graded as any class is."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from helpers import ROOT, grade_class_command, grade_file, model_answers, with_answers

from autograder.classroom.gradebook import Book

# Slow: nbgrader's release and whole classes. One worker: the module's archives are made once.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("intake")]
CHAPTER = "01_convolution"
FLIPPED = {"correlate2d": "def correlate2d(image, kernel):\n    return convolve2d(image, kernel)\n"}
PARTIAL = {"correlate2d": "def correlate2d(image, kernel):\n    return np.zeros((1, 1))\n"}
ROSTER = [  # Canvas's gradebook export: Canvas user id (ID) and the nbgrader login (SIS Login ID)
    ("Doe, Jane", "101", "S1", "jdoe"),
    ("Smith, Ann", "102", "S2", "asmith"),
    ("Kim, Bo", "103", "S3", "bkim"),
]
ROSTER_LOGINS = [login for *_, login in ROSTER]


def run(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "autograder", *args], cwd=cwd, capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def released(course) -> Path:
    """The student notebook of the chapter, as nbgrader releases it (the run's released course: read,
    never changed)."""
    return course / "release" / CHAPTER / f"{CHAPTER}.ipynb"


def answered(released: Path, answers: dict, dest: Path) -> bytes:
    """The released notebook as a student hands it in: ``answers`` over the model answers."""
    return with_answers(CHAPTER, {**model_answers(CHAPTER), **answers}, dest, base=released).read_bytes()


def write_roster(path: Path, ids=ROSTER, id_column: str = "ID") -> Path:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(
            ["Student", id_column, "SIS User ID", "SIS Login ID", "Section", "01_convolution (77)"]
        )
        writer.writerow(["Points Possible", "", "", "", "", "10"])
        for name, user, sis, login in ids:
            writer.writerow([name, user, sis, login, "A", ""])
    return path


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.fixture(scope="module")
def canvas(released, tmp_path_factory):
    """A Canvas archive: Jane honest, Ann flipped and late, Bo's partial answer then a corrected
    resubmission (``-1``), a student missing from the roster and a PDF."""
    tmp = tmp_path_factory.mktemp("canvas")
    notebooks = {
        "doejane_101_9001_01_convolution.ipynb": answered(released, {}, tmp / "jane"),
        "smithann_LATE_102_9002_01_convolution.ipynb": answered(released, FLIPPED, tmp / "ann"),
        "kimbo_103_9003_01_convolution.ipynb": answered(released, PARTIAL, tmp / "bo0"),
        "kimbo_103_9003_01_convolution-1.ipynb": answered(released, FLIPPED, tmp / "bo1"),
        "ghostcasper_999_9009_01_convolution.ipynb": answered(released, {}, tmp / "ghost"),
        "doejane_101_9001_notes.pdf": b"%PDF-1.4",
    }
    return tmp, write_zip(tmp / "submissions.zip", notebooks), notebooks, write_roster(tmp / "roster.csv")


def test_canvas_archive_is_laid_out_for_nbgrader(canvas, tmp_path):
    _, archive, notebooks, roster = canvas
    done = run("import-canvas", str(archive), "--chapter", CHAPTER, "--roster", str(roster), cwd=tmp_path)
    assert done.returncode == 1, done.stderr  # some files could not be matched
    assert "imported 3 submissions of 01_convolution into submitted (1 flagged late by Canvas)" in done.stdout
    assert "could not match ghostcasper_999_9009_01_convolution.ipynb: Canvas user id 999" in done.stdout
    assert "could not match doejane_101_9001_notes.pdf: not a notebook" in done.stdout
    assert "older files not imported: kimbo_103_9003_01_convolution.ipynb" in done.stdout
    folders = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.glob("submitted/*/*/*.ipynb"))
    assert folders == [f"submitted/{s}/{CHAPTER}/{CHAPTER}.ipynb" for s in ("asmith", "bkim", "jdoe")]
    kept = tmp_path / "submitted" / "bkim" / CHAPTER / f"{CHAPTER}.ipynb"
    assert kept.read_bytes() == notebooks["kimbo_103_9003_01_convolution-1.ipynb"]  # the newest
    late = {
        s: json.loads((tmp_path / "submitted" / s / CHAPTER / "lms.json").read_text())["late"]
        for s in ROSTER_LOGINS
    }
    assert late == {"jdoe": False, "asmith": True, "bkim": False}


def test_imported_class_grades_as_the_notebooks_do(canvas, tmp_path):
    tmp, archive, notebooks, roster = canvas
    run("import-canvas", str(archive), "--chapter", CHAPTER, "--roster", str(roster), cwd=tmp_path)
    graded = subprocess.run(
        grade_class_command(tmp_path / "submitted", "--isolation", "auto"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert graded.returncode == 0, graded.stderr
    assert "graded 3, unchanged 0, failed 0" in graded.stdout
    with Book(f"sqlite:///{tmp_path / 'gradebook.db'}") as book:
        scores = {row.student: row.score for row in book.rows()}
    original = {"jdoe": "doejane_101_9001", "asmith": "smithann_LATE_102_9002", "bkim": "kimbo_103_9003"}
    for login, prefix in original.items():
        name = f"{prefix}_01_convolution{'-1' if login == 'bkim' else ''}.ipynb"
        path = tmp / "direct" / login / f"{CHAPTER}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(notebooks[name])
        assert scores[login] == grade_file(path)["score"], login
    assert scores["jdoe"] == 10 and scores["asmith"] < 10  # the model answers, the flipped kernel


def test_unpacked_canvas_folder_imports_the_same(canvas, tmp_path):
    _, archive, _, roster = canvas
    with zipfile.ZipFile(archive) as z:
        z.extractall(tmp_path / "unpacked")
    done = run("import-canvas", "unpacked", "--chapter", CHAPTER, "--roster", str(roster), cwd=tmp_path)
    assert done.returncode == 1 and "imported 3 submissions" in done.stdout, done.stderr


def test_moodle_archive_is_laid_out_for_nbgrader(released, tmp_path):
    members = {
        "Jane Doe_501_assignsubmission_file_/01_convolution.ipynb": answered(released, {}, tmp_path / "a"),
        "Ann Smith_502_assignsubmission_file_/01_convolution.ipynb": answered(
            released, FLIPPED, tmp_path / "b"
        ),
    }
    archive = write_zip(tmp_path / "moodle.zip", members)
    # Moodle's grading worksheet names a participant "Participant 501"
    roster = write_roster(
        tmp_path / "roster.csv",
        [("Jane Doe", "Participant 501", "", "jdoe"), ("Ann Smith", "502", "", "asmith")],
    )
    done = run("import-moodle", str(archive), "--chapter", CHAPTER, "--roster", str(roster), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "imported 2 submissions of 01_convolution into submitted" in done.stdout
    for login, member in zip(("jdoe", "asmith"), members, strict=True):
        path = tmp_path / "submitted" / login / CHAPTER / f"{CHAPTER}.ipynb"
        assert path.read_bytes() == members[member]
        assert json.loads((path.parent / "lms.json").read_text())["late"] is False


@pytest.mark.parametrize("bad", ["not a zip", "no notebooks", "another chapter", "escapes", "no ID column"])
def test_bad_archives_are_refused_with_one_line(bad, released, tmp_path):
    roster = write_roster(tmp_path / "roster.csv")
    archive = tmp_path / "submissions.zip"
    expected = {
        "not a zip": "is not a zip archive",
        "no notebooks": "holds no notebook (.ipynb): nothing imported",
        "another chapter": "is a notebook of 02_motivations, not 01_convolution: nothing imported",
        "escapes": "leaves the archive's folder: nothing imported",
        "no ID column": "has no column 'ID' holding the LMS user ids",
    }[bad]
    good = answered(released, {}, tmp_path / "good")
    if bad == "not a zip":
        archive.write_text("Student,ID\n")
    elif bad == "no notebooks":
        write_zip(archive, {"doejane_101_9001_notes.pdf": b"%PDF-1.4"})
    elif bad == "another chapter":
        other = with_answers("02_motivations", {}, tmp_path / "other").read_bytes()
        write_zip(
            archive, {"doejane_101_9001_01_convolution.ipynb": good, "smithann_102_9002_ch2.ipynb": other}
        )
    elif bad == "escapes":
        write_zip(
            archive,
            {"doejane_101_9001_01_convolution.ipynb": good, "../kimbo_103_9003_01_convolution.ipynb": good},
        )
    else:
        write_zip(archive, {"doejane_101_9001_01_convolution.ipynb": good})
        roster = write_roster(roster, id_column="Canvas id")
    done = run("import-canvas", str(archive), "--chapter", CHAPTER, "--roster", str(roster), cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert expected in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "submitted").exists()  # nothing written
