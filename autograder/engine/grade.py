"""Grade a submitted notebook into a Gradescope-format ``results.json``.

The student's code runs in a separate, limited process (:mod:`autograder.engine.sandbox`) that only
calls the functions and sends back their outputs as plain data; the comparison with the reference,
the diagnosis and the score happen here, in the grader's own process.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder.engine import exercises, notebook, runner, sandbox
from autograder.engine.judge import ExerciseResult, judge_exercise
from autograder.errors import GraderError, UsageError, did_you_mean, grader_fault

PROCESS_ISOLATION_NOTE = (
    "Note: this submission ran in a plain subprocess with resource limits (process isolation, chosen "
    "by the instructor), not in the bubblewrap sandbox."
)
DID_NOT_FINISH = (
    "Your function did not finish: it was stopped after the time limit, ran out of memory, "
    "or ended the Python process (sys.exit / os._exit)."
)
# Why an exercise stopped before any case was judged: the ``stopped`` field of a graded test's
# ``extra_data`` (None when its cases ran), for the class report's "needs a human" list.
UNREADABLE = "unreadable"  # the notebook (or what came back from the sandbox) could not be read
TIME_LIMIT = "time limit"  # stopped after the wall-clock limit
DID_NOT_RUN = "did not finish"  # ran out of memory, ended the process, or the runner stopped first
NO_FUNCTION = "no function"
SYNTAX_ERROR = "syntax error"  # the cell defining it does not parse
CELL_ERROR = "cell error"  # the cell defining it raised while running
STOPPED = (UNREADABLE, TIME_LIMIT, DID_NOT_RUN, NO_FUNCTION, SYNTAX_ERROR, CELL_ERROR)

RUNNER_STOPPED = (
    "The grader stopped while running your notebook's cells, before it reached this exercise "
    "(a cell ended the Python process, used up the memory limit or crashed it)."
)


@dataclass
class Ran:
    """What running one submission left, as plain data read once: the notebook as read (its cells and
    notes), the seeded cases it ran on, and for each exercise what the sandbox wrote (see
    :func:`read`); or, for a file that could not be read at all, why (``not_graded``). It crosses
    from the machine that ran the submission (a Dask worker) to the one that judges it."""

    chapter: str | None
    submission: notebook.Submission | None = None
    cases: dict = field(default_factory=dict)  # exercise name -> its cases, generated once
    cell_errors: list | None = None  # None: the runner never finished loading the cells
    exercises: dict = field(default_factory=dict)  # exercise name -> what it left, see read()
    returncode: int | None = 0
    timed_out: bool = False
    output: str = ""
    isolated: bool = True
    not_graded: str | None = None


def run_submission(
    path: str | Path,
    chapter: str | None = None,
    *,
    limits: sandbox.Limits | None = None,
    bubblewrap: bool = True,
    in_process: bool = False,
) -> Ran:
    """Run the notebook at ``path``: read it, generate its chapter's cases, run its cells and the
    cases in the sandbox (see :func:`autograder.engine.sandbox.run` for ``bubblewrap`` and
    ``in_process``) and read back what they left. Never judges; never raises for a bad submission."""
    path = Path(path)
    try:
        submission = notebook.extract(path, chapter)
    except notebook.SubmissionError as exc:
        return Ran(
            chapter or notebook.chapter_from_path(path), not_graded=f"Could not grade {path.name}: {exc}"
        )
    chapter_exercises = exercises.chapter(submission.chapter)
    cases = {ex.name: ex.cases() for ex in chapter_exercises}
    job, arrays = make_job(submission, cases)
    run = sandbox.run(job, arrays, limits or sandbox.Limits(), bubblewrap=bubblewrap, in_process=in_process)
    return read(run, submission, cases)


def make_job(submission: notebook.Submission, cases: dict) -> tuple[dict, dict]:
    """The sandbox's job for a submission and its cases (exercise name to cases), and its arrays."""
    enc = runner.Encoder()
    job = {
        "cells": [cell.source for cell in submission.cells],
        "allowed_packages": list(exercises.STUDENT_PACKAGES),
        "exercises": [
            {
                "name": ex.name,
                "driver": ex.driver,
                "cases": enc.encode([list(c.args) for c in cases[ex.name]]),
            }
            for ex in map(exercises.exercise, cases)
        ],
    }
    return job, enc.arrays


def read(run: sandbox.Run, submission: notebook.Submission, cases: dict) -> Ran:
    """Read once what a sandbox ``run`` wrote. For each exercise: ``result`` (what its child wrote:
    records and output, ``missing``, ``grader_error``, or None if nothing), ``partial`` (the records
    saved case by case) and ``stop`` (how its child ended), or ``unreadable`` (the exception's name)
    when the untrusted files cannot be read; ``partial``/``stop`` are None when they cannot."""
    found = {}
    for name, its_cases in cases.items():
        try:
            entry = {"result": runner.read_result(run.files, name)}
        except (OSError, ValueError, KeyError, TypeError) as exc:  # written by untrusted code
            found[name] = {"unreadable": type(exc).__name__}
            continue
        try:
            entry["partial"] = runner.read_partial(run.files, name, len(its_cases))
            entry["stop"] = runner.read_stop(run.files, name)
        except (OSError, ValueError, KeyError, TypeError):
            entry["partial"] = entry["stop"] = None
        found[name] = entry
    return Ran(
        submission.chapter,
        submission,
        cases,
        runner.read_cell_errors(run.files),
        found,
        run.returncode,
        run.timed_out,
        run.output,
        run.isolated,
    )


def judge(ran: Ran, limits: sandbox.Limits | None = None, start: float | None = None) -> dict:
    """The results document of a run (:func:`run_submission`): each exercise's records compared with
    the reference on the same cases, its diagnosis and its score. ``start`` is when grading it began
    (for the execution time). A fault of the grading code raises :class:`GraderError`."""
    limits = limits or sandbox.Limits()
    start = time.monotonic() if start is None else start
    if ran.not_graded is not None:
        return _not_graded(ran.chapter, ran.not_graded, start)
    submission, cell_errors = ran.submission, ran.cell_errors
    judged, attention = [], []
    for ex in exercises.chapter(ran.chapter):
        failed_cell = _failed_cell(ex.name, submission.cells, cell_errors)
        judged.append(_judge(ex, ran.cases[ex.name], ran, failed_cell, attention, limits))
    for error in cell_errors or []:
        if error.get("type") == "SyntaxError":
            attention.insert(0, f"syntax error in notebook cell {submission.cells[error['cell']].index}")
    messages = list(submission.notes)
    if not ran.isolated:
        messages.insert(0, PROCESS_ISOLATION_NOTE)
    if ran.timed_out:
        attention.append(f"time limit: stopped after {limits.wall_seconds:g} s")
        messages.append(
            f"Grading stopped after {limits.wall_seconds:g} s (an infinite loop at the top level of a cell?)."
        )
    elif ran.returncode != 0:
        messages.append(
            f"For your instructor: the grading process exited with status {ran.returncode}; "
            f"the end of its output:\n{ran.output[-sandbox.OUTPUT_TAIL :]}"
        )
    results = [result for result, _ in judged]
    stopped = {result.name: why for result, why in judged}
    doc = _document(results, "\n".join(messages), start, stopped)
    doc["extra_data"] = {"attention": attention}
    return doc


def grade_notebook(
    path: str | Path,
    *,
    limits: sandbox.Limits | None = None,
    bubblewrap: bool = True,
    chapter: str | None = None,
    in_process: bool = False,
) -> dict:
    """Grade one notebook (:func:`run_submission`, then :func:`judge`); never raises for a bad
    submission. Returns the results document.

    ``bubblewrap`` says whether student code runs in the sandbox (check first with
    :func:`autograder.engine.sandbox.probe`) or in a plain subprocess; ``chapter`` overrides the
    chapter the notebook's metadata, name or functions give."""
    start = time.monotonic()
    ran = run_submission(path, chapter, limits=limits, bubblewrap=bubblewrap, in_process=in_process)
    return judge(ran, limits, start)


def _describe_error(cell: notebook.Cell, error: dict) -> str:
    line = error.get("line")
    where = f"line {line}" if line else "an unknown line"
    lines = cell.source.splitlines()
    code = f": {lines[line - 1].strip()}" if line and 0 < line <= len(lines) else ""
    return f"{error['type']}: {error['message']} ({where} of notebook cell {cell.index}{code})"


def _failed_cell(name: str, cells: list[notebook.Cell], errors: list[dict] | None) -> tuple[str, str] | None:
    """Why the cell that defines exercise ``name`` did not run (the message and its ``stopped``
    kind), or None if it ran (or none exists)."""
    for error in errors or []:
        if 0 <= error["cell"] < len(cells) and name in cells[error["cell"]].defines:
            cell = cells[error["cell"]]
            kind = (
                SYNTAX_ERROR
                if error["type"] in ("SyntaxError", "IndentationError", "TabError")
                else CELL_ERROR
            )
            return f"The cell that defines {name} did not run: {_describe_error(cell, error)}.", kind
    return None


def _judge(
    exercise,
    cases,
    ran: Ran,
    failed_cell: tuple[str, str] | None,
    attention: list[str],
    limits: sandbox.Limits,
) -> tuple[ExerciseResult, str | None]:
    """Judge one exercise of a run: its result, and why it stopped before its cases were judged (one
    of :data:`STOPPED`, or None if they were). What an instructor should look at goes into
    ``attention``. A fault of the grading code (in the sandbox or here) raises :class:`GraderError`:
    it is never the student's."""
    entry = ran.exercises.get(exercise.name, {"result": None, "partial": [], "stop": {}})
    if "unreadable" in entry:
        attention.append(f"{exercise.name}: its results could not be read")
        problem = f"Its results could not be read ({entry['unreadable']})."
        return judge_exercise(exercise, cases, None, problem=problem), UNREADABLE
    found = entry["result"]
    if found is None and not failed_cell:
        stopped = _stopped(exercise, cases, ran, entry, limits, attention)
        if stopped is not None:
            return stopped
    if found is None:
        if failed_cell:
            problem, why = failed_cell
        else:
            problem = DID_NOT_FINISH if ran.cell_errors is not None else RUNNER_STOPPED
            why = TIME_LIMIT if ran.timed_out else DID_NOT_RUN
            attention.append(
                f"{exercise.name}: did not finish (time or memory limit, or it ended the process)"
            )
        return judge_exercise(exercise, cases, None, problem=problem), why
    if found.get("grader_error"):
        raise GraderError(
            f"the grader's own code failed in the sandbox on {exercise.name}", found["grader_error"]
        )
    if found.get("missing"):
        problem, why = failed_cell or (
            f"No function named {exercise.name} was defined in the notebook.",
            NO_FUNCTION,
        )
        if not failed_cell:
            attention.append(f"{exercise.name}: no function defined")
        return judge_exercise(exercise, cases, None, problem=problem), why
    return judge_records(exercise, cases, found["records"], found["output"], attention, limits)


def judge_records(
    exercise, cases, records, output: str, attention: list[str], limits: sandbox.Limits | None
) -> tuple[ExerciseResult, str | None]:
    """Judge the records of an exercise whose cases all ran: in the sandbox under ``limits``, or
    (``limits`` None) in the notebook's own process, for its ``check()`` cell."""
    raised = [r["raised"][0] for r in records if isinstance(r, dict) and "raised" in r]
    if records and len(raised) == len(records) and set(raised) == {"NotImplementedError"}:
        attention.append(f"{exercise.name}: untouched stub")
    if "MemoryError" in raised and limits is not None:
        attention.append(f"{exercise.name}: ran out of memory")
        mb = limits.memory_mb
        for record in records:  # name the limit it ran into
            if isinstance(record, dict) and record.get("raised", [None])[0] == "MemoryError":
                message = record["raised"][1]
                record["raised"] = ["MemoryError", f"ran out of the memory limit ({mb} MB) {message}".strip()]
    with grader_fault(f"grading code failed on {exercise.name}"):  # the reference, judge, mistake models
        result = judge_exercise(exercise, cases, records, output=output)
    return result, UNREADABLE if result.problem else None  # malformed records


def _stopped(exercise, cases, ran: Ran, entry: dict, limits: sandbox.Limits, attention: list[str]):
    """The result of an exercise stopped on a case, naming the limit and the case: the cases before it
    graded from the records saved as they came, that case and the rest failed; None if the sandbox
    left nothing saying so."""
    records, stop = entry["partial"], entry["stop"]
    if records is None or stop is None:  # unreadable
        return None
    if not records and not stop:
        return None
    at = len(records)
    if at == len(cases) and stop:  # every case ran; it was stopped while sending the results back
        attention.append(f"{exercise.name}: stopped after its last case, while sending back its results")
        return judge_exercise(exercise, cases, records), None
    if ran.timed_out:
        why = f"the time limit of the whole notebook ({limits.wall_seconds:g} s)"
    elif stop.get("stopped") == "time":
        why = f"the time limit ({limits.exercise_seconds:g} s for this exercise)"
    else:  # it ended on its own (os._exit, a crash): the generic message says so
        return None
    attention.append(f"{exercise.name}: stopped by {why} on case {exercise.case_id(at)}")
    on_it = f"stopped by {why} while running this case ({at} case(s) before it graded)"
    rest = {"raised": ["TimeoutError", "not run: an earlier case was stopped"], "mutated": False}
    records = (
        records + [{"raised": ["TimeoutError", on_it], "mutated": False}] + [rest] * (len(cases) - at - 1)
    )
    return judge_exercise(exercise, cases, records), TIME_LIMIT


def not_gradable(
    path: Path, message: str, chapter_id: str | None = None, *, start: float | None = None
) -> dict:
    """Results for a file that cannot be graded: every exercise of its chapter (if known) scores 0."""
    return _not_graded(chapter_id or notebook.chapter_from_path(path), message, start)


def _not_graded(chapter_id: str | None, message: str, start: float | None = None) -> dict:
    start = time.monotonic() if start is None else start
    chapter_exercises = exercises.chapter(chapter_id) if chapter_id else []
    results = [judge_exercise(ex, [], None, problem=message) for ex in chapter_exercises]
    doc = _document(results, message, start, {r.name: UNREADABLE for r in results})
    doc["extra_data"] = {"not_graded": message, "attention": [f"not graded: {message}"]}
    return doc


def verdict(result: ExerciseResult, stopped: str | None = None) -> dict:
    """The structured verdict on one exercise, as a graded test's ``extra_data``: the exercise, the
    first line of its feedback (``headline``), its first failing case (label and id), the id of every
    failing case, the mistake named for its first failing case (None if that case matches no
    known mistake or nothing failed), whether it got full marks, and why it stopped before its cases
    were judged (one of :data:`STOPPED`, or None). The class report reads these, never the feedback."""
    mistake = result.failure.mistake if result.failure is not None else None
    if result.problem and stopped is None:
        stopped = UNREADABLE
    first = result.failure if not result.problem else None
    return {
        "exercise": result.name,
        "headline": result.headline(),
        "first_failure": {"label": first.case.label, "case_id": first.case_id} if first else None,
        "failed_cases": result.failed,
        "mistake": mistake.name if mistake is not None else None,
        "full_marks": bool(result.total) and result.passed == result.total and not result.problem,
        "stopped": stopped if result.problem else None,
    }


def _document(
    results: list[ExerciseResult], message: str, start: float, stopped: dict[str, str | None] | None = None
) -> dict:
    stopped = stopped or {}
    tests = [
        {
            "name": f"{r.name} ({r.passed}/{r.total} cases)",
            "score": r.score,
            "max_score": r.max_points,
            "output": r.feedback(),
            "visibility": "visible",
            "extra_data": verdict(r, stopped.get(r.name)),
        }
        for r in results
    ]
    return {
        "score": round(sum(r.score for r in results), 2),
        "execution_time": round(time.monotonic() - start, 3),
        "output": message,
        "tests": tests,
    }


def exercise_of(test: dict) -> str:
    """The exercise a test of a results document grades."""
    return test["extra_data"]["exercise"]


def main(
    path: str | Path,
    *,
    results: str | Path = "results.json",
    timeout: float = 60.0,
    memory_mb: int = 2048,
    isolation: str = "bwrap",
    chapter: str | None = None,
) -> dict:
    """Grade the notebook at ``path`` into ``results`` (Gradescope format); returns the document.

    ``isolation``: ``"bwrap"`` (the sandbox; if it cannot start, raise
    :class:`~autograder.engine.sandbox.SandboxUnavailable` and write nothing), ``"process"`` (a plain
    subprocess with resource limits, stated in the results) or ``"auto"`` (bubblewrap where it
    starts, else a plain subprocess)."""
    path = Path(path)
    if not path.exists():
        raise UsageError(f"no such file or folder: {path}")
    if chapter is not None:
        if chapter not in exercises.CHAPTERS:
            raise UsageError(
                f"--chapter {chapter}: unknown chapter{did_you_mean(chapter, exercises.CHAPTERS)}; "
                f"known: {', '.join(exercises.CHAPTERS)}"
            )
    bubblewrap = sandbox.probe(isolation)
    limits = sandbox.Limits(wall_seconds=timeout, memory_mb=memory_mb)
    with grader_fault("grading code failed"):  # case generation, the reference, the judge
        doc = grade_notebook(path, limits=limits, bubblewrap=bubblewrap, chapter=chapter)
    Path(results).parent.mkdir(parents=True, exist_ok=True)
    Path(results).write_text(json.dumps(doc, indent=2))
    return doc
