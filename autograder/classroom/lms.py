"""Grades for a learning management system: Canvas's gradebook import, and a plain CSV for the others.

Canvas imports a CSV laid out like its own gradebook export: a header row whose first columns are
``Student, ID, SIS User ID, SIS Login ID, Section`` (students are matched on any of the ids), then
one column per assignment, named ``<name> (<Canvas assignment id>)`` for an assignment Canvas
already has or just ``<name>`` for a new one; a second row starting ``Points Possible`` gives each
assignment's maximum. Here every chapter is an assignment and its score is the chapter's total
after any late penalty.

The roster is a CSV the instructor gives, usually Canvas's own gradebook export: it provides the
Canvas columns of each student, and the column (``SIS Login ID`` by default) whose value is the
nbgrader student id. When the roster already has a column for a chapter (``04_channels (1234)``),
that header is reused, so Canvas updates the existing assignment instead of creating a new one.
A student of the roster who did not submit a chapter gets an empty cell, which Canvas leaves
unchanged; a graded student missing from the roster is reported, never silently dropped.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.engine import exercises
from autograder.errors import UsageError

if TYPE_CHECKING:
    from autograder.classroom.gradebook import Row

CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
POINTS_POSSIBLE = "Points Possible"
_WITH_ID = re.compile(r"^(?P<name>.*\S)\s*\((?P<id>\d+)\)$")


class RosterError(UsageError, ValueError):
    """The roster CSV cannot be used to match students."""


@dataclass
class Export:
    path: Path
    students: int
    unmatched: list[str] = field(default_factory=list)  # graded students not on the roster


def chapter_maximum(chapter_id: str) -> float:
    return sum(ex.points for ex in exercises.chapter(chapter_id))


def read_roster(path: Path, match: str, canvas: bool = True) -> tuple[list[dict], list[str]]:
    """Roster rows (the Canvas export's ``Points Possible`` row skipped) and its header; ``canvas``:
    the roster must also have the columns a Canvas import needs (not so for intake, which reads a
    Moodle roster too)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            header = list(reader.fieldnames or [])
            rows = [r for r in reader if (r.get(header[0]) or "").strip() != POINTS_POSSIBLE]
    except OSError as exc:
        raise RosterError(f"roster {path}: {exc.strerror or exc}") from None
    if match not in header:
        raise RosterError(
            f"roster {path} has no column {match!r} holding the nbgrader student ids; its columns are "
            f"{', '.join(header)}"
        )
    missing = [c for c in CANVAS_COLUMNS if c not in header] if canvas else []
    if missing:
        raise RosterError(
            f"roster {path} lacks Canvas's column(s) {', '.join(missing)}: give Canvas's own gradebook "
            "export, which has them"
        )
    return rows, header


def check_matches(rows: list[Row], roster: Path, match: str) -> None:
    """:class:`RosterError` if no graded student is on the roster's ``match`` column: the column
    holds something else, and the import would leave every grade empty."""
    roster_rows, _ = read_roster(roster, match)
    ids = {(person.get(match) or "").strip() for person in roster_rows}
    graded = sorted({row.student for row in rows})
    if graded and not ids & set(graded):
        example = next((i for i in sorted(ids) if i), "nothing")
        raise RosterError(
            f"no graded student is on roster {roster} by its column {match!r} (it holds e.g. {example!r}, "
            f"the gradebook e.g. {graded[0]!r}): give --match the column with the nbgrader ids"
        )


def _assignment_header(chapter_id: str, header: list[str]) -> str:
    for name in header:
        found = _WITH_ID.match(name)
        if found and found["name"] == chapter_id:
            return name
    return chapter_id


def scores_by_student(rows: list[Row]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for row in rows:
        out.setdefault(row.student, {})[row.chapter] = row.score
    return out


def write_canvas(rows: list[Row], path: Path, roster: Path, *, match: str) -> Export:
    """The gradebook as a Canvas gradebook-import CSV, one row per roster student."""
    roster_rows, header = read_roster(Path(roster), match)
    graded = [c for c in exercises.CHAPTERS if any(r.chapter == c for r in rows)]
    columns = [_assignment_header(c, header) for c in graded]
    scores = scores_by_student(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    seen = set()
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([*CANVAS_COLUMNS, *columns])
        writer.writerow([POINTS_POSSIBLE, "", "", "", "", *(f"{chapter_maximum(c):g}" for c in graded)])
        for person in roster_rows:
            student = (person.get(match) or "").strip()
            seen.add(student)
            mine = scores.get(student, {})
            writer.writerow(
                [
                    *((person.get(c) or "") for c in CANVAS_COLUMNS),
                    *(f"{mine[c]:g}" if c in mine else "" for c in graded),
                ]
            )
    return Export(path, len(roster_rows), sorted(set(scores) - seen))


def write_plain(rows: list[Row], path: Path) -> Export:
    """One row per student, one column per chapter (score after any late penalty), and the total."""
    graded = [c for c in exercises.CHAPTERS if any(r.chapter == c for r in rows)]
    scores = scores_by_student(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student", *graded, "total", "max_total"])
        for student in sorted(scores):
            mine = scores[student]
            writer.writerow(
                [
                    student,
                    *(f"{mine[c]:g}" if c in mine else "" for c in graded),
                    f"{sum(mine.values()):g}",
                    f"{sum(chapter_maximum(c) for c in graded):g}",
                ]
            )
    return Export(path, len(scores))
