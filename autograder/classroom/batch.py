"""Grade a whole class: ``python -m autograder grade submitted/ --jobs N``.

Submissions follow nbgrader's layout, ``submitted/<student>/<chapter>/<chapter>.ipynb``. They are
graded in parallel, each in its own sandbox, in local processes or on the workers of a Dask cluster
(``--scheduler tcp://host:8786``, see :mod:`autograder.classroom.cluster`); the judge and the
gradebook stay here. Results are recorded one submission at a time as they arrive (gradebook and
ledger in one transaction, then the student's HTML feedback), so an interrupted run loses nothing
and a re-run grades only what is new or changed. Late penalties (:mod:`autograder.classroom.late`)
are applied as each grade is recorded. ``grades.csv`` and the feedback pages are rewritten from the
gradebook at the end, the pages where ``nbgrader release_feedback`` hands them back to students.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import sys
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, CancelledError, Executor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from autograder.classroom import cluster, export, late
from autograder.classroom.gradebook import Book, digest
from autograder.course_dir import CourseDir, Submission, lacking_release_files
from autograder.engine import exercises, grade, notebook, sandbox
from autograder.errors import GraderError, UsageError, did_you_mean, grader_fault

Item = Submission  # one (student, chapter) submission: its folder's graded notebook


@dataclass
class Summary:
    graded: list[Item] = field(default_factory=list)
    skipped: list[Item] = field(default_factory=list)
    failed: list[tuple[Item, str]] = field(default_factory=list)
    repenalised: list[Item] = field(default_factory=list)  # unchanged, but their lateness changed
    csv: Path | None = None
    feedback: Path | None = None  # the folder of the feedback pages
    # (student, chapter, files lacking) whose feedback nbgrader's release_feedback cannot hand back: the
    # submission has no timestamp.txt or submission_secret.txt (it did not come through nbgrader's exchange)
    unreleasable: list[tuple[str, str, list[str]]] = field(default_factory=list)
    # (item, score before, score after) for every recorded grade whose late penalty changed
    penalty_changes: list[tuple[Item, float, float]] = field(default_factory=list)
    skipped_folders: list[str] = field(default_factory=list)  # under submitted/, not a submission
    unreadable: list[Item] = field(default_factory=list)  # graded 0: the file is not a notebook we read
    attention: list[tuple[str, str, str]] = field(default_factory=list)  # (student, chapter, what)
    attention_file: Path | None = None

    @property
    def exit_code(self) -> int:
        """1 if some submissions could not be graded or recorded (or none could be read at all)."""
        nothing_read = bool(self.unreadable) and not (set(self.graded) - set(self.unreadable))
        return 1 if self.failed or nothing_read else 0


class Interrupted(Exception):
    """Ctrl-C during a class run: what was recorded stays, and re-running resumes."""


def discover_all(submitted: Path) -> tuple[list[Item], list[str]]:
    """Every (student, chapter) folder holding a notebook, in a stable order, and every folder or
    file under ``submitted`` that is not one (a misnamed chapter folder, a stray file), with why."""
    return CourseDir.around(submitted).discover(exercises.CHAPTERS)


def discover(submitted: Path) -> list[Item]:
    """Every (student, chapter) folder holding a notebook, in a stable order."""
    return discover_all(submitted)[0]


def _runs(todo, pool: Executor, window: int, limits: sandbox.Limits, isolation: str):
    """``(item, key, start, outcome)`` as each sandboxed run finishes, at most ``window`` submitted at
    once. ``outcome`` is what :func:`cluster.run_notebook` sent back (a :class:`grade.Ran`, also
    for a missing or unreadable notebook) or an exception. Stops the whole run, cancelling what is
    queued, if a machine cannot grade at all."""
    queue, waiting = iter(todo), {}
    while True:
        for item, key in queue:
            start = time.monotonic()
            if not item.notebook.exists():
                message = f"No notebook was submitted for {item.chapter}."
                yield item, key, start, grade.Ran(item.chapter, not_graded=message)
                continue
            try:
                data = notebook.read_capped(item.notebook)
            except notebook.SubmissionError as exc:
                message = f"Could not grade {item.notebook.name}: {exc}"
                yield item, key, start, grade.Ran(item.chapter, not_graded=message)
                continue
            args = (data, item.notebook.name, item.chapter, limits, isolation, cluster.WORKER_DIGEST)
            try:
                future = pool.submit(cluster.run_notebook, *args)
            except Exception as exc:  # noqa: BLE001 - the executor is gone, e.g. the Dask scheduler was lost
                _stop(waiting, f"no more work could be sent ({type(exc).__name__}: {exc})")
            waiting[future] = (item, key, start)
            if len(waiting) >= window:
                break
        if not waiting:
            return
        finished, _ = wait(waiting, return_when=FIRST_COMPLETED)
        for future in finished:
            item, key, start = waiting.pop(future)
            try:
                outcome = future.result()
            except (cluster.WorkerSetupError, ImportError) as exc:
                _stop(waiting, str(exc))
            except CancelledError:  # only ever cancelled by the executor: the Dask scheduler was lost
                _stop(waiting, "the run was cancelled (the Dask scheduler was lost?)")
            except Exception as exc:  # noqa: BLE001 - e.g. a worker lost three times: this submission only
                outcome = exc
            yield item, key, start, outcome


def _stop(waiting: dict, why: str):
    for future in waiting:
        future.cancel()
    raise cluster.ClusterError(
        f"grading stopped: {why}. Every grade recorded so far is kept: run the same command again "
        "to grade the rest."
    )


def _lateness(rules: late.Deadlines, item: Item) -> late.Lateness:
    return late.assess(rules, item.student, item.chapter, *late.read_timestamp(item.notebook.parent))


def main(
    submitted: str | Path,
    *,
    jobs: int = 2,
    db: str | None = None,
    csv_path: str | Path | None = None,
    feedback: str | Path | None = None,
    timeout: float = 60.0,
    memory_mb: int = 2048,
    progress: bool = True,
    isolation: str = "bwrap",
    regrade: str | None = None,
    scheduler: str | None = None,
    deadlines: str | Path | None = None,
) -> Summary:
    """Grade every submission under ``submitted`` that is new or changed since the last run (or
    whose grading code changed). ``regrade``: grade again every submission (``"*"``) or one
    student's. ``isolation`` as for :func:`autograder.engine.grade.main`: the sandbox is started
    once before anything is graded, and if it cannot start nothing is graded or recorded.

    The sandboxed runs happen in ``jobs`` local processes, or on the workers of the Dask cluster
    whose scheduler is at ``scheduler`` (``tcp://host:8786``), each worker checking its own sandbox
    on its first task. Late penalties follow ``deadlines`` (default: ``deadlines.toml`` beside
    ``submitted/``, if there is one); a re-run applies changed due dates or extensions to recorded
    grades without grading again."""
    course = CourseDir.around(submitted)
    submitted = course.submitted
    if not submitted.is_dir():
        raise UsageError(f"no such folder: {submitted}")
    items, skipped_folders = course.discover(exercises.CHAPTERS)
    if not items:
        raise UsageError(
            f"{submitted} holds no submissions (expected <student>/<chapter>/<chapter>.ipynb); "
            f"skipped: {'; '.join(skipped_folders) or 'nothing (the folder is empty)'}"
        )
    students = {item.student for item in items}
    if regrade not in (None, "*") and regrade not in students:
        raise UsageError(
            f"--regrade {regrade}: no such student in {submitted}{did_you_mean(regrade, students)}"
        )
    root = course.root
    db = db or course.db_url
    csv_path = Path(csv_path or course.grades_csv)
    feedback = Path(feedback or course.feedback)
    limits = sandbox.Limits(wall_seconds=timeout, memory_mb=memory_mb)
    if deadlines is None and course.deadlines.exists():
        deadlines = course.deadlines
    rules = late.load(deadlines) if deadlines is not None else None
    if rules is not None:
        late.check_students(rules, students, deadlines)
    if scheduler is None:
        sandbox.probe(isolation)
    summary = Summary(skipped_folders=skipped_folders, feedback=feedback)
    with lock(db, root), Book(db) as book:
        done = book.recorded()
        recorded = {(r.student, r.chapter): r.results for r in book.rows()} if rules else {}
        todo = []
        for item in items:
            key = digest(item.notebook)
            forced = regrade in ("*", item.student)
            if forced or done.get((item.student, item.chapter)) != key:
                todo.append((item, key))
                continue
            summary.skipped.append(item)
            if rules:  # the due dates or extensions may have changed since it was graded
                results = recorded[(item.student, item.chapter)]
                updated = late.apply(results, _lateness(rules, item))
                if updated.get("late") != results.get("late"):
                    book.record(item.student, item.chapter, key, updated)
                    summary.repenalised.append(item)
                    summary.penalty_changes.append((item, results["score"], updated["score"]))
        bar = tqdm(total=len(todo), desc="grading", unit="notebook", disable=not progress, file=sys.stderr)
        try:
            with cluster.executor(jobs, scheduler) as (pool, window):
                for item, key, start, outcome in _runs(todo, pool, window, limits, isolation):
                    _record(book, item, key, start, outcome, limits, rules, summary)
                    bar.update(1)
        except KeyboardInterrupt:
            bar.close()
            left = len(todo) - len(summary.graded) - len(summary.failed)
            raise Interrupted(
                f"interrupted: {len(summary.graded)} submission(s) graded and recorded in this run, "
                f"{left} not graded yet; run the same command again to grade the rest"
            ) from None
        bar.close()
        rows = book.rows()
    for row in rows:
        page = export.write_feedback(row, feedback, course.submission(row.student, row.chapter))
        lacking = lacking_release_files(page.parent)
        if lacking:
            summary.unreleasable.append((row.student, row.chapter, lacking))
    summary.csv = export.write_csv(rows, csv_path)
    summary.attention = needs_attention(rows, summary)
    summary.attention_file = write_attention(summary.attention, csv_path.parent / "needs-attention.csv")
    return summary


def _record(book, item, key, start, outcome, limits, rules, summary) -> None:
    """Judge one run and record it; a failure is listed (with the traceback of a fault in grading
    code) and the submission's earlier grade, if any, is marked as not current."""
    try:
        if isinstance(outcome, GraderError):
            raise outcome
        if isinstance(outcome, Exception):  # raised where the run happened: reading, cases, the sandbox
            details = "".join(traceback.format_exception(outcome))
            raise GraderError(f"grading failed: {type(outcome).__name__}: {outcome}", details)
        with grader_fault("grading code failed"):  # case generation, the reference, the judge
            results = grade.judge(outcome, limits, start)
            if rules:
                results = late.apply(results, _lateness(rules, item))
        with grader_fault("the gradebook write failed"):
            book.record(item.student, item.chapter, key, results)
    except Exception as exc:  # noqa: BLE001 - one submission never stops the class
        reason = str(exc) if isinstance(exc, GraderError) else f"{type(exc).__name__}: {exc}"
        summary.failed.append((item, reason))
        if isinstance(exc, GraderError) and exc.details:
            print(f"grader error on {item.student}/{item.chapter}:\n{exc.details}", file=sys.stderr)
        try:
            book.mark_stale(item.student, item.chapter, reason)
        except Exception:  # noqa: BLE001, S110 - the gradebook itself is failing: the run lists the item
            pass
    else:
        summary.graded.append(item)
        if results.get("extra_data", {}).get("not_graded"):
            summary.unreadable.append(item)


@contextmanager
def lock(db: str, root: Path):
    """Hold the gradebook's lock file for a class run: a second run on the same gradebook refuses."""
    from sqlalchemy.engine import make_url

    try:
        url = make_url(db)
        database = url.database if url.drivername.startswith("sqlite") else None
    except Exception:  # noqa: BLE001 - the gradebook reports a bad URL itself
        database = None
    if database and database != ":memory:":
        path = Path(database).with_name(Path(database).name + ".lock")
    else:
        path = root / f".gradebook-{hashlib.sha256(db.encode()).hexdigest()[:12]}.lock"
    if not path.parent.is_dir():
        yield  # the gradebook reports the missing folder itself
        return
    with open(path, "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip() or "another process"
            raise UsageError(
                f"another class run is grading into {db} ({holder}): wait for it to finish, then run again"
            ) from None
        f.seek(0)
        f.truncate()
        f.write(f"process {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}")
        f.flush()
        try:
            yield
        finally:
            f.seek(0)
            f.truncate()
            fcntl.flock(f, fcntl.LOCK_UN)


ATTENTION_COLUMNS = ("student", "chapter", "what")


def needs_attention(rows, summary: Summary) -> list[tuple[str, str, str]]:
    """What a human should look at, per student and chapter: what the grader could not read, run or
    record, what ran out of a limit, what defines no function or is the untouched stub, and every
    folder under submitted/ that is not a submission."""
    found = [
        (item.student, item.chapter, f"could not be graded or recorded: {why}")
        for item, why in summary.failed
    ]
    for row in rows:
        for what in row.results.get("extra_data", {}).get("attention", []):
            found.append((row.student, row.chapter, what))
    found += [("", "", f"skipped folder: {folder}") for folder in summary.skipped_folders]
    return found


def write_attention(found, path: Path) -> Path:
    import csv

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(ATTENTION_COLUMNS)
        writer.writerows(found)
    return path
