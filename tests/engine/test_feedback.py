"""What a student reads about a failing case: a stable id for every case (so that a regrade request can
name it), and one line of code that runs their function on the first failing case's exact inputs."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from helpers import ROOT, grade_file, result_for, with_answers

import solutions
from autograder.engine import exercises, judge, runner
from autograder.engine.exercise import CALLS

EVERY_CASE = [(ex, i, c) for ex in exercises.EXERCISES.values() for i, c in enumerate(ex.cases())]
CASE_IDS = [ex.case_id(i) for ex, i, _ in EVERY_CASE]

# Chapter 01's worked example (case 1 of its exercises), written out by hand.
WORKED_EXAMPLE = (
    "correlate2d(np.array([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]]), "
    "np.array([[1.0, 2.0], [3.0, 4.0]]))"
)
FLIPPED = "def correlate2d(image, kernel):\n    return convolve2d(image, kernel)\n"
# The kernel's flip does not matter for a 1x1 kernel (case 6); cases 9 and 10 are invalid inputs, which
# convolve2d rejects as correlate2d must. Every other case of correlate2d fails.
FLIPPED_FAILS = [f"correlate2d#{i}" for i in (1, 2, 3, 4, 5, 7, 8)]


def same(a, b) -> bool:
    """Exactly equal: the same types, the same dtypes and shapes, every bit of every float."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    if isinstance(a, tuple | list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float):
        return np.float64(a).tobytes() == np.float64(b).tobytes()
    return a == b


def judged(name: str, func):
    """Exercise ``name`` judged on ``func`` as the grader judges it (``check.run`` without its check
    that the function comes from the notebook: here it calls the reference)."""
    exercise = exercises.exercise(name)
    cases = exercise.cases()
    records, output = runner.run_exercise({name: func}, name, exercise.driver, [c.args for c in cases])
    return judge.judge_exercise(exercise, cases, runner.normalise(records), output=output)


class Recorder:
    """Stands in for the student's functions: remembers the arguments of every call."""

    def __init__(self):
        self.calls = {}

    def namespace(self, exercise) -> dict:
        def make(name):
            def record(*args):
                self.calls[name] = args
                return ("out of " + name, "cache of " + name)

            return record

        return {"np": np, **{name: make(name) for name in exercise.functions}}


@pytest.mark.parametrize(("exercise", "index", "case"), EVERY_CASE, ids=CASE_IDS)
def test_the_snippet_calls_the_function_on_exactly_the_case_inputs(exercise, index, case):
    snippet = judge.reproduce(exercise, case)
    assert "\n" not in snippet and snippet.startswith(f"{exercise.name}(")
    recorder = Recorder()
    eval(snippet, recorder.namespace(exercise))  # noqa: S307 - the grader's own case, as code
    if exercise.driver == "maxpool_backward":  # backward(dout, forward(x, kernel_size, stride)[1])
        x, kernel_size, stride, dout = case.args
        assert same(recorder.calls["maxpool2d_forward"], (x, kernel_size, stride))
        assert same(recorder.calls[exercise.name], (dout, "cache of maxpool2d_forward"))
    else:
        assert same(recorder.calls[exercise.name], tuple(case.args)), snippet


@pytest.mark.parametrize(("exercise", "index", "case"), EVERY_CASE, ids=CASE_IDS)
def test_the_snippet_run_on_the_reference_gives_the_expected_value(exercise, index, case):
    """The snippet is the grader's call: run on the reference functions, it gives what the judge expects
    (or the ValueError the judge expects)."""
    namespace = {"np": np, **{name: getattr(solutions, name) for name in exercise.functions}}
    try:
        expected = exercise.reference(*case.args)
    except ValueError:
        with pytest.raises(ValueError):
            eval(judge.reproduce(exercise, case), namespace)  # noqa: S307
        return
    got = eval(judge.reproduce(exercise, case), namespace)  # noqa: S307
    if exercise.project is not None:
        expected, got = exercise.project(expected), exercise.project(got)
    assert judge.compare(expected, got, rtol=0, atol=0) == (None, None)


def test_every_driver_has_a_call_form():
    assert set(CALLS) == set(runner.DRIVERS)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (np.array([[0.0, 1.0], [2.0, 3.0]]), "np.array([[0.0, 1.0], [2.0, 3.0]])"),
        (np.array([[1, -2]]), "np.array([[1, -2]])"),
        (np.array([0.5, -0.0], dtype=np.float32), "np.array([0.5, -0.0], dtype=np.float32)"),
        (np.array([np.nan, np.inf, -np.inf]), "np.array([np.nan, np.inf, -np.inf])"),
        (np.array([True, False]), "np.array([True, False])"),
        (np.zeros((0, 3)), "np.zeros((0, 3))"),
        (np.array(2.5), "np.array(2.5)"),
        (np.arange(41.0), "np.array([" + ", ".join(f"{i}.0" for i in range(41)) + "]).reshape(41,)"),
        (None, "None"),
        (3, "3"),
        (True, "True"),
        (0.1, "0.1"),
        ("reflect", "'reflect'"),
        ((3,), "(3,)"),
        ((1, 2, 3, 4), "(1, 2, 3, 4)"),
        ([(3, 2, 1), (3, 1, 2)], "[(3, 2, 1), (3, 1, 2)]"),
        ([], "[]"),
        (np.int64(3), "np.int64(3)"),
    ],
)
def test_values_are_written_as_the_code_that_makes_them(value, code):
    assert judge.as_code(value) == code
    assert same(eval(code, {"np": np}), value)  # noqa: S307


def test_values_that_are_not_data_are_refused():
    with pytest.raises(TypeError, match="object"):
        judge.as_code(object())
    with pytest.raises(TypeError, match="dtype <U1"):
        judge.as_code(np.array(["a"]))


def test_a_known_case_has_the_id_the_feedback_names():
    """A correlate2d that builds its output with np.zeros_like(image) truncates only on the integer
    image, the seventh case of chapter 01."""
    model = solutions.correlate2d

    def truncating(image, kernel):
        out = model(image, kernel)
        return out.astype(np.asarray(image).dtype)

    result = judged("correlate2d", truncating)
    assert result.failed == ["correlate2d#7"]
    assert result.failure.case.label == "integer image, fractional kernel"
    text = result.feedback()
    assert 'First failure, case "integer image, fractional kernel" (case id correlate2d#7):' in text
    assert "Failing cases (name them in a regrade request): correlate2d#7." in text
    assert "Diagnosis: integer truncation." in text
    snippet = text.split(judge.REPRODUCE + "\n")[1].splitlines()[0]
    assert snippet.startswith("correlate2d(np.array([[") and snippet.endswith("[0.125, 0.1]]))")
    assert ", dtype=" not in snippet  # int64 is what numpy makes of a list of Python ints


def test_the_first_failure_comes_with_its_snippet_and_every_failing_case_is_named():
    result = judged("correlate2d", solutions.convolve2d)
    assert result.failed == FLIPPED_FAILS
    text = result.feedback()
    assert f"{judge.REPRODUCE}\n{WORKED_EXAMPLE}\n" in text
    assert "(case id correlate2d#1)" in text
    assert "Failing cases (name them in a regrade request): " + ", ".join(FLIPPED_FAILS) + "." in text


def test_feedback_without_a_failure_has_no_ids_or_snippet():
    passed = judged("correlate2d", solutions.correlate2d).feedback()
    assert "#" not in passed and judge.REPRODUCE not in passed
    missing = judge.judge_exercise(exercises.exercise("correlate2d"), [], None, problem="No function.")
    assert "#" not in missing.feedback() and not missing.failed


def test_the_maxpool_backward_snippet_uses_the_students_forward_cache():
    exercise = exercises.exercise("maxpool2d_backward")
    snippet = judge.reproduce(exercise, exercise.cases()[0])
    assert snippet.startswith("maxpool2d_backward(np.array([[[[")
    assert ", maxpool2d_forward(np.array([[[[1.0, 3.0, 2.0, 0.0], [4.0, 2.0, 1.0, 5.0]" in snippet
    assert snippet.endswith("]]]]), 2, None)[1])")


CASE_DIGESTS = """
import hashlib, json
from autograder.engine import exercises, judge
print(json.dumps({ex.case_id(i): hashlib.sha256(judge.reproduce(ex, c).encode()).hexdigest()
                  for ex in exercises.EXERCISES.values() for i, c in enumerate(ex.cases())}))
"""


def test_case_ids_name_the_same_inputs_in_every_process():
    """Two fresh interpreters (with different hash seeds) give every id the same inputs, and the same
    as this one does."""
    here = {
        ex.case_id(i): judge.reproduce(ex, c)
        for ex in exercises.EXERCISES.values()
        for i, c in enumerate(ex.cases())
    }
    runs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run(
            [sys.executable, "-c", CASE_DIGESTS], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert proc.returncode == 0, proc.stderr
        runs.append(json.loads(proc.stdout))
    assert runs[0] == runs[1]
    assert list(runs[0]) == list(here) and len(here) == len(EVERY_CASE)
    assert runs[0] == {k: hashlib.sha256(v.encode()).hexdigest() for k, v in here.items()}


def test_results_name_the_failing_cases_the_same_on_every_grading_run(tmp_path):
    """Graded twice in the sandbox: the same ids, in results.json's test output and its extra data."""
    path = with_answers("01_convolution", {"correlate2d": FLIPPED}, tmp_path)
    first, second = grade_file(path), grade_file(path)
    for doc in (first, second):
        test = result_for(doc, "correlate2d")
        assert test["extra_data"]["failed_cases"] == FLIPPED_FAILS
        assert "(case id correlate2d#1)" in test["output"] and WORKED_EXAMPLE in test["output"]
        assert result_for(doc, "convolve2d")["extra_data"]["failed_cases"] == []
    assert [t["output"] for t in first["tests"]] == [t["output"] for t in second["tests"]]
