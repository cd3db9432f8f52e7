"""What a student reads about a failing case: a stable id for every case (so that a regrade request can
name it), and one line of code that runs their function on the first failing case's exact inputs."""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import subprocess
import sys

import nbformat
import numpy as np
import pytest
from helpers import ROOT, grade_file, grade_in_process, result_for, with_answers
from nbgrader.preprocessors import ClearHiddenTests

import solutions
from autograder.engine import exercises, grade, judge, runner
from autograder.publishing.points import RUN_ON_SUBMISSION, RegistryPoints, generate_assignment_pipeline

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
    if exercise.driver == "call":  # the reference in the form the exercise states (e.g. the cache's)
        namespace[exercise.name] = exercise.reference
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


def test_the_short_verdict_comes_from_fields_and_says_what_the_feedback_says(tmp_path):
    """The CSV's verdict lines are built from a test's extra_data: they are the feedback's own first
    line, first failing case, diagnosis and failing cases, and do not change if the text does."""
    path = with_answers("01_convolution", {"correlate2d": FLIPPED}, tmp_path)
    test = result_for(grade_in_process(path), "correlate2d")
    lines = judge.verdict_lines(test["extra_data"])
    assert lines[0] == test["output"].splitlines()[0] == "correlate2d: 3/10 cases passed (1.2/4 points)."
    assert lines[1:3] == [
        'First failure, case "3x3 image, 2x2 kernel (the worked example)" (case id correlate2d#1):',
        "Diagnosis: kernel flipped.",
    ], lines
    assert lines[3].endswith(", ".join(FLIPPED_FAILS) + ".") and all(line in test["output"] for line in lines)
    kept = json.loads(json.dumps({**test, "output": ""}))  # as the gradebook keeps it, the text gone
    assert judge.verdict_lines(kept["extra_data"]) == lines


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


# -- every diagnosis belongs to its exercise ----------------------------------------------------------------

# Words of the course that name something an exercise may not have (no kernel in pad2d): the feedback on
# an exercise may use one only where the exercise's own text does (the exercise's section above its stub,
# the stub's docstring, its argument names).
TERMS = {
    "kernel": r"\bkernels?\b",
    "correlation": r"\bcorrelat",
    "convolution": r"\bconvol",
    "image": r"\bimages?\b",
    "stride": r"\bstrides?\b",
    "padding": r"\bpad",
    "dilation": r"\bdilat",
    "channel": r"\bchannels?\b",
    "window": r"\bwindows?\b",
    "gradient": r"\bgradients?\b",
    "weight": r"\bweights?\b",
    "bias": r"\bbias",
    "pooling": r"\bpool",
    "filter": r"\bfilters?\b",
    "batch": r"\bbatch",
    "position": r"\bpositions?\b",
    "tap": r"\btaps?\b",
    "cache": r"\bcache\b",
}


def _exercise_texts() -> dict[str, str]:
    """Each exercise's own text, from whichever chapter holds it: the markdown cells right above its
    solution cell, the stub's docstring and its argument names."""
    found = {}
    for path in sorted((ROOT / "chapters").glob("*/*.ipynb")):
        cells = nbformat.read(path, as_version=4).cells
        for index, cell in enumerate(cells):
            meta = cell.metadata.get("nbgrader", {})
            name = meta.get("grade_id")
            if name not in exercises.EXERCISES or not meta.get("solution"):
                continue
            above = []
            for previous in reversed(cells[:index]):
                if previous.cell_type != "markdown":
                    break
                above.append(previous.source)
            docstring = ast.get_docstring(ast.parse(cell.source).body[0])
            names = " ".join(exercises.exercise(name).arg_names).replace("_", " ")
            if "(N, " in docstring:  # an (N, C, H, W) array: N images, a batch
                names += " batch"
            found[name] = "\n".join([*above, docstring, names])
    for name, text in list(found.items()):  # an exercise built on another (a backward pass) shares its text
        found[name] = "\n".join([text, *(found[used] for used in exercises.exercise(name).uses)])
    return found


OWN_TEXT = _exercise_texts()


def foreign(name: str, text: str) -> list[str]:
    """The terms ``text`` uses that exercise ``name``'s own text does not."""
    own = OWN_TEXT[name]
    return [
        t
        for t, pattern in TERMS.items()
        if re.search(pattern, text, re.I) and not re.search(pattern, own, re.I)
    ]


def _wrong_kinds(value) -> dict[str, object]:
    """Generic wrong answers derived from a right one: wrong shape, off by one, transposed, wrong value."""
    if isinstance(value, bool):
        return {}
    if isinstance(value, int):
        return {"one too many": value + 1, "one too few": value - 1}
    if isinstance(value, float):
        return {"wrong value": value + 1.0}
    if isinstance(value, np.ndarray):
        kinds = {"wrong shape (flattened)": value.ravel(), "an extra axis": value[None]}
        if value.ndim >= 1 and value.shape[-1] > 1:
            kinds["one column short"] = value[..., :-1]
        if value.ndim >= 1:
            kinds["one column too many"] = np.concatenate([value, np.zeros_like(value[..., :1])], axis=-1)
        if value.ndim >= 2:
            if value.shape[-2] > 1:
                kinds["one row short"] = value[..., :-1, :]
                if value.shape[-1] > 1:
                    kinds["one row and one column short"] = value[..., :-1, :-1]
            kinds["one row too many"] = np.concatenate([value, np.zeros_like(value[..., :1, :])], axis=-2)
            kinds["transposed"] = np.swapaxes(value, -1, -2)
        return kinds
    if isinstance(value, tuple):
        kinds = {}
        for index, item in enumerate(value):
            if isinstance(item, tuple):
                continue  # e.g. the x_shape inside a cache: not a result of its own
            for kind, wrong in _wrong_kinds(item).items():
                kinds[f"item {index}, {kind}"] = value[:index] + (wrong,) + value[index + 1 :]
        return kinds
    return {}


def _record(exercise, value) -> dict:
    """What the runner sends back for a student whose function returned ``value`` (no numerical
    gradient: the generic kinds are not about one)."""
    if exercise.gradient is not None:
        value = (value, None)
    return {"ok": value, "mutated": False}


def _reference_or_none(exercise, case):
    try:
        return exercise.reference(*case.args)
    except ValueError:
        return None


def _generic_answers():
    for ex in exercises.EXERCISES.values():
        for i, case in enumerate(ex.cases()):
            right = _reference_or_none(ex, case)
            for kind, wrong in _wrong_kinds(right).items():
                yield ex, case, f"{ex.case_id(i)} {kind}", wrong


@pytest.mark.parametrize("name", sorted(exercises.EXERCISES))
def test_generic_wrong_answers_get_feedback_in_the_exercises_own_terms(name):
    """Held out from the mistakes each exercise declares: for every case, answers wrong in a generic way
    (a wrong shape, one row or column short or too many, transposed, a count off by one) are explained
    with nothing foreign to the exercise (no kernel in pad2d's feedback)."""
    exercise = exercises.exercise(name)
    seen, problems = 0, []
    for ex, case, label, wrong in _generic_answers():
        if ex is not exercise:
            continue
        failure = judge.judge_case(ex, case, _record(ex, wrong))
        if failure is None:
            continue
        seen += 1
        text = failure.problem
        if failure.mistake is not None:
            text += f"\n{failure.mistake.name}\n{failure.mistake.hint}"
        if terms := foreign(name, text):
            problems.append(f"{label}: {terms} in\n{text}")
    assert seen, "no generic wrong answer failed: the kinds above do not fit this exercise's results"
    assert not problems, "\n\n".join(problems[:3])


@pytest.mark.parametrize("name", sorted(exercises.EXERCISES))
def test_declared_diagnoses_speak_the_exercises_terms(name):
    """Every mistake an exercise declares, and its rule for the result's shape, checked against its
    docstring."""
    exercise = exercises.exercise(name)
    texts = [exercise.shape_rule, *(f"{m.name}\n{m.hint}" for m in exercise.mistakes)]
    problems = [f"{terms}: {text}" for text in texts if (terms := foreign(name, text))]
    assert not problems, "\n".join(problems)


def test_every_exercise_with_an_array_result_states_its_shape_rule():
    for exercise in exercises.EXERCISES.values():
        results = [_reference_or_none(exercise, c) for c in exercise.cases()]
        if exercise.project is not None:
            results = [exercise.project(r) for r in results if r is not None]
        arrays = any(
            isinstance(r, np.ndarray) or (isinstance(r, tuple) and any(isinstance(v, np.ndarray) for v in r))
            for r in results
        )
        assert bool(exercise.shape_rule) == arrays, exercise.name


def test_pad2d_on_one_side_is_told_which_side_is_missing_in_its_own_terms():
    """Top and left only: a (3, 4) image padded by 1 comes back (4, 5) instead of (5, 6)."""

    def one_sided(image, padding, mode="zeros"):
        top, _, left, _ = (padding,) * 4 if isinstance(padding, int) else padding
        return solutions.pad2d(image, (top, 0, left, 0), mode)

    result = judged("pad2d", one_sided)
    failure = result.failure
    assert failure.case_id == "pad2d#1" and failure.problem == "Wrong shape: expected (5, 6), got (4, 5)."
    assert failure.mistake.name == "padding added on one side of each axis only"
    assert "one side of each axis is missing" in failure.mistake.hint
    assert "kernel" not in result.feedback() and "correlation" not in result.feedback()


# A result one row short, in each exercise's terms: what the explanation of its size must say.
ONE_ROW_SHORT = {
    "correlate2d": "(H - kh + 1) x (W - kw + 1) positions",
    "convolve2d_full": "The full convolution grows",
    "translate": "the shape of the input",
    "pad2d": "top + H + bottom rows",
    "tile_weights": "(Ho, Wo, F, C, kh, kw)",
    "conv1x1": "keeps the height and width",
    "dilate_kernel": "d(kh - 1) + 1 rows",
    "maxpool2d_backward": "dx has the shape of x",
    "conv2d_backward": "dx has the shape of x",
    "conv_transpose2d": "The output grows",
}


@pytest.mark.parametrize("name", sorted(ONE_ROW_SHORT))
def test_a_result_one_row_short_is_explained_by_the_exercises_own_size_rule(name):
    exercise = exercises.exercise(name)
    case = next(c for c in exercise.cases() if _reference_or_none(exercise, c) is not None)
    right = exercise.reference(*case.args)
    wrong = (right[0][..., :-1, :], *right[1:]) if isinstance(right, tuple) else right[..., :-1, :]
    failure = judge.judge_case(exercise, case, _record(exercise, wrong))
    assert failure.mistake.name == "off-by-one output size"
    assert ONE_ROW_SHORT[name] in failure.mistake.hint
    if name != "correlate2d":
        assert "valid correlation" not in failure.mistake.hint


# -- no noise -----------------------------------------------------------------------------------------------


def test_a_wrong_count_says_expected_and_got_once():
    """The problem sentence gives both numbers: no "expected:" and "got:" lines repeating them."""
    result = judged("conv_macs", lambda *args: solutions.conv_macs(*args) + 1)
    text = result.feedback()
    case = result.failure.case
    right = solutions.conv_macs(*case.args)
    assert f"Expected {right}, got {right + 1}." in text
    assert text.count(f"got {right + 1}") == 1 and text.count(f"Expected {right}") == 1, text
    assert "expected:" not in text and "got:" not in text


def test_a_wrong_part_of_a_tuple_result_shows_that_part():
    """The forward pass keeps the last maximum on ties: the feedback names the cache's argmax and shows
    the expected and the returned argmax, not "tuple of 2 items"."""
    exercise = exercises.exercise("maxpool2d_forward")
    model = exercise.reference

    def last_on_ties(x, kernel_size, stride=None):
        out, (x_shape, argmax) = model(x, kernel_size, stride)
        flips = np.array(argmax)
        # the tied all-equal input: the last cell of each window instead of the first
        return out, (x_shape, flips if np.ptp(np.asarray(x)) else flips + 1)

    result = judged("maxpool2d_forward", last_on_ties)
    text = result.feedback()
    assert "the cache's argmax: Wrong values" in text
    assert "expected: array of shape (1, 1, 2, 2, 2)" in text and "got:      array of shape" in text
    assert "tuple of 2 items" not in text


def test_a_notebook_that_cannot_be_read_never_shows_zero_of_zero_cases(tmp_path):
    path = tmp_path / "07_pooling.ipynb"
    path.write_text("")
    doc = grade.not_gradable(path, "Could not grade 07_pooling.ipynb: it is empty.")
    for test in doc["tests"]:
        assert "(0/0 cases)" not in test["name"], test["name"]
        exercise = exercises.exercise(test["extra_data"]["exercise"])
        assert test["name"] == f"{exercise.name} (0/{len(exercise.cases())} cases)"
        assert "it is empty" in test["output"] and test["score"] == 0


def _student_view(cell_source: str, meta: dict) -> str:
    """A graded cell as generate_assignment leaves it in the student's notebook: the course's pipeline
    from the removal of hidden tests on."""
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(cell_source, metadata={"nbgrader": dict(meta)})
    nb.cells.append(cell)
    pipeline = generate_assignment_pipeline()
    for step in [RegistryPoints, *pipeline[pipeline.index(ClearHiddenTests) :]]:  # points first
        nb, _ = step().preprocess(nb, {})
    return nb.cells[0].source


def test_graded_cells_print_nothing_in_the_students_notebook():
    """Run as a student runs them (IPython shows the value of a cell's last expression), the graded cells
    of the released notebooks show nothing: today's docstring would print itself."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    seen = 0
    for path in sorted((ROOT / "chapters").glob("*/*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if not (meta.get("grade") and not meta.get("solution")):
                continue
            seen += 1
            source = _student_view(cell.source, meta)
            assert "check(" not in source and "### BEGIN" not in source
            assert shell.run_cell(source, store_history=False).result is None, source
            assert source.splitlines()[-1] == RUN_ON_SUBMISSION
    assert seen == len(exercises.EXERCISES)


def test_a_backward_failure_caused_by_the_forward_cache_names_the_forward_pass():
    """A right backward pass fed the cache of a forward pass that keeps the last maximum on ties."""
    forward, backward = exercises.exercise("maxpool2d_forward"), exercises.exercise("maxpool2d_backward")
    last = next(m for m in forward.mistakes if m.name == "last maximum taken on ties").wrong

    def last_on_ties(x, kernel_size, stride=None):
        out, argmax = last(x, kernel_size, stride)
        return out, (np.shape(x), argmax)

    def routed(dout, cache):  # the model's loop: each dout to the position the cache records
        x_shape, argmax = cache
        dx = np.zeros(x_shape)
        for n, c, i, j in np.ndindex(np.shape(dout)):
            dx[(n, c, *argmax[n, c, i, j])] += dout[n, c, i, j]
        return dx

    funcs = {"maxpool2d_forward": last_on_ties, "maxpool2d_backward": routed}
    cases = backward.cases()
    records, _ = runner.run_exercise(funcs, backward.name, backward.driver, [c.args for c in cases])
    result = judge.judge_exercise(backward, cases, runner.normalise(records))
    assert "ties" in result.failure.case.label
    assert result.failure.mistake.name == "last maximum taken on ties"
    assert "Fix maxpool2d_forward" in result.feedback()
