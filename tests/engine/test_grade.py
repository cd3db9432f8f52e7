"""``python -m autograder grade``: results files for good, broken and hostile notebooks."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from helpers import ROOT, result_for, source_notebook, with_answers

CHAPTER = "01_convolution"
MAX = 10  # 4 + 3 + 3, the points chapter 01's notebook gives its three exercises


def run_cli(path, out, code=0):
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", str(path), "--results", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == code, proc.stderr
    return json.loads(out.read_text())


def test_cli_writes_gradescope_results(tmp_path):
    doc = run_cli(source_notebook(CHAPTER), tmp_path / "results.json")
    assert doc["score"] == MAX and doc["execution_time"] >= 0
    for test in doc["tests"]:
        assert set(test) == {"name", "score", "max_score", "output", "visibility", "extra_data"}
        assert test["name"].startswith(test["extra_data"]["exercise"])
        assert test["score"] == test["max_score"]


def test_non_notebook_gets_zero_and_a_message(tmp_path):
    bad = tmp_path / f"{CHAPTER}.ipynb"
    bad.write_text("this is not json")
    doc = run_cli(bad, tmp_path / "results.json", code=1)  # 1: it could not be graded
    assert doc["score"] == 0 and "not a Jupyter notebook" in doc["output"]


@pytest.mark.slow  # an infinite loop runs to its time limit
def test_one_hostile_exercise_costs_only_itself(tmp_path):
    hang = "def correlate2d(image, kernel):\n    while True:\n        pass\n"
    leave = "import os\ndef convolve2d(image, kernel):\n    os._exit(3)\n"
    path = with_answers(CHAPTER, {"correlate2d": hang, "convolve2d": leave}, tmp_path)
    doc = run_cli(path, tmp_path / "results.json")
    assert result_for(doc, "correlate2d")["score"] == 0
    assert "stopped by the time limit" in result_for(doc, "correlate2d")["output"]
    assert result_for(doc, "convolve2d")["score"] == 0
    # convolve2d_full's model answer calls convolve2d, so it fails too, but it is graded.
    assert result_for(doc, "convolve2d_full")["max_score"] == 3


def test_feedback_never_shows_reference_or_hidden_code(tmp_path):
    wrong = "def correlate2d(image, kernel):\n    return np.zeros((1, 1))\n"
    doc = run_cli(with_answers(CHAPTER, {"correlate2d": wrong}, tmp_path), tmp_path / "results.json")
    text = json.dumps(doc)
    for secret in ("solutions", "BEGIN HIDDEN TESTS", "sliding_window_view", "check("):
        assert secret not in text


# -- a fault in grading code is the grader's: no score, the traceback for the instructor, exit 1 --------


def broken(*args, **kwargs):
    raise RuntimeError("injected fault")


def grade_in_cli(path, tmp_path, capsys):
    from autograder.__main__ import main

    results = tmp_path / "results.json"
    code = main(["grade", str(path), "--results", str(results)])
    err = capsys.readouterr().err
    return code, err, results


def replaced(monkeypatch, name, **fields):
    """Chapter 01 with exercise ``name``'s fields replaced."""
    from dataclasses import replace

    from autograder.engine import exercises

    chapter = [replace(ex, **fields) if ex.name == name else ex for ex in exercises.CHAPTERS[CHAPTER]]
    monkeypatch.setitem(exercises.CHAPTERS, CHAPTER, chapter)


def wrong_correlate2d(tmp_path):
    return with_answers(
        CHAPTER, {"correlate2d": "def correlate2d(image, kernel):\n    return image\n"}, tmp_path
    )


@pytest.mark.parametrize("stage", ["case generation", "reference", "judge", "mistake model"])
def test_a_fault_in_grading_code_is_the_graders(tmp_path, capsys, monkeypatch, stage):
    from autograder.engine import grade
    from autograder.engine.exercise import Mistake

    if stage == "case generation":
        replaced(monkeypatch, "correlate2d", make_cases=broken)
    elif stage == "reference":
        replaced(monkeypatch, "correlate2d", reference=broken)
    elif stage == "judge":
        monkeypatch.setattr(grade, "judge_exercise", broken)
    else:
        replaced(monkeypatch, "correlate2d", mistakes=(Mistake("broken model", "none", broken),))
    code, err, results = grade_in_cli(wrong_correlate2d(tmp_path), tmp_path, capsys)
    assert code == 1, err
    assert "Traceback" in err and "RuntimeError: injected fault" in err
    assert "grader error (not the student's)" in err.strip().splitlines()[-1]
    assert not results.exists()  # no score for it, no feedback blaming the student


def test_a_fault_in_the_sandbox_child_is_reported_not_charged(tmp_path):
    """Grading code that fails in the child after the student's function returned (here: encoding
    its result) writes a grader-error record; before, the exercise silently "did not finish"."""
    from autograder.engine import grade, runner, sandbox
    from autograder.errors import GraderError

    ran = grade.run_submission(source_notebook(CHAPTER), in_process=True)  # for its job
    submission, cases = ran.submission, ran.cases
    job, arrays = grade.make_job(submission, cases)
    workdir = tmp_path / "job"
    workdir.mkdir()
    runner._write(str(workdir / "job"), {**job, "time_limit": 10}, arrays)
    script = (
        "import sys\nfrom autograder.engine import runner\n"
        "def encode(self, value):\n    raise ZeroDivisionError('injected after the call')\n"
        "runner.Encoder.encode = encode\nrunner.main(sys.argv[1])\n"
    )
    subprocess.run([sys.executable, "-c", script, str(workdir)], cwd=ROOT, check=True, timeout=120)
    run = sandbox.Run(sandbox.result_files(workdir), 0, False, "", True)
    with pytest.raises(GraderError, match="in the sandbox on correlate2d") as caught:
        grade.judge(grade.read(run, submission, cases))
    assert "ZeroDivisionError: injected after the call" in caught.value.details


def test_a_stopped_exercise_names_its_limit_and_keeps_the_cases_before_it(tmp_path):
    """correlate2d never returns on its third case: the two before it count, the feedback names the
    limit, its value and the case."""
    from helpers import grade_file, model_answers

    from autograder.engine import exercises, sandbox

    model = model_answers(CHAPTER)["correlate2d"].replace("def correlate2d(", "def _model(")
    code = (
        f"{model}\nCALLS = []\n\ndef correlate2d(image, kernel):\n    CALLS.append(1)\n"
        "    while len(CALLS) == 3:\n        pass\n    return _model(image, kernel)\n"
    )
    path = with_answers(CHAPTER, {"correlate2d": code}, tmp_path)
    doc = grade_file(path, limits=sandbox.Limits(exercise_seconds=2))
    result = result_for(doc, "correlate2d")
    total = len(exercises.exercise("correlate2d").cases())
    assert result["name"] == f"correlate2d (2/{total} cases)", result["output"]
    assert "stopped by the time limit (2 s for this exercise) while running this case" in result["output"]
    assert "correlate2d#3" in result["output"] and "2 case(s) before it graded" in result["output"]
    assert 0 < result["score"] < result["max_score"]
    assert result_for(doc, "convolve2d")["score"] == result_for(doc, "convolve2d")["max_score"]
