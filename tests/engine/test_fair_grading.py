"""Fair grading: a student loses points only for what an exercise states, every failure is explained,
and the grader's own failures are never recorded as the student's."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import nbformat
import pytest
from helpers import ROOT, grade_file, make_class, result_for, solution_cell, source_notebook, with_answers

from autograder.classroom import batch, gradebook
from autograder.engine import exercises, grade, sandbox

CHAPTER = "01_convolution"
HONEST = 10  # chapter 01's points: 4 + 3 + 3


def grade_cli(path, out, *extra, env=None):
    return subprocess.run(
        [sys.executable, "-m", "autograder", "grade", str(path), "--results", str(out), *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


# -- values, not dtypes --------------------------------------------------------------------------------


def test_an_exact_integer_array_keeps_full_marks(tmp_path):
    tiled = (
        "def tile_weights(weight, out_hw):\n"
        "    Ho, Wo = (out_hw, out_hw) if isinstance(out_hw, int) else out_hw\n"
        "    if np.ndim(weight) != 4:\n"
        "        raise ValueError('weight must be 4-D')\n"
        "    if Ho < 1 or Wo < 1:\n"
        "        raise ValueError('out_hw must be positive')\n"
        "    return np.broadcast_to(weight, (Ho, Wo, *np.shape(weight))).copy()\n"
    )
    doc = grade_file(with_answers("04_channels", {"tile_weights": tiled}, tmp_path))
    result = result_for(doc, "tile_weights")
    assert result["score"] == result["max_score"], result["output"]


# -- a cell that does not run -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "error", "line"),
    [
        ("def correlate2d(image, kernel):\n    for i in range(3)\n        pass\n", "SyntaxError", 2),
        ("def correlate2d(image, kernel):\n  x = 1\n    return x\n", "IndentationError", 3),
        (
            "helper = undefined_name + 1\ndef correlate2d(image, kernel):\n    return 1\n",
            "NameError",
            1,
        ),
        (
            "from numpy import no_such_function\ndef correlate2d(image, kernel):\n    return 1\n",
            "ImportError",
            1,
        ),
    ],
)
def test_a_cell_that_does_not_run_is_named_with_its_error_and_line(tmp_path, code, error, line):
    doc = grade_file(with_answers(CHAPTER, {"correlate2d": code}, tmp_path))
    feedback = result_for(doc, "correlate2d")["output"]
    assert "The cell that defines correlate2d did not run" in feedback, feedback
    assert f"{error}: " in feedback and f"line {line} of notebook cell" in feedback, feedback
    assert "No function named" not in feedback
    assert result_for(doc, "convolve2d")["score"] == result_for(doc, "convolve2d")["max_score"]


def test_a_cell_that_does_not_run_is_named_in_the_class_csv_and_html(tmp_path):
    broken = "def correlate2d(image, kernel):\n    for i in range(3)\n        pass\n"
    with_answers(CHAPTER, {"correlate2d": broken}, tmp_path / "submitted" / "ada" / CHAPTER)
    summary = batch.main(tmp_path / "submitted", progress=False)
    with summary.csv.open() as f:
        (row,) = csv.DictReader(f)
    assert (
        "correlate2d: 0/4 points. The cell that defines correlate2d did not run: SyntaxError"
        in row["feedback"]
    )
    page = (tmp_path / "feedback" / "ada" / CHAPTER / f"{CHAPTER}.html").read_text()
    assert "did not run: SyntaxError" in page and "line 2 of notebook cell" in page


def test_the_runner_stopping_is_explained_to_both(tmp_path):
    stop = "import os\nos._exit(3)\ndef correlate2d(image, kernel):\n    return 1\n"
    doc = grade_file(with_answers(CHAPTER, {"correlate2d": stop}, tmp_path))
    assert "exited with status 3" in doc["output"], doc["output"]
    assert all(grade.RUNNER_STOPPED in t["output"] for t in doc["tests"])


# -- a sandbox that cannot start ------------------------------------------------------------------------

FAILING_BWRAP = "#!/bin/sh\necho 'bwrap: setting up uid map: Permission denied' >&2\nexit 1\n"


@pytest.fixture
def failing_bwrap(tmp_path, monkeypatch):
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "bwrap").write_text(FAILING_BWRAP)
    (folder / "bwrap").chmod(0o755)
    env = {**os.environ, "PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}
    monkeypatch.setenv("PATH", env["PATH"])
    return env


@pytest.fixture
def no_bwrap(tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    return {**os.environ, "PATH": str(empty)}


@pytest.mark.parametrize("setup", ["failing_bwrap", "no_bwrap"])
def test_one_notebook_stops_with_the_reason_and_writes_nothing(tmp_path, setup, request):
    env = request.getfixturevalue(setup)
    out = tmp_path / "results.json"
    proc = grade_cli(source_notebook(CHAPTER), out, env=env)
    assert proc.returncode == 2 and not out.exists(), proc.stdout
    words = "Permission denied" if setup == "failing_bwrap" else "not installed"
    assert words in proc.stderr and "Fix:" in proc.stderr and "apt-get install bubblewrap" in proc.stderr


def test_process_isolation_is_an_explicit_choice_stated_in_the_results(tmp_path, no_bwrap):
    out = tmp_path / "results.json"
    proc = grade_cli(source_notebook(CHAPTER), out, "--isolation", "process", env=no_bwrap)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text())
    assert doc["score"] == HONEST and "process isolation, chosen by the instructor" in doc["output"]


@pytest.mark.parametrize("setup", ["failing_bwrap", "no_bwrap"])
def test_a_class_is_not_graded_when_the_sandbox_cannot_start(tmp_path, setup, request):
    request.getfixturevalue(setup)
    make_class(tmp_path / "submitted", 2)
    with pytest.raises(sandbox.SandboxUnavailable, match="nothing was graded|not installed"):
        batch.main(tmp_path / "submitted", progress=False)
    assert not (tmp_path / "gradebook.db").exists(), "a failed start recorded something"


# -- what decides a grade decides when to regrade ----------------------------------------------------------


def test_the_resume_key_covers_the_reference(tmp_path, monkeypatch):
    notebook = source_notebook(CHAPTER)
    copy = tmp_path / "solutions"
    copy.mkdir()
    (copy / "correlation.py").write_text("def correlate2d(): pass\n")
    monkeypatch.setattr(gradebook, "SOLUTIONS", copy)
    gradebook.grader_digest.cache_clear()
    before = gradebook.digest(notebook)
    (copy / "correlation.py").write_text("def correlate2d(): return 1  # a fixed bug\n")
    gradebook.grader_digest.cache_clear()
    try:
        assert gradebook.digest(notebook) != before
    finally:
        gradebook.grader_digest.cache_clear()


def test_regrade_grades_everyone_or_one_student_again(tmp_path):
    make_class(tmp_path / "submitted", 2)
    first = batch.main(tmp_path / "submitted", progress=False)
    assert not first.failed and len(first.graded) == 2, first.failed
    assert len(batch.main(tmp_path / "submitted", progress=False).graded) == 0
    again = batch.main(tmp_path / "submitted", progress=False, regrade="*")
    assert len(again.graded) == 2
    one = batch.main(tmp_path / "submitted", progress=False, regrade="student001")
    assert [i.student for i in one.graded] == ["student001"]


# -- the student's environment is the one the course promises ---------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "import scipy.signal\ndef correlate2d(image, kernel):\n"
        "    return scipy.signal.correlate2d(image, kernel, mode='valid')\n",
        "def correlate2d(image, kernel):\n    import importlib\n"
        "    return importlib.import_module('scipy.signal').correlate2d(image, kernel, mode='valid')\n",
    ],
)
def test_other_packages_are_refused_by_name_and_cost_only_their_exercise(tmp_path, code):
    doc = grade_file(with_answers(CHAPTER, {"correlate2d": code}, tmp_path))
    attacked = result_for(doc, "correlate2d")
    assert attacked["score"] == 0
    assert "scipy is not available in this course's grader: implement it with numpy" in attacked["output"]
    for name in ("convolve2d", "convolve2d_full"):
        assert result_for(doc, name)["score"] == result_for(doc, name)["max_score"]


def test_the_notebook_check_reports_a_refused_package():
    import scipy.signal

    from autograder.engine import check

    def correlate2d(image, kernel):
        return scipy.signal.correlate2d(image, kernel, mode="valid")

    result = check.run("correlate2d", correlate2d)
    assert result.score == 0 and "scipy is not available" in result.feedback()


def test_allowed_packages_import_in_a_solution_cell(tmp_path):
    nb = nbformat.read(source_notebook(CHAPTER), as_version=4)
    cell = solution_cell(nb, "correlate2d")
    cell.source = "import matplotlib.pyplot as plt\nimport math, numpy\n" + cell.source
    path = tmp_path / f"{CHAPTER}.ipynb"
    nbformat.write(nb, path)
    assert grade_file(path)["score"] == HONEST


HELPER = (
    "def window_sum(image, kernel, i, j):\n    kh, kw = kernel.shape\n"
    "    return float(np.sum(image[i:i + kh, j:j + kw] * kernel))\nSCALE = np.float64(1.0)\n"
)
USES_HELPER = (
    "def correlate2d(image, kernel):\n"
    "    image, kernel = np.asarray(image, float), np.asarray(kernel, float)\n"
    "    if image.ndim != 2 or kernel.ndim != 2:\n"
    "        raise ValueError('image and kernel must be 2-D')\n"
    "    H, W = image.shape\n    kh, kw = kernel.shape\n"
    "    if kh > H or kw > W:\n        raise ValueError('kernel larger than image')\n"
    "    out = np.zeros((H - kh + 1, W - kw + 1))\n"
    "    for i in range(out.shape[0]):\n        for j in range(out.shape[1]):\n"
    "            out[i, j] = SCALE * window_sum(image, kernel, i, j)\n"
    "    return out\n"
)
SCRATCH = [
    "while True:\n    pass\n",
    "name = input('your name? ')\n",
    "import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()\n",
    "assert 1 == 2, 'my own check failed'\n",
]


def notebook_with_student_cells(tmp_path) -> os.PathLike:
    nb = nbformat.read(source_notebook(CHAPTER), as_version=4)
    target = solution_cell(nb, "correlate2d")
    target.source = USES_HELPER
    at = nb.cells.index(target)
    own = [nbformat.v4.new_code_cell(HELPER)] + [nbformat.v4.new_code_cell(s) for s in SCRATCH]
    nb.cells[at:at] = own
    path = tmp_path / f"{CHAPTER}.ipynb"
    nbformat.write(nb, path)
    return path


def test_helpers_in_the_students_own_cells_are_there_and_scratch_cells_cost_nothing(tmp_path):
    doc = grade_file(notebook_with_student_cells(tmp_path))
    assert doc["score"] == HONEST, [t["output"] for t in doc["tests"]]
    assert doc["execution_time"] < 30, "the infinite loop must not be run"


def test_a_colab_copy_without_metadata_is_recognised_by_its_functions(tmp_path):
    nb = nbformat.read(source_notebook(CHAPTER), as_version=4)
    nb.metadata = {}
    for cell in nb.cells:
        cell.metadata = {}
    path = tmp_path / "Copy of homework.ipynb"
    nbformat.write(nb, path)
    doc = grade_file(path)
    assert doc["score"] == HONEST, doc["output"]


def test_the_gradescope_bundle_installs_what_students_may_import(tmp_path):
    import zipfile

    from packaging.requirements import Requirement

    from autograder.publishing import gradescope

    bundle = gradescope.main(CHAPTER, output=tmp_path / "autograder.zip")
    with zipfile.ZipFile(bundle) as z:
        lines = [line.split("#")[0].strip() for line in z.read("requirements.txt").decode().splitlines()]
        script = z.read("run_autograder").decode()
    assert sorted(Requirement(line).name for line in lines if line) == ["matplotlib", "numpy"]
    assert f"--chapter {CHAPTER}" in script


# -- what the grader checks, the exercise states -----------------------------------------------------------


def test_the_max_pooling_stub_states_the_cache_and_the_tie_rule_its_graded_cases_check():
    """The forward pass's graded cases compare the cache's argmax, ties included: the stub's docstring
    states the cache's form and the tie rule (first maximum in row-major window order)."""
    import ast

    from autograder.engine import exercises

    cell = solution_cell(nbformat.read(source_notebook("07_pooling"), as_version=4), "maxpool2d_forward")
    docstring = " ".join(ast.get_docstring(ast.parse(cell.source).body[0]).split())
    assert "the pair (x_shape, argmax)" in docstring
    assert "argmax of shape (N, C, Ho, Wo, 2)" in docstring and "(row, column) in x" in docstring
    assert "the first one in row-major window order on ties" in docstring
    exercise = exercises.exercise("maxpool2d_forward")
    assert exercise.parts == ("out", "the cache's argmax")
    assert sum("ties" in case.label for case in exercise.cases()) >= 5


@pytest.mark.parametrize("ex", list(exercises.EXERCISES.values()), ids=lambda ex: ex.name)
def test_the_reference_raises_on_exactly_the_cases_marked_invalid(ex):
    """Each case table marks its invalid inputs; the reference rejects those and no others."""
    cases = ex.cases()
    raised = []
    for index, case in enumerate(cases):
        try:
            ex.reference(*case.args)
        except ValueError:
            raised.append(ex.case_id(index))
    assert raised == [ex.case_id(i) for i, case in enumerate(cases) if case.invalid]


def test_a_case_table_that_disagrees_with_the_reference_is_a_grader_fault():
    """An invalid mark on inputs the reference accepts is never charged to the student."""
    import dataclasses

    from autograder.engine.judge import judge_case

    ex = exercises.exercise("correlate2d")
    valid = next(case for case in ex.cases() if not case.invalid)
    record = {"raised": ["ValueError", "rejected"], "mutated": False}
    assert judge_case(ex, valid, record) is not None  # raising on valid input fails the case
    with pytest.raises(RuntimeError, match="the reference accepts the invalid case"):
        judge_case(ex, dataclasses.replace(valid, invalid=True), record)
