"""Exports of recorded grades: ``grades.csv`` and per-student HTML feedback.

Both are derived from the grading ledger, so they can be rewritten at any time
(``python -m autograder export``) and never hold anything but scores and feedback text: no hidden
test code and no reference code.

The feedback is written where nbgrader's own ``generate_feedback`` writes it, so that nbgrader hands
it back: ``feedback/<student>/<chapter>/<notebook>.html``, named after the submitted notebook, beside
copies of the submission's ``timestamp.txt`` and ``submission_secret.txt``. ``nbgrader
release_feedback <chapter>`` reads those two files and publishes each page to the exchange as
``md5(secret + notebook name).html``; the student's ``nbgrader fetch_feedback <chapter>`` computes the
same name from its own copy of the secret and fetches the page.
"""

from __future__ import annotations

import csv
import html
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.course_dir import (
    GRADES_CSV,
    RELEASE_FILES,
    CourseDir,
    graded_notebook,
    lacking_release_files,
    student_folder,
)
from autograder.engine import exercises
from autograder.engine.grade import exercise_of
from autograder.engine.judge import verdict_lines

if TYPE_CHECKING:
    from autograder.classroom.gradebook import Row


def exercise_columns(rows: list[Row]) -> list[str]:
    graded = {r.chapter for r in rows}
    return [
        ex.name
        for chapter_id, chapter_exercises in exercises.CHAPTERS.items()
        if chapter_id in graded
        for ex in chapter_exercises
    ]


LATE_COLUMNS = ("raw_score", "late_penalty", "days_late", "submitted_at", "due")


def _late_cells(row: Row) -> list:
    late = row.results.get("late")
    if not late:
        return [row.score, 0, 0, "", ""]
    return [
        late["raw_score"],
        late["penalty"],
        late["days_late"],
        late["submitted_at"] or "",
        late["due"] or "",
    ]


def write_csv(rows: list[Row], path: Path) -> Path:
    """One row per student and chapter: total, maximum, a column per exercise, and ``feedback``: the
    verdict line of every exercise that lost points (the first failure or why it could not run); when
    late penalties apply, then the raw score, the penalty (points), the days late, the submission time
    and due date. ``score`` is always what the student gets, after any penalty."""
    columns = exercise_columns(rows)
    with_late = any("late" in row.results for row in rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(
            [
                "student",
                "chapter",
                "score",
                "max_score",
                *columns,
                "feedback",
                *(LATE_COLUMNS if with_late else ()),
            ]
        )
        for row in rows:
            if row.results.get("stale"):  # the latest grading failed: no score is shown as current
                writer.writerow(
                    [row.student, row.chapter, "", row.max_score, *("" for _ in columns), stale_note(row)]
                    + ["" for _ in (LATE_COLUMNS if with_late else ())]
                )
                continue
            scores = {exercise_of(t): t["score"] for t in row.results["tests"]}
            writer.writerow(
                [
                    row.student,
                    row.chapter,
                    row.score,
                    row.max_score,
                    *(scores.get(c, "") for c in columns),
                    _verdicts(row),
                    *(_late_cells(row) if with_late else ()),
                ]
            )
    return path


def stale_note(row: Row) -> str:
    return (
        f"NOT CURRENT: the latest grading of this submission failed ({row.results['stale']}); "
        f"the earlier grade, {row.score:g}, is kept in the gradebook until a run grades it again"
    )


def _verdicts(row: Row) -> str:
    """For each exercise that lost points: its verdict (the first line of its feedback: why it could
    not run, or how many cases passed), its first failing case (its label and id) and the mistake
    diagnosed, if any, and the ids of all its failing cases (read from its verdict's fields)."""
    lines = []
    for test in row.results["tests"]:
        if test["score"] < test["max_score"]:
            if "headline" in test.get("extra_data", {}):
                lines += verdict_lines(test["extra_data"])
            else:  # recorded before verdicts were (``grade --regrade`` records them)
                lines.append(f"{test['name']}: graded before verdicts were recorded; regrade for details.")
    return "\n".join(lines)


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; color: #222; }}
table {{ border-collapse: collapse; }}
td, th {{ padding: .3rem .8rem; border-bottom: 1px solid #ddd; text-align: left; }}
pre {{ background: #f6f6f6; padding: .8rem; overflow-x: auto; white-space: pre-wrap; }}
.full {{ color: #2e7d32; }} .partial {{ color: #c62828; }}
</style></head><body>
<h1>{title}</h1>
<p>Total: <strong>{score:g} / {max_score:g}</strong>{late}</p>
{notes}
<table><tr><th>exercise</th><th>points</th></tr>
{summary}
</table>
{details}
</body></html>
"""


def feedback_html(row: Row) -> str:
    summary, details = [], []
    for t in row.results["tests"]:
        anchor, name = html.escape(exercise_of(t)), html.escape(t["name"])
        status = "full" if t["score"] == t["max_score"] else "partial"
        points = f"{t['score']:g} / {t['max_score']:g}"
        summary.append(f'<tr><td><a href="#{anchor}">{name}</a></td><td class="{status}">{points}</td></tr>')
        details.append(f'<h2 id="{anchor}">{name}</h2>\n<pre>{html.escape(t["output"])}</pre>')
    message = row.results.get("output", "")
    if row.results.get("stale"):
        message = (
            "This page is about an earlier version of your submission: your latest one is still being "
            "graded.\n" + message
        )
    notes = f"<pre>{html.escape(message)}</pre>" if message else ""
    penalty = row.results.get("late", {})
    late = (
        f" ({penalty['raw_score']:g} earned, {penalty['penalty']:g} taken off for "
        f"{penalty['days_late']} day(s) late: {penalty['percent']:g}%)"
        if penalty.get("penalty")
        else ""
    )
    return PAGE.format(
        late=html.escape(late),
        title=html.escape(f"{row.chapter}: feedback for {row.student}"),
        score=row.score,
        max_score=row.max_score,
        notes=notes,
        summary="\n".join(summary),
        details="\n".join(details),
    )


def write_feedback(row: Row, root: Path, submission: Path | None = None) -> Path:
    """``root/<student>/<chapter>/<notebook>.html``, nbgrader's feedback layout. With ``submission``
    (the folder ``submitted/<student>/<chapter>``), the page is named after the notebook that was
    graded there and the submission's ``timestamp.txt`` and ``submission_secret.txt`` are copied
    beside it, which is what ``nbgrader release_feedback`` needs to hand it back."""
    folder = student_folder(root, row.student, row.chapter)
    name = graded_notebook(submission, row.chapter).stem if submission is not None else row.chapter
    path = folder / f"{name}.html"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(feedback_html(row))
    for file in RELEASE_FILES if submission is not None else ():
        if (submission / file).is_file():
            shutil.copyfile(submission / file, folder / file)
    return path


def releasable(page: Path) -> bool:
    """Whether ``nbgrader release_feedback`` can hand back the feedback page ``page``: it needs the
    submission's secret and timestamp beside it (submissions collected by ``nbgrader collect`` have
    them; a notebook copied into ``submitted/`` by hand does not)."""
    return not lacking_release_files(page.parent)


def main(
    *,
    db: str,
    csv_path: str | Path | None = None,
    feedback: str | Path | None = None,
    canvas: str | Path | None = None,
    roster: str | Path | None = None,
    match: str = "SIS Login ID",
    plain: str | Path | None = None,
    submitted: str | Path | None = None,
) -> list[Row]:
    """Rewrite, from the gradebook at ``db`` (which must exist: it is never created here), the files
    asked for and only those: the CSV at ``csv_path`` (``grades.csv`` when nothing else is asked for),
    every feedback page (``feedback``); with
    ``canvas`` and ``roster``, a Canvas gradebook-import CSV (students matched on the roster's
    ``match`` column); with ``plain``, one row per student (see :mod:`autograder.classroom.lms`).
    Feedback pages are named and accompanied as nbgrader's ``release_feedback`` needs (see
    :func:`write_feedback`) from the submissions in ``submitted`` (default: ``submitted/`` beside the
    feedback folder, if there is one)."""
    from autograder.classroom import lms

    if canvas is not None and roster is None:
        raise lms.RosterError("a Canvas export needs a roster: the CSV that matches students to Canvas")
    if roster is not None:
        lms.read_roster(Path(roster), match)  # a roster that cannot be used stops before anything is read
    from autograder.classroom.gradebook import Book  # nbgrader and SQLAlchemy: only when a gradebook is used

    with Book(db, create=False) as book:
        rows = book.rows()
    current = [row for row in rows if not row.results.get("stale")]
    if canvas is not None:
        lms.check_matches(current, Path(roster), match)
    if csv_path is not None or (canvas is None and plain is None and feedback is None):
        write_csv(rows, Path(csv_path or GRADES_CSV))
    if canvas is not None:
        done = lms.write_canvas(current, Path(canvas), Path(roster), match=match)
        for student in done.unmatched:
            print(f"warning: {student} is not on the roster ({match}): not in {canvas}", file=sys.stderr)
    if plain is not None:
        lms.write_plain(current, Path(plain))
    if feedback is not None:
        feedback = Path(feedback)
        beside = CourseDir.at(feedback.resolve().parent).submitted
        if submitted is None and beside.is_dir():
            submitted = beside
        for row in rows:
            folder = (
                student_folder(Path(submitted), row.student, row.chapter) if submitted is not None else None
            )
            write_feedback(row, feedback, folder)
    return rows
