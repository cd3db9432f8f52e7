"""Every known mistake can be diagnosed: its model computes a wrong answer on at least one valid case of
its exercise, and the judge names it for that answer. The judge skips a model that raises on a case
(the mistake does not apply to that input), so a model broken on every input would otherwise fall
silent: here it fails."""

from __future__ import annotations

import pytest

from autograder.engine import exercises
from autograder.engine.judge import _diagnose, _expected, _matches

MISTAKES = [
    pytest.param(exercise, index, id=f"{exercise.name}: {mistake.name} ({index})")
    for exercise in exercises.EXERCISES.values()
    for index, mistake in enumerate(exercise.mistakes)
]


@pytest.mark.parametrize(("exercise", "index"), MISTAKES)
def test_each_mistake_model_runs_and_is_named_on_some_case(exercise, index):
    mistake = exercise.mistakes[index]
    ran, named = [], []
    for case in exercise.cases():
        expected, error = _expected(exercise, case)
        if error is not None:
            continue
        try:
            wrong = mistake.wrong(*case.args)
        except (ValueError, TypeError, IndexError, ZeroDivisionError):
            continue
        ran.append(case.label)
        if exercise.project is not None:
            expected = exercise.project(expected)
        if _matches(expected, wrong, exercise.rtol, exercise.atol):
            continue  # right on this case: the mistake makes no difference here
        found = _diagnose(exercise, case, wrong)
        if found is not None and found.name == mistake.name:
            named.append(case.label)
    assert ran, f"the model of {mistake.name!r} raises on every valid case of {exercise.name}: it is broken"
    assert named, f"{mistake.name!r} is never named for its own wrong answer on {exercise.name}'s cases"
