"""Grade a whole class: ``python -m autograder grade submitted/ --jobs N``.

Submissions follow nbgrader's layout, ``submitted/<student>/<chapter>/<chapter>.ipynb``. They are
graded in parallel, each in its own sandbox; results are recorded one submission at a time as they
arrive (gradebook and ledger in one transaction, then the student's HTML feedback), so an
interrupted run loses nothing and a re-run grades only what is new or changed. ``grades.csv`` is
rewritten from the gradebook at the end.
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from autograder.classroom import export
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
    csv: Path | None = None


def discover(submitted: Path) -> list[Item]:
    """Every (student, chapter) folder holding a notebook, in a stable order."""
    items = []
    for student_dir in sorted(p for p in submitted.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for chapter_dir in sorted(
            p for p in student_dir.iterdir() if p.is_dir() and p.name in exercises.CHAPTERS
        ):
            expected = chapter_dir / f"{chapter_dir.name}.ipynb"
            found = sorted(chapter_dir.glob("*.ipynb"))
            notebook = expected if expected.exists() or not found else found[0]
            items.append(Item(student_dir.name, chapter_dir.name, notebook))
    return items


def _grade(item: Item, limits: sandbox.Limits, bubblewrap: bool) -> dict:
    if not item.notebook.exists():
        return grade.not_gradable(
            item.notebook, f"No notebook was submitted for {item.chapter}.", item.chapter
        )
    return grade.grade_notebook(item.notebook, limits=limits, bubblewrap=bubblewrap, chapter=item.chapter)


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
) -> Summary:
    """Grade every submission under ``submitted`` that is new or changed since the last run (or
    whose grading code changed). ``regrade``: grade again every submission (``"*"``) or one
    student's. ``isolation`` as for :func:`autograder.engine.grade.main`: the sandbox is started
    once before anything is graded, and if it cannot start nothing is graded or recorded."""
    bubblewrap = sandbox.probe(isolation)
    submitted = Path(submitted).resolve()
    root = submitted.parent
    db = db or f"sqlite:///{root / 'gradebook.db'}"
    csv_path = Path(csv_path or root / "grades.csv")
    feedback = Path(feedback or root / "feedback")
    limits = sandbox.Limits(wall_seconds=timeout, memory_mb=memory_mb)
    summary = Summary()
    with Book(db) as book:
        done = book.recorded()
        todo = []
        for item in discover(submitted):
            key = digest(item.notebook)
            forced = regrade in ("*", item.student)
            if not forced and done.get((item.student, item.chapter)) == key:
                summary.skipped.append(item)
            else:
                todo.append((item, key))
        bar = tqdm(total=len(todo), desc="grading", unit="notebook", disable=not progress, file=sys.stderr)
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = {pool.submit(_grade, item, limits, bubblewrap): (item, key) for item, key in todo}
            for future in as_completed(futures):
                item, key = futures[future]
                try:
                    results = future.result()
                    book.record(item.student, item.chapter, key, results)
                except Exception as exc:  # noqa: BLE001 - one submission never stops the class
                    summary.failed.append((item, f"{type(exc).__name__}: {exc}"))
                else:
                    summary.graded.append(item)
                bar.update(1)
        bar.close()
        rows = book.rows()
    for row in rows:
        export.write_feedback(row, feedback)
    summary.csv = export.write_csv(rows, csv_path)
    return summary
