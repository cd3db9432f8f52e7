"""Record grades in the nbgrader gradebook, plus a ledger that makes class grading resumable.

The ledger (table ``autograder_results``, in the same database as nbgrader's tables) keeps, for
each student and chapter, the digest of the notebook that was graded and the full results document.
A submission whose digest is already recorded is not graded again. Each submission's ledger row and
nbgrader grades are committed in one transaction, so a crash never leaves a grade half-written and
never loses one already committed.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import nbgrader
import nbgrader.api
from nbgrader.api import Gradebook, MissingEntry
from sqlalchemy import Column, DateTime, Float, MetaData, String, Table, Text, create_engine, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from autograder.conventions import COURSE_ID
from autograder.engine import exercises
from autograder.engine.exercise import grade_id
from autograder.engine.grade import exercise_of
from autograder.errors import UsageError

_meta = MetaData()
LEDGER = Table(
    "autograder_results",
    _meta,
    Column("student", String(128), primary_key=True),
    Column("chapter", String(64), primary_key=True),
    Column("digest", String(64), nullable=False),
    Column("score", Float, nullable=False),
    Column("max_score", Float, nullable=False),
    Column("results", Text, nullable=False),
    Column("graded_at", DateTime, nullable=False),
)


ENGINE = Path(exercises.__file__).resolve().parents[1]  # autograder/engine: cases, judge, runner
SOLUTIONS = ENGINE.parents[1] / "solutions"  # the reference the judge compares with


@functools.cache
def grader_digest() -> str:
    """Identifies the grading code: every exercise's cases and points, the judge, the runner and the
    reference. Changing any of them changes every submission's digest, so a re-run regrades all."""
    h = hashlib.sha256()
    for folder in (ENGINE, SOLUTIONS):
        for path in sorted(folder.rglob("*.py")):
            h.update(str(path.relative_to(folder.parent)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def digest(notebook: Path) -> str:
    """Identifies what was graded: the notebook's bytes and the grading code."""
    h = hashlib.sha256(notebook.read_bytes() if notebook.exists() else b"<missing>")
    h.update(grader_digest().encode())
    return h.hexdigest()


@functools.cache
def schema_version() -> str:
    """The schema version nbgrader stamps a new gradebook with: the head of its own migration scripts.

    nbgrader asks an ``alembic heads`` subprocess for it every time it creates a gradebook, which takes
    about a second and fails unless this venv's ``bin/`` is on ``PATH``; alembic's library reads the same
    scripts here, once per process. :func:`nbgrader.api.get_alembic_version` is replaced by this."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(Path(nbgrader.__file__).parent / "alembic"))
    return ScriptDirectory.from_config(config).get_current_head()


nbgrader.api.get_alembic_version = schema_version


@dataclass
class Row:
    student: str
    chapter: str
    score: float
    max_score: float
    results: dict


class GradebookError(UsageError):
    """The gradebook cannot be reached, or (when only reading) does not exist."""


def _first_line(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def check(db_url: str, *, must_exist: bool) -> None:
    """:class:`GradebookError` (one line) unless ``db_url`` is a database this process can open, and,
    with ``must_exist``, one that already holds the autograder's grades: reading never creates one."""
    try:
        url = make_url(db_url)
    except SQLAlchemyError as exc:
        raise GradebookError(f"gradebook URL {db_url!r} is not a database URL ({_first_line(exc)})") from None
    sqlite = url.drivername.startswith("sqlite")
    if sqlite and url.database and url.database != ":memory:":
        path = Path(url.database)
        if must_exist and not path.is_file():
            raise GradebookError(f"no gradebook at {db_url}: {path} does not exist (nothing was written)")
        if not path.parent.is_dir():
            raise GradebookError(f"gradebook {db_url}: the folder {path.parent} does not exist")
    try:
        engine = create_engine(url)
    except SQLAlchemyError as exc:  # e.g. postgres:// (SQLAlchemy names it postgresql://)
        hint = " (write postgresql://)" if url.drivername.startswith("postgres") else ""
        raise GradebookError(f"gradebook URL {db_url!r}: {_first_line(exc)}{hint}") from None
    except ImportError as exc:
        raise GradebookError(f"gradebook URL {db_url!r} needs a database driver: {exc}") from None
    try:
        with engine.connect() as connection:
            has = inspect(connection).has_table(LEDGER.name)
    except SQLAlchemyError as exc:
        raise GradebookError(
            f"cannot reach the gradebook {url.render_as_string()}: {_first_line(exc)}"
        ) from None
    finally:
        engine.dispose()
    if must_exist and not has:
        raise GradebookError(
            f"{url.render_as_string()} holds no grades recorded by the autograder (no {LEDGER.name} table)"
        )


class Book:
    """The nbgrader gradebook at ``db_url`` (any SQLAlchemy URL) with the grading ledger. With
    ``create=False`` the gradebook must already exist: it is never created by reading it."""

    def __init__(self, db_url: str, *, create: bool = True):
        check(db_url, must_exist=not create)
        try:
            self.gb = Gradebook(db_url, course_id=COURSE_ID)
            _meta.create_all(self.gb.engine)
        except SQLAlchemyError as exc:
            raise GradebookError(f"gradebook {db_url}: {_first_line(exc)}") from None
        self._ready: set[str] = set()

    def close(self) -> None:
        self.gb.close()
        self.gb.engine.dispose()

    def __enter__(self) -> Book:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def recorded(self) -> dict[tuple[str, str], str]:
        """(student, chapter) -> digest of every graded submission."""
        rows = self.gb.db.execute(select(LEDGER.c.student, LEDGER.c.chapter, LEDGER.c.digest)).all()
        return {(s, c): d for s, c, d in rows}

    def rows(self) -> list[Row]:
        found = (
            self.gb.db.execute(select(LEDGER).order_by(LEDGER.c.student, LEDGER.c.chapter)).mappings().all()
        )
        return [
            Row(r["student"], r["chapter"], r["score"], r["max_score"], json.loads(r["results"]))
            for r in found
        ]

    def _ensure_assignment(self, chapter_id: str) -> None:
        """The assignment's structure as nbgrader's generate_assignment records it."""
        if chapter_id in self._ready:
            return
        self.gb.update_or_create_assignment(chapter_id)
        self.gb.update_or_create_notebook(chapter_id, chapter_id)
        for ex in exercises.chapter(chapter_id):
            self.gb.update_or_create_grade_cell(
                grade_id(ex.name), chapter_id, chapter_id, max_score=ex.points, cell_type="code"
            )
        self._ready.add(chapter_id)

    def record(self, student: str, chapter_id: str, notebook_digest: str, results: dict) -> None:
        """Write one submission's grades and ledger row in a single transaction."""
        self._ensure_assignment(chapter_id)
        self.gb.update_or_create_student(student)
        try:
            submission = self.gb.find_submission(chapter_id, student)
        except MissingEntry:
            # nbgrader reads the new submission's relationships before adding it to the session,
            # which SQLAlchemy 2 flushes (and warns about) unless autoflush is off.
            with self.gb.db.no_autoflush:
                submission = self.gb.add_submission(chapter_id, student)
        db = self.gb.db
        try:
            if "late" in results:
                self._record_lateness(submission, chapter_id, student, results["late"])
            scores = {exercise_of(t): t["score"] for t in results["tests"]}
            for ex in exercises.chapter(chapter_id):
                grade = self.gb.find_grade(grade_id(ex.name), chapter_id, chapter_id, student)
                grade.auto_score = scores.get(ex.name, 0.0)
            db.execute(LEDGER.delete().where(LEDGER.c.student == student, LEDGER.c.chapter == chapter_id))
            db.execute(
                LEDGER.insert().values(
                    student=student,
                    chapter=chapter_id,
                    digest=notebook_digest,
                    score=results["score"],
                    max_score=sum(ex.points for ex in exercises.chapter(chapter_id)),
                    results=json.dumps(results),
                    graded_at=datetime.now(UTC).replace(tzinfo=None),
                )
            )
            db.commit()
        except BaseException:
            db.rollback()
            raise

    def mark_stale(self, student: str, chapter_id: str, reason: str) -> None:
        """The recorded grade of a submission whose latest grading failed is kept, marked as not
        current (exports say so instead of showing it as the grade) and regraded by the next run."""
        db = self.gb.db
        try:
            found = db.execute(
                select(LEDGER.c.results).where(LEDGER.c.student == student, LEDGER.c.chapter == chapter_id)
            ).first()
            if found is None:
                return
            results = {**json.loads(found[0]), "stale": reason}
            db.execute(
                LEDGER.update()
                .where(LEDGER.c.student == student, LEDGER.c.chapter == chapter_id)
                .values(digest="", results=json.dumps(results))
            )
            db.commit()
        except BaseException:
            db.rollback()
            raise

    def _record_lateness(self, submission, chapter_id: str, student: str, late: dict) -> None:
        """nbgrader's own fields: the due date, the submission time, the extension and the penalty
        (nbgrader keeps the penalty beside the raw score; the ledger's score has it taken off)."""
        chapter_due, due = _utc(late.get("chapter_due")), _utc(late.get("due"))
        if chapter_due is not None:
            submission.assignment.duedate = chapter_due
        submission.timestamp = _utc(late.get("submitted_at"))
        submission.extension = due - chapter_due if due and chapter_due and due != chapter_due else None
        notebook = self.gb.find_submission_notebook(chapter_id, chapter_id, student)
        notebook.late_submission_penalty = late.get("penalty", 0.0)


def _utc(moment: str | None) -> datetime | None:
    """An ISO date and time as nbgrader stores it: naive, in UTC."""
    return datetime.fromisoformat(moment).astimezone(UTC).replace(tzinfo=None) if moment else None
