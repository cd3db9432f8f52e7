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

import sys
import time
from concurrent.futures import FIRST_COMPLETED, CancelledError, Executor, wait
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from autograder.classroom import cluster, export, late
from autograder.classroom.gradebook import Book, digest
from autograder.engine import exercises, grade, sandbox


@dataclass(frozen=True)
class Item:
    student: str
    chapter: str
    notebook: Path


@dataclass
class Summary:
    graded: list[Item] = field(default_factory=list)
    skipped: list[Item] = field(default_factory=list)
    failed: list[tuple[Item, str]] = field(default_factory=list)
    repenalised: list[Item] = field(default_factory=list)  # unchanged, but their lateness changed
    csv: Path | None = None
    # (student, chapter) whose feedback nbgrader's release_feedback cannot hand back: the submission
    # has no timestamp.txt or submission_secret.txt (it did not come through nbgrader's exchange)
    unreleasable: list[tuple[str, str]] = field(default_factory=list)


def discover(submitted: Path) -> list[Item]:
    """Every (student, chapter) folder holding a notebook, in a stable order."""
    items = []
    for student_dir in sorted(p for p in submitted.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for chapter_dir in sorted(
            p for p in student_dir.iterdir() if p.is_dir() and p.name in exercises.CHAPTERS
        ):
            notebook = export.graded_notebook(chapter_dir, chapter_dir.name)
            items.append(Item(student_dir.name, chapter_dir.name, notebook))
    return items


def _runs(todo, pool: Executor, window: int, limits: sandbox.Limits, isolation: str):
    """``(item, key, start, outcome)`` as each sandboxed run finishes, at most ``window`` submitted at
    once. ``outcome`` is what :func:`cluster.run_notebook` sent back, an exception, or (for a missing
    notebook) its results document. Stops the whole run, cancelling what is queued, if a machine
    cannot grade at all."""
    queue, waiting = iter(todo), {}
    while True:
        for item, key in queue:
            start = time.monotonic()
            if not item.notebook.exists():
                message = f"No notebook was submitted for {item.chapter}."
                yield item, key, start, {"document": grade.not_gradable(item.notebook, message, item.chapter)}
                continue
            try:
                data = item.notebook.read_bytes()
            except OSError as exc:
                yield item, key, start, exc
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
    if scheduler is None:
        sandbox.probe(isolation)
    submitted = Path(submitted).resolve()
    root = submitted.parent
    db = db or f"sqlite:///{root / 'gradebook.db'}"
    csv_path = Path(csv_path or root / "grades.csv")
    feedback = Path(feedback or root / "feedback")
    limits = sandbox.Limits(wall_seconds=timeout, memory_mb=memory_mb)
    if deadlines is None and (root / "deadlines.toml").exists():
        deadlines = root / "deadlines.toml"
    rules = late.load(deadlines) if deadlines is not None else None
    summary = Summary()
    with Book(db) as book:
        done = book.recorded()
        recorded = {(r.student, r.chapter): r.results for r in book.rows()} if rules else {}
        todo = []
        for item in discover(submitted):
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
        bar = tqdm(total=len(todo), desc="grading", unit="notebook", disable=not progress, file=sys.stderr)
        with cluster.executor(jobs, scheduler) as (pool, window):
            for item, key, start, outcome in _runs(todo, pool, window, limits, isolation):
                try:
                    if isinstance(outcome, Exception):
                        raise outcome
                    results = cluster.judge(outcome, item.chapter, limits, start)
                    if rules:
                        results = late.apply(results, _lateness(rules, item))
                    book.record(item.student, item.chapter, key, results)
                except Exception as exc:  # noqa: BLE001 - one submission never stops the class
                    summary.failed.append((item, f"{type(exc).__name__}: {exc}"))
                else:
                    summary.graded.append(item)
                bar.update(1)
        bar.close()
        rows = book.rows()
    for row in rows:
        page = export.write_feedback(row, feedback, submitted / row.student / row.chapter)
        if not export.releasable(page):
            summary.unreleasable.append((row.student, row.chapter))
    summary.csv = export.write_csv(rows, csv_path)
    return summary
