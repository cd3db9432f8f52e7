"""Every branch of the judge, on records as the runner would send them."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.engine import judge
from autograder.engine.exercise import Case, Exercise


def reference(x):
    if x < 0:
        raise ValueError("x must be non-negative")
    return np.arange(float(x))


def count(x):
    if x < 0:
        raise ValueError("x must be non-negative")
    return int(x)


ARRAY = Exercise(
    "arange", 1.0, lambda rng: [Case("three", (3,)), Case("negative", (-1,), invalid=True)], reference
)
COUNT = Exercise("count", 1.0, lambda rng: [Case("three", (3,))], count)


def verdict(exercise, args, record, invalid=False):
    return judge.judge_case(exercise, Case("case", args, invalid), {"mutated": False, **record})


def test_right_values_pass_whatever_their_integer_or_float_dtype():
    assert verdict(ARRAY, (3,), {"ok": np.arange(3.0)}) is None
    assert verdict(ARRAY, (3,), {"ok": np.arange(3)}) is None  # exact integers: values, not dtype


def test_wrong_kind_of_result():
    failure = verdict(ARRAY, (3,), {"ok": [0.0, 1.0, 2.0]})
    assert "Expected a numpy array, got" in failure.problem
    assert "did you forget to return" in verdict(ARRAY, (3,), {"ok": None}).problem


def test_nan_where_a_number_is_expected():
    failure = verdict(ARRAY, (3,), {"ok": np.array([0.0, np.nan, 2.0])})
    assert "NaN or infinite" in failure.problem


def test_shape_mismatch_names_both_shapes_and_off_by_one():
    failure = verdict(ARRAY, (3,), {"ok": np.arange(4.0)})
    assert "expected (3,), got (4,)" in failure.problem and failure.mistake is judge.OFF_BY_ONE


def test_wrong_values_name_the_worst_index_and_truncation():
    failure = verdict(ARRAY, (3,), {"ok": np.array([0.0, 1.0, 5.0])})
    assert "largest difference at index (2,)" in failure.problem and failure.expected is not None


def test_float_for_int_is_named():
    failure = verdict(COUNT, (3,), {"ok": 3.0})
    assert failure.mistake is judge.FLOAT_FOR_INT


def test_raised_when_a_result_was_expected_and_vice_versa():
    raised = verdict(ARRAY, (3,), {"raised": ["IndexError", "index 3 is out of bounds"]})
    assert "raised IndexError: index 3 is out of bounds (expected a result)" in raised.problem
    assert verdict(ARRAY, (-1,), {"raised": ["ValueError", "bad x"]}, invalid=True) is None
    wrong_error = verdict(ARRAY, (-1,), {"raised": ["TypeError", "bad x"]}, invalid=True)
    assert "expected ValueError (x must be non-negative)" in wrong_error.problem
    silent = verdict(ARRAY, (-1,), {"ok": np.arange(0.0)}, invalid=True)
    assert silent.mistake is judge.NO_ERROR


def test_per_exercise_deadline_and_stubs_are_explained():
    timeout = verdict(ARRAY, (3,), {"raised": ["TimeoutError", "time limit reached before this case"]})
    assert "TimeoutError" in timeout.problem
    stub = verdict(ARRAY, (3,), {"raised": ["NotImplementedError", ""]})
    assert "Not implemented yet" in stub.problem


def test_modified_input_is_named():
    failure = judge.judge_case(ARRAY, Case("case", (3,)), {"ok": np.arange(3.0), "mutated": True})
    assert failure.mistake is judge.MODIFIED_INPUT


@pytest.mark.parametrize(
    "records",
    [None, "not a list", [{"ok": 1}], [{"ok": 1, "raised": ["A", "b"], "mutated": False}] * 2],
)
def test_malformed_or_missing_records_score_zero_with_a_reason(records):
    result = judge.judge_exercise(ARRAY, ARRAY.cases(), records)
    assert result.score == 0 and result.problem


def test_partial_credit_in_proportion_and_the_first_failure_explained():
    records = [{"ok": np.arange(3.0), "mutated": False}, {"ok": np.arange(0.0), "mutated": False}]
    result = judge.judge_exercise(ARRAY, ARRAY.cases(), records)
    assert (result.passed, result.total, result.score) == (1, 2, 0.5)
    assert 'First failure, case "negative"' in result.feedback()
