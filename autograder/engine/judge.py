"""Compare a student's outputs with the reference, diagnose known mistakes, and score.

The judge only ever sees plain data (numbers, tuples, plain ndarrays) produced by
:mod:`autograder.runner`; nothing a student defines runs here. Checks go type, then shape, then
values, and the first failing case is explained: its input, expected vs got, when the wrong output
matches a known mistake that mistake's name and a hint, and a line of code that calls the student's
function on that case's inputs. Every case has an id (``correlate2d#7``, see
:meth:`autograder.engine.exercise.Exercise.case_id`) that the feedback shows for each failing case, so
that a student or a regrade request can name it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from autograder.engine.exercise import Case, Exercise, Mistake
from autograder.engine.runner import NOT_IMPLEMENTED, Unsupported
from autograder.errors import WrongKind

# Mistakes any array exercise can make; exercise-specific ones are tried first.
TRANSPOSED = Mistake(
    "transposed output",
    "Rows and columns are swapped: the height runs along the second-to-last axis of the result (i in "
    "out[..., i, j]) and the width along the last (j).",
    lambda *args: None,
)
INTEGER_TRUNCATION = Mistake(
    "integer truncation",
    "Your result was computed in integers, so fractions were cut off. Build the result with a float "
    "dtype, e.g. np.zeros(shape, dtype=float), not np.zeros_like of an integer input.",
    lambda *args: None,
)
MODIFIED_INPUT = Mistake(
    "input modified in place",
    "Your function changed one of its input arrays. Work on a copy (x = x.copy()) or build a new "
    "array; the caller's data must stay as it was.",
    lambda *args: None,
)
# Said in the exercise's own terms where it declares a shape rule (Exercise.shape_rule): see _off_by_one.
OFF_BY_ONE = Mistake(
    "off-by-one output size",
    "Your result has one row or column too many or too few: count them by hand on the case above.",
    lambda *args: None,
)
NO_ERROR = Mistake(
    "no error for invalid input",
    "This input is invalid (see the exercise's docstring): check the arguments first and "
    "raise ValueError('...') with a message that names the bad argument.",
    lambda *args: None,
)
FLOAT_FOR_INT = Mistake(
    "float instead of int",
    "A count or size is a whole number: use integer arithmetic (// for floor division) and return an int.",
    lambda *args: None,
)

REPRODUCE = "To run your function on this case, paste this line into a cell of your notebook:"
FAILED_CASES = "Failing cases (name them in a regrade request):"
PRINTED_LINES = 10  # lines of a student's own prints shown in the feedback
DESCRIBED = 80  # characters of an unexpected value shown in a "wrong kind" message
GRADIENT_RTOL = 1e-4  # centred differences in float64 with a step of 1e-3 on a piecewise linear loss


def _gradient_mistakes(forward: str) -> tuple[Mistake, Mistake]:
    inconsistent = Mistake(
        "gradient disagrees with your own forward pass",
        f"Your gradient is not the numerical gradient of your {forward}: run the chapter's gradient "
        f"check on {forward} and your backward pass together, and check that the cache records what "
        "the forward pass really did.",
        lambda *args: None,
    )
    forward_wrong = Mistake(
        f"{forward} is wrong (your backward pass is its exact gradient)",
        f"Your backward pass agrees with the numerical gradient of your own {forward}, so the bug is "
        f"in {forward} (its output or the cache it returns): fix that exercise first.",
        lambda *args: None,
    )
    return inconsistent, forward_wrong


@dataclass
class CaseFailure:
    case: Case
    problem: str  # one sentence: what is wrong
    expected: object = None
    got: object = None
    mistake: Mistake | None = None
    case_id: str = ""  # set by judge_exercise, which knows the case's position
    reproduce: str = ""  # the call of the student's function on this case, as code
    stated: bool = False  # the problem sentence already gives expected and got (plain numbers)


@dataclass
class ExerciseResult:
    name: str
    max_points: float
    passed: int = 0
    total: int = 0
    failure: CaseFailure | None = None
    diagnoses: dict[str, int] = field(default_factory=dict)
    problem: str | None = None  # why the exercise could not be run at all
    output: str = ""
    arg_names: tuple = ()
    failed: list[str] = field(default_factory=list)  # the id of every failing case, in order

    @property
    def score(self) -> float:
        if not self.total:
            return 0.0
        return round(self.max_points * self.passed / self.total, 2)

    def headline(self) -> str:
        """The first line of the feedback: the score and why the exercise could not run, or how many
        of its cases passed."""
        points = f"{_num(self.score)}/{_num(self.max_points)} points"
        if self.problem:
            return f"{self.name}: 0/{_num(self.max_points)} points. {self.problem}"
        if self.failure is None:
            return f"{self.name}: all {self.total} cases passed ({points})."
        return f"{self.name}: {self.passed}/{self.total} cases passed ({points})."

    def feedback(self) -> str:
        """The text a student reads: score, first failure, diagnosis and hint. No hidden code."""
        lines = [self.headline()]
        if self.failure is not None and not self.problem:
            f = self.failure
            lines.append(first_failure_line(f.case.label, f.case_id))
            for arg_name, value in zip(_names(self.arg_names, f.case.args), f.case.args, strict=True):
                lines.append(_indent(f"{arg_name} = {describe(value)}"))
            lines.append(_indent(f.problem))
            if (f.expected is not None or f.got is not None) and not f.stated:
                lines.append(_indent(f"expected: {describe(f.expected)}"))
                lines.append(_indent(f"got:      {describe(f.got)}"))
            if f.reproduce:
                lines.append(f"{REPRODUCE}\n{f.reproduce}")
            if f.mistake is not None:
                lines.append(diagnosis_line(f.mistake.name))
                lines.append(f"Hint: {f.mistake.hint}")
            others = {k: v for k, v in self.diagnoses.items() if f.mistake is None or k != f.mistake.name}
            if others:
                lines.append(
                    "Also seen in other cases: " + ", ".join(f"{k} ({v}x)" for k, v in others.items())
                )
            if self.failed:
                lines.append(failed_cases_line(self.failed))
        if self.output.strip():
            lines.append("Your function printed (first lines):")
            lines.append(_indent("\n".join(self.output.strip().splitlines()[:PRINTED_LINES])))
        return "\n".join(lines)


def first_failure_line(label: str, case_id: str | None) -> str:
    named = f" (case id {case_id})" if case_id else ""
    return f'First failure, case "{label}"{named}:'


def diagnosis_line(mistake: str) -> str:
    return f"Diagnosis: {mistake}."


def failed_cases_line(case_ids: list[str]) -> str:
    return f"{FAILED_CASES} {', '.join(case_ids)}."


def verdict_lines(verdict: dict) -> list[str]:
    """The short form of an exercise's feedback, from its verdict (a graded test's ``extra_data``, see
    :func:`autograder.engine.grade.verdict`): its first line, and for a failing case its label and
    id, the mistake diagnosed and the ids of all failing cases. Read from the fields, never from the
    feedback text."""
    lines = [verdict["headline"]]
    first = verdict.get("first_failure")
    if first:
        lines.append(first_failure_line(first["label"], first["case_id"]))
        if verdict.get("mistake"):
            lines.append(diagnosis_line(verdict["mistake"]))
        if verdict.get("failed_cases"):
            lines.append(failed_cases_line(verdict["failed_cases"]))
    return lines


def _num(x: float) -> str:
    return f"{x:g}"


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def _names(arg_names, args):
    names = list(arg_names)[: len(args)]
    return names + [f"arg{i}" for i in range(len(names), len(args))]


def describe(value) -> str:
    """Short, readable rendering of a value for feedback."""
    if isinstance(value, np.ndarray):
        body = np.array2string(
            value, precision=4, threshold=64, edgeitems=3, suppress_small=True, max_line_width=100
        )
        head = f"array of shape {value.shape}, dtype {value.dtype}"
        return head + (":\n" + _indent(body) if value.size else "")
    if isinstance(value, Unsupported):
        return repr(value)
    if isinstance(value, tuple | list):
        return (
            f"{type(value).__name__} " + repr(value)
            if len(repr(value)) < 200
            else f"{type(value).__name__} of {len(value)} items"
        )
    if isinstance(value, np.generic):
        return f"{value!r} (numpy {type(value).__name__})"
    return repr(value)


# -- reproducing a case ---------------------------------------------------------------------------

SPELLED_OUT = 40  # an array of more numbers is written as one flat list and a reshape


def as_code(value) -> str:
    """Python source that evaluates (with numpy imported as ``np``) to exactly ``value``: the same
    types, shapes, dtypes and every bit of every float. Arrays show all their values, never a summary
    or the seed of a generator: a case's arrays are drawn one after another from one generator (and
    rounded), so only the whole case generator, grader code, could rebuild them from a seed.
    """
    if value is None or isinstance(value, bool | int | str):
        return repr(value)
    if isinstance(value, float):
        return _float_code(value)
    if isinstance(value, np.ndarray):
        return _array_code(value)
    if isinstance(value, np.bool_):
        return f"np.bool_({bool(value)})"
    if isinstance(value, np.integer):
        return f"np.{value.dtype.name}({int(value)})"
    if isinstance(value, np.floating):
        return f"np.{value.dtype.name}({_float_code(float(value))})"
    if isinstance(value, tuple):
        items = [as_code(v) for v in value]
        return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
    if isinstance(value, list):
        return f"[{', '.join(as_code(v) for v in value)}]"
    raise TypeError(f"no code can be written for a case argument of type {type(value).__name__}")


def _float_code(x: float) -> str:
    if np.isnan(x):
        return "np.nan"
    if np.isinf(x):
        return "np.inf" if x > 0 else "-np.inf"
    return repr(x)  # the shortest text that reads back as the same float


def _array_code(a: np.ndarray) -> str:
    if a.dtype.kind not in "biuf":
        raise TypeError(f"no code can be written for an array of dtype {a.dtype}")
    # numpy's default for a nested list of Python floats (ints, bools) is float64 (int64, bool)
    default = {"f": "float64", "i": "int64", "b": "bool", "u": None}[a.dtype.kind]
    dtype = "" if a.dtype.name == default else f", dtype=np.{a.dtype.name}"
    if a.size == 0:
        return f"np.zeros({as_code(a.shape)}{dtype})"
    if a.dtype.kind == "f":
        cast = _float_code
    elif a.dtype.kind == "b":
        cast = lambda v: repr(bool(v))  # noqa: E731
    else:
        cast = lambda v: repr(int(v))  # noqa: E731
    if a.size > SPELLED_OUT:
        flat = ", ".join(cast(v) for v in a.ravel().tolist())
        return f"np.array([{flat}]{dtype}).reshape{as_code(a.shape)}"
    return f"np.array({_nested(a, cast)}{dtype})"


def _nested(a: np.ndarray, cast) -> str:
    if a.ndim == 0:
        return cast(a.item())
    return "[" + ", ".join(_nested(row, cast) for row in a) + "]"


def reproduce(exercise: Exercise, case: Case) -> str:
    """One line of code that calls the student's function on ``case``'s inputs as the grader does."""
    return exercise.call([as_code(arg) for arg in case.args])


# -- comparison -----------------------------------------------------------------------------------


def _same(a, b, rtol, atol) -> bool:
    """Loose structural equality used to match a wrong output against a known mistake."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)) or a.shape != b.shape:
            return False
        if a.dtype.kind not in "biuf" or b.dtype.kind not in "biuf":
            return False
        scale = max(1.0, float(np.abs(a).max(initial=0)))
        return bool(np.allclose(a, b, rtol=rtol, atol=atol * scale))
    if isinstance(a, tuple | list) and isinstance(b, tuple | list):
        return len(a) == len(b) and all(_same(x, y, rtol, atol) for x, y in zip(a, b, strict=True))
    if isinstance(a, bool | np.bool_) or isinstance(b, bool | np.bool_):
        return type(a) is type(b) and a == b
    if isinstance(a, int | np.integer) and isinstance(b, int | np.integer):
        return int(a) == int(b)  # counts and sizes are exact
    if isinstance(a, int | float | np.number) and isinstance(b, int | float | np.number):
        return bool(np.isclose(float(a), float(b), rtol=rtol, atol=atol))
    return False


def _off_by_one(shape_rule: str) -> Mistake:
    """The off-by-one diagnosis in the exercise's own terms, where it states its shape rule."""
    if not shape_rule:
        return OFF_BY_ONE
    return Mistake(OFF_BY_ONE.name, f"{shape_rule} Count them by hand on the case above.", OFF_BY_ONE.wrong)


def _swapped(got: np.ndarray, expected: np.ndarray, rtol, atol) -> bool:
    """``got`` is ``expected`` with its last two axes (rows and columns) swapped."""
    return got.ndim >= 2 and expected.ndim >= 2 and _same(got, np.swapaxes(expected, -1, -2), rtol, atol)


def compare(
    expected, got, rtol: float, atol: float, *, shape_rule: str = "", parts: Sequence[str] = ()
) -> tuple[str | None, Mistake | None]:
    """Check type, then shape, then values. Returns (problem, generic mistake) or (None, None).

    ``shape_rule`` says, in the exercise's terms, how the result's shape follows from its arguments:
    a wrong shape is explained with it. ``parts`` names the items of a tuple result."""
    if isinstance(expected, np.ndarray):
        if not isinstance(got, np.ndarray):
            return f"Expected a numpy array, got {_type_name(got)}. Return a numpy array.", None
        if got.dtype.kind not in "biuf":  # values are judged, not dtypes: exact integers are right
            return f"Expected an array of real numbers, got dtype {got.dtype}.", None
        if got.shape != expected.shape:
            problem = f"Wrong shape: expected {expected.shape}, got {got.shape}."
            if _swapped(got, expected, rtol, atol):
                return problem, TRANSPOSED
            if got.ndim == expected.ndim and all(
                abs(a - b) <= 1 for a, b in zip(got.shape, expected.shape, strict=True)
            ):
                return problem, _off_by_one(shape_rule)
            return (f"{problem} {shape_rule}" if shape_rule else problem), None
        if not np.array_equal(np.isfinite(got), np.isfinite(expected)):
            return "Your result has NaN or infinite entries where the expected one has finite values.", None
        if _same(got, expected, rtol, atol):
            return None, None
        worst = np.unravel_index(np.argmax(np.abs(got - expected)), got.shape) if got.size else ()
        problem = f"Wrong values (largest difference at index {tuple(int(i) for i in worst)})."
        if _swapped(got, expected, rtol, atol):
            return problem, TRANSPOSED
        if _same(got, np.trunc(expected), rtol, atol) or _same(got, np.floor(expected), rtol, atol):
            return problem, INTEGER_TRUNCATION
        return problem, None
    if isinstance(expected, tuple):
        if not isinstance(got, tuple | list) or len(got) != len(expected):
            return f"Expected a tuple of {len(expected)} items, got {_type_name(got)}.", None
        for index, (e, g) in enumerate(zip(expected, got, strict=True)):
            problem, mistake = compare(e, g, rtol, atol, shape_rule=shape_rule)
            if problem:
                part = parts[index] if index < len(parts) else f"Item {index} of the tuple"
                return f"{part}: {problem}", mistake
        return None, None
    if isinstance(expected, bool):
        if not isinstance(got, bool | np.bool_):
            return f"Expected True or False, got {_type_name(got)}.", None
        return (None, None) if bool(got) == expected else (f"Expected {expected}, got {got}.", None)
    if isinstance(expected, int):
        if isinstance(got, bool | np.bool_) or not isinstance(got, int | np.integer):
            if isinstance(got, float | np.floating) and float(got) == expected:
                return f"Expected an int, got the float {got!r}.", FLOAT_FOR_INT
            return f"Expected an int, got {_type_name(got)}.", None
        return (None, None) if int(got) == expected else (f"Expected {expected}, got {int(got)}.", None)
    if isinstance(expected, float):
        if isinstance(got, bool | np.bool_) or not isinstance(got, int | float | np.number):
            return f"Expected a number, got {_type_name(got)}.", None
        return (
            (None, None)
            if _same(float(got), expected, rtol, atol)
            else (f"Expected {expected}, got {got}.", None)
        )
    raise TypeError(f"the judge cannot compare a reference value of type {type(expected).__name__}")


def _type_name(value) -> str:
    if isinstance(value, Unsupported):
        return value.description
    if value is None:
        return "None (did you forget to return?)"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return f"a {type(value).__name__} ({describe(value)[:DESCRIBED]})"


def _expected(exercise: Exercise, case: Case):
    """(the reference's value, None), or for an invalid case (None, the reference's ValueError message).
    A reference that disagrees with the case table is a fault of the grader: it raises."""
    if not case.invalid:
        return exercise.reference(*case.args), None
    try:
        exercise.reference(*case.args)
    except ValueError as exc:
        return None, str(exc)
    raise RuntimeError(f"{exercise.name}: the reference accepts the invalid case {case.label!r}")


def _diagnose(exercise: Exercise, case: Case, got) -> Mistake | None:
    for mistake in exercise.mistakes:
        try:
            wrong = mistake.wrong(*case.args)
        except (ValueError, TypeError, IndexError, ZeroDivisionError):  # does not apply to this input
            continue
        if _matches(got, wrong, exercise.rtol, exercise.atol):
            return mistake
    return None


def _matches(got, wrong, rtol, atol) -> bool:
    """``got`` is what a known mistake returns; a None item of a tuple ``wrong`` matches anything (the
    mistake says nothing about that part, e.g. the cache of a forward pass that pools the minimum)."""
    if isinstance(wrong, tuple) and isinstance(got, tuple | list) and len(got) == len(wrong):
        return all(w is None or _same(g, w, rtol, atol) for g, w in zip(got, wrong, strict=True))
    return _same(got, wrong, rtol, atol)


def judge_case(exercise: Exercise, case: Case, record: dict) -> CaseFailure | None:
    """Verdict on one case: None if it passed, else what went wrong."""
    expected, error = _expected(exercise, case)
    if record.get("mutated"):
        return CaseFailure(
            case, "An input array was different after your function returned.", mistake=MODIFIED_INPUT
        )
    if "raised" in record:
        kind, message = record["raised"]
        if error is not None and kind == "ValueError":
            return None
        if kind == "NotImplementedError":
            stub = next((u for u in exercise.uses if message == f"{u}{NOT_IMPLEMENTED}"), None)
            if stub:  # e.g. a backward pass, graded with the cache of the student's forward pass
                return CaseFailure(
                    case,
                    f"Not implemented yet: your {stub}, which this exercise is checked with (implement it "
                    f"first: its `raise NotImplementedError` line is still there).",
                )
            return CaseFailure(
                case, "Not implemented yet: replace the `raise NotImplementedError` line with your code."
            )
        wanted = f"expected ValueError ({error})" if error is not None else "expected a result"
        return CaseFailure(case, f"Your function raised {kind}: {message} ({wanted}).")
    got = record["ok"]
    numeric = None
    if exercise.gradient is not None:
        try:
            got, numeric = exercise.gradient(case, got)
        except WrongKind as exc:  # only this is the student's: anything else is a fault of the grader
            return CaseFailure(case, f"Wrong kind of result: {exc}", got=got)
    if error is not None:
        return CaseFailure(
            case,
            f"Expected a ValueError ({error}), but your function returned a value.",
            got=got,
            mistake=NO_ERROR,
        )
    if exercise.project is not None:
        expected = exercise.project(expected)
        try:
            got = exercise.project(got)
        except WrongKind as exc:  # only this is the student's: anything else is a fault of the grader
            return CaseFailure(case, f"Wrong kind of result: {exc}", got=got)
    problem, generic = compare(
        expected, got, exercise.rtol, exercise.atol, shape_rule=exercise.shape_rule, parts=exercise.parts
    )
    consistent = None if numeric is None else _same(got, numeric, GRADIENT_RTOL, GRADIENT_RTOL)
    if problem is None:
        if consistent is False:
            inconsistent, _ = _gradient_mistakes(exercise.uses[0])
            return CaseFailure(
                case,
                "Your gradient matches the expected one, but not the numerical gradient of your own "
                f"{exercise.uses[0]} (shown as expected).",
                expected=numeric,
                got=got,
                mistake=inconsistent,
            )
        return None
    mistake = _diagnose(exercise, case, got) or generic
    if mistake is None and consistent is not None:
        inconsistent, forward_wrong = _gradient_mistakes(exercise.uses[0])
        mistake = forward_wrong if consistent else inconsistent
    shown_expected, shown_got = _failing_part(expected, got, exercise)
    return CaseFailure(
        case,
        problem,
        expected=shown_expected,
        got=shown_got,
        mistake=mistake,
        stated=_plain(shown_expected) and _plain(shown_got),
    )


def _plain(value) -> bool:
    """A number, bool or None: what a problem sentence of :func:`compare` already spells out."""
    return value is None or isinstance(value, bool | int | float | np.number | np.bool_)


def _failing_part(expected, got, exercise: Exercise):
    """The item of a tuple result that is wrong (the first), shown in place of the whole tuples."""
    if isinstance(expected, tuple) and isinstance(got, tuple | list) and len(got) == len(expected):
        for e, g in zip(expected, got, strict=True):
            if compare(e, g, exercise.rtol, exercise.atol)[0]:
                return e, g
    return expected, got


def _well_formed(records, count: int) -> bool:
    """Records come from untrusted code: check their shape before reading them."""
    if not isinstance(records, list) or len(records) != count:
        return False
    for record in records:
        if not isinstance(record, dict) or not isinstance(record.get("mutated"), bool):
            return False
        raised = record.get("raised")
        if ("ok" in record) == (raised is not None):
            return False
        if raised is not None and not (
            isinstance(raised, list | tuple) and len(raised) == 2 and all(isinstance(x, str) for x in raised)
        ):
            return False
    return True


def judge_exercise(
    exercise: Exercise,
    cases: list[Case],
    records: list[dict] | None,
    *,
    output: str = "",
    problem: str | None = None,
) -> ExerciseResult:
    """Score one exercise from the records the runner produced (None: it produced nothing).

    Without ``cases`` (a submission that could not be read at all), every case of the exercise counts
    as not passed: its score line says 0 of them passed, and ``problem`` says why."""
    if not cases and records is None:
        cases = exercise.cases()
    result = ExerciseResult(
        exercise.name, exercise.points, total=len(cases), output=output, arg_names=tuple(exercise.arg_names)
    )
    if records is None or problem:
        result.problem = problem or "Your function produced no result (it crashed or was stopped)."
        return result
    if not _well_formed(records, len(cases)):
        result.problem = (
            "The grading process sent back malformed results (did the submission tamper with it?)."
        )
        return result
    for index, (case, record) in enumerate(zip(cases, records, strict=True)):
        failure = judge_case(exercise, case, record)
        if failure is None:
            result.passed += 1
            continue
        failure.case_id = exercise.case_id(index)
        result.failed.append(failure.case_id)
        if failure.mistake is not None:
            result.diagnoses[failure.mistake.name] = result.diagnoses.get(failure.mistake.name, 0) + 1
        if result.failure is None:
            failure.reproduce = reproduce(exercise, case)
            result.failure = failure
    return result
