"""``python -m autograder grade``: results files for good, broken and hostile notebooks."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from helpers import ROOT, result_for, source_notebook, with_answers

CHAPTER = "01_convolution"
MAX = 10  # 4 + 3 + 3, the points chapter 01's notebook gives its three exercises


def run_cli(path, out):
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", str(path), "--results", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
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
    doc = run_cli(bad, tmp_path / "results.json")
    assert doc["score"] == 0 and "not a Jupyter notebook" in doc["output"]


@pytest.mark.slow  # an infinite loop runs to its time limit
def test_one_hostile_exercise_costs_only_itself(tmp_path):
    hang = "def correlate2d(image, kernel):\n    while True:\n        pass\n"
    leave = "import os\ndef convolve2d(image, kernel):\n    os._exit(3)\n"
    path = with_answers(CHAPTER, {"correlate2d": hang, "convolve2d": leave}, tmp_path)
    doc = run_cli(path, tmp_path / "results.json")
    assert result_for(doc, "correlate2d")["score"] == 0
    assert "did not finish" in result_for(doc, "correlate2d")["output"]
    assert result_for(doc, "convolve2d")["score"] == 0
    # convolve2d_full's model answer calls convolve2d, so it fails too, but it is graded.
    assert result_for(doc, "convolve2d_full")["max_score"] == 3


def test_feedback_never_shows_reference_or_hidden_code(tmp_path):
    wrong = "def correlate2d(image, kernel):\n    return np.zeros((1, 1))\n"
    doc = run_cli(with_answers(CHAPTER, {"correlate2d": wrong}, tmp_path), tmp_path / "results.json")
    text = json.dumps(doc)
    for secret in ("solutions", "BEGIN HIDDEN TESTS", "sliding_window_view", "check("):
        assert secret not in text
