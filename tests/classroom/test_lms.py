"""Grades for an LMS: Canvas's documented gradebook-import layout, and a plain one-row-per-student CSV.

Canvas's layout, as its guides document the import (and as its own gradebook export writes it): the
first header cells are Student, ID, SIS User ID, SIS Login ID, Section; then one column per assignment,
``Name (Canvas id)`` for an existing assignment or ``Name`` for a new one; the second row starts with
``Points Possible`` and gives each assignment's maximum under its column.
"""

from __future__ import annotations

import csv

import pytest

from autograder.classroom import lms
from autograder.classroom.gradebook import Row
from autograder.engine import exercises

MAX01 = sum(ex.points for ex in exercises.chapter("01_convolution"))
MAX04 = sum(ex.points for ex in exercises.chapter("04_channels"))
ROWS = [
    Row("ada", "01_convolution", 10.5, MAX01, {}),
    Row("ada", "04_channels", 3.0, MAX04, {}),
    Row("bob", "01_convolution", 0.0, MAX01, {}),
    Row("zed", "04_channels", 1.0, MAX04, {}),  # not on the roster
]


def roster(tmp_path, *assignments: str):
    """A roster as Canvas exports its gradebook: header, a Points Possible row, one row per student."""
    path = tmp_path / "roster.csv"
    with path.open("w", newline="", encoding="utf-8-sig") as f:  # Canvas's export starts with a BOM
        w = csv.writer(f)
        w.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *assignments])
        w.writerow(["    Points Possible", "", "", "", "", *("10" for _ in assignments)])
        w.writerow(["Lovelace, Ada", "101", "S-1", "ada", "Convolutions A", *("" for _ in assignments)])
        w.writerow(["Babbage, Bob", "102", "S-2", "bob", "Convolutions B", *("" for _ in assignments)])
        w.writerow(["Hopper, Cy", "103", "S-3", "cy", "Convolutions A", *("" for _ in assignments)])
    return path


def read(path):
    with path.open(newline="") as f:
        return list(csv.reader(f))


def test_canvas_import_layout(tmp_path):
    out = lms.write_canvas(ROWS, tmp_path / "canvas.csv", roster(tmp_path), match="SIS Login ID")
    header, points, *students = read(tmp_path / "canvas.csv")
    assert header == [
        "Student",
        "ID",
        "SIS User ID",
        "SIS Login ID",
        "Section",
        "01_convolution",
        "04_channels",
    ]
    assert points == ["Points Possible", "", "", "", "", f"{MAX01:g}", f"{MAX04:g}"]
    assert students == [
        ["Lovelace, Ada", "101", "S-1", "ada", "Convolutions A", "10.5", "3"],
        ["Babbage, Bob", "102", "S-2", "bob", "Convolutions B", "0", ""],  # blank: Canvas leaves it as is
        ["Hopper, Cy", "103", "S-3", "cy", "Convolutions A", "", ""],
    ]
    assert out.students == 3 and out.unmatched == ["zed"]


def test_existing_canvas_assignments_keep_their_id_column(tmp_path):
    given = roster(tmp_path, "04_channels (5512)", "Quiz 1 (77)")
    lms.write_canvas(ROWS, tmp_path / "canvas.csv", given, match="SIS Login ID")
    header, _, ada, *_ = read(tmp_path / "canvas.csv")
    assert header[5:] == ["01_convolution", "04_channels (5512)"]  # Canvas updates assignment 5512
    assert ada[5:] == ["10.5", "3"]


def test_roster_without_the_id_column_is_refused_with_its_columns(tmp_path):
    with pytest.raises(lms.RosterError, match="no column 'login' .* columns are Student, ID, SIS User ID"):
        lms.write_canvas(ROWS, tmp_path / "canvas.csv", roster(tmp_path), match="login")


def test_plain_csv_one_row_per_student(tmp_path):
    lms.write_plain(ROWS, tmp_path / "plain.csv")
    assert read(tmp_path / "plain.csv") == [
        ["student", "01_convolution", "04_channels", "total", "max_total"],
        ["ada", "10.5", "3", "13.5", f"{MAX01 + MAX04:g}"],
        ["bob", "0", "", "0", f"{MAX01 + MAX04:g}"],
        ["zed", "", "1", "1", f"{MAX01 + MAX04:g}"],
    ]
