"""Grade a submitted notebook into a Gradescope-format ``results.json``.

The student's code runs in a separate, limited process (:mod:`autograder.sandbox`) that only calls
the functions and sends back their outputs as plain data; the comparison with the reference, the
diagnosis and the score happen here, in the grader's own process.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from autograder.engine import exercises, notebook, runner, sandbox
from autograder.engine.judge import ExerciseResult, judge_exercise

UNSANDBOXED_WARNING = (
    "WARNING: bubblewrap (bwrap) is not installed, so this submission ran in a plain subprocess with "
    "resource limits but with network access and a view of the file system. Install the Debian package "
    "'bubblewrap' to grade untrusted code."
)


def grade_notebook(path: str | Path, *, limits: sandbox.Limits | None = None, isolate: bool = True) -> dict:
    """Grade one notebook; never raises for a bad submission. Returns the results document."""
    start = time.monotonic()
    path, limits = Path(path), limits or sandbox.Limits()
    try:
        submission = notebook.extract(path)
    except notebook.SubmissionError as exc:
        return not_gradable(path, f"Could not grade {path.name}: {exc}", start=start)
    chapter_exercises = exercises.chapter(submission.chapter)
    cases = {ex.name: ex.cases() for ex in chapter_exercises}
    enc = runner.Encoder()
    job = {
        "cells": submission.cells,
        "exercises": [
            {
                "name": ex.name,
                "driver": ex.driver,
                "cases": enc.encode([list(c.args) for c in cases[ex.name]]),
            }
            for ex in chapter_exercises
        ],
    }
    run = sandbox.run(job, enc.arrays, limits, isolate=isolate)
    try:
        results = [_judge(ex, cases[ex.name], run) for ex in chapter_exercises]
    finally:
        shutil.rmtree(run.workdir, ignore_errors=True)
    messages = list(submission.notes)
    if isolate and not run.isolated:
        messages.insert(0, UNSANDBOXED_WARNING)
    if run.timed_out:
        messages.append(
            f"Grading stopped after {limits.wall_seconds:g} s (an infinite loop at the top level of a cell?)."
        )
    return _document(results, "\n".join(messages), start)


def _judge(exercise, cases, run: sandbox.Run) -> ExerciseResult:
    try:
        found = run.result(exercise.name)
    except Exception as exc:  # noqa: BLE001 - whatever the sandbox left behind is untrusted
        return judge_exercise(
            exercise, cases, None, problem=f"Its results could not be read ({type(exc).__name__})."
        )
    if found is None:
        problem = (
            "Your function did not finish: it was stopped after the time limit, ran out of memory, "
            "or ended the Python process (sys.exit / os._exit)."
        )
        return judge_exercise(exercise, cases, None, problem=problem)
    if found.get("missing"):
        return judge_exercise(
            exercise, cases, None, problem=f"No function named {exercise.name} was defined in the notebook."
        )
    return judge_exercise(exercise, cases, found["records"], output=found["output"])


def not_gradable(
    path: Path, message: str, chapter_id: str | None = None, *, start: float | None = None
) -> dict:
    """Results for a file that cannot be graded: every exercise of its chapter (if known) scores 0."""
    start = time.monotonic() if start is None else start
    chapter_id = chapter_id or next(
        (c for c in exercises.CHAPTERS if path.stem.startswith(c) or path.parent.name == c), None
    )
    chapter_exercises = exercises.chapter(chapter_id) if chapter_id else []
    results = [judge_exercise(ex, [], None, problem=message) for ex in chapter_exercises]
    return _document(results, message, start)


def _document(results: list[ExerciseResult], message: str, start: float) -> dict:
    tests = [
        {
            "name": f"{r.name} ({r.passed}/{r.total} cases)",
            "score": r.score,
            "max_score": r.max_points,
            "output": r.feedback(),
            "visibility": "visible",
        }
        for r in results
    ]
    doc = {
        "score": round(sum(r.score for r in results), 2),
        "execution_time": round(time.monotonic() - start, 3),
        "output": message,
        "tests": tests,
    }
    return doc


def main(
    path: str | Path,
    *,
    results: str | Path = "results.json",
    timeout: float = 60.0,
    memory_mb: int = 2048,
) -> dict:
    """Grade the notebook at ``path`` into ``results`` (Gradescope format); returns the document."""
    limits = sandbox.Limits(wall_seconds=timeout, memory_mb=memory_mb)
    doc = grade_notebook(path, limits=limits)
    Path(results).parent.mkdir(parents=True, exist_ok=True)
    Path(results).write_text(json.dumps(doc, indent=2))
    return doc
