"""The check that a notebook's graded test cell calls: ``check("correlate2d", correlate2d)``.

It runs the student's function on the exercise's seeded cases in the notebook's own process (this is
how ``nbgrader autograde`` grades), prints feedback and returns the points earned, which nbgrader
reads as partial credit. It takes exactly the same steps as the sandboxed grader, so both give the
same score. It writes nothing to stderr: nbgrader would treat that as a failed cell.
"""

from __future__ import annotations

import warnings

from autograder.engine import exercises, runner
from autograder.engine.judge import ExerciseResult, judge_exercise


def run(name: str, func, **uses) -> ExerciseResult:
    """Grade ``func`` as exercise ``name``; ``uses`` supplies the other functions a case calls."""
    exercise = exercises.exercise(name)
    cases = exercise.cases()
    funcs = {name: func, **uses}
    missing = [f for f in exercise.functions if f not in funcs]
    if missing:
        raise TypeError(f"check({name!r}, ...) also needs {', '.join(f'{m}=...' for m in missing)}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        records, output = runner.run_exercise(funcs, name, exercise.driver, [c.args for c in cases])
        records = runner.normalise(records)  # the plain-data view the sandboxed grader gets
        return judge_exercise(exercise, cases, records, output=output)


def check(name: str, func, **uses) -> float:
    """Print feedback on exercise ``name`` and return the points earned (nbgrader partial credit)."""
    result = run(name, func, **uses)
    print(result.feedback())
    return result.score
