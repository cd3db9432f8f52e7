"""The Gradescope bundle, run locally the way Gradescope runs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile

import nbformat
import pytest
from helpers import grade_file, solution_cell, source_notebook

from autograder.engine import exercises
from autograder.publishing import gradescope

CHAPTER = "01_convolution"


def unpack(tmp_path):
    bundle = gradescope.main(CHAPTER, output=tmp_path / "autograder.zip")
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    with zipfile.ZipFile(bundle) as z:
        z.extractall(root / "source")
        names = z.namelist()
    for script in ("run_autograder", "setup.sh"):
        os.chmod(root / "source" / script, 0o755)
    return root, names


def run(root):
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable}
    proc = subprocess.run(
        ["bash", str(root / "source" / "run_autograder")], env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads((root / "results" / "results.json").read_text())


def test_bundle_follows_the_gradescope_layout(tmp_path):
    _, names = unpack(tmp_path)
    assert {"setup.sh", "run_autograder", "requirements.txt"} <= set(names)
    assert "solutions/__init__.py" in names and "autograder/engine/runner.py" in names
    assert not any(n.startswith(("tests/", "chapters/")) for n in names), (
        "only the grader and the reference ship"
    )
    assert (
        subprocess.run(["bash", "-n", str(tmp_path / "autograder" / "source" / "setup.sh")]).returncode == 0
    )


def test_run_autograder_grades_a_renamed_submission(tmp_path):
    root, _ = unpack(tmp_path)
    shutil.copy(source_notebook(CHAPTER), root / "submission" / "my homework.ipynb")
    doc = run(root)
    assert doc["score"] == sum(ex.points for ex in exercises.chapter(CHAPTER))
    assert all(t["visibility"] == "visible" for t in doc["tests"])


def test_run_autograder_without_a_notebook_reports_zero(tmp_path):
    """``grade`` refuses a missing file (exit 2, no results), so the bundle writes the results itself."""
    root, _ = unpack(tmp_path)
    (root / "submission" / "notes.txt").write_text("I forgot the notebook")
    (root / "submission" / ".ipynb_checkpoints").mkdir()
    shutil.copy(source_notebook(CHAPTER), root / "submission" / ".ipynb_checkpoints" / f"{CHAPTER}.ipynb")
    doc = run(root)
    assert doc["score"] == 0 and "no .ipynb was submitted" in doc["output"]
    assert [t["score"] for t in doc["tests"]] == [0] * len(exercises.chapter(CHAPTER))
    assert {t["max_score"] for t in doc["tests"]} == {ex.points for ex in exercises.chapter(CHAPTER)}


def test_run_autograder_grades_a_notebook_in_a_folder(tmp_path):
    """An upload that keeps the student's folders: the notebook inside one is graded."""
    root, _ = unpack(tmp_path)
    (root / "submission" / "homework").mkdir()
    shutil.copy(source_notebook(CHAPTER), root / "submission" / "homework" / "mine.ipynb")
    doc = run(root)
    assert doc["score"] == sum(ex.points for ex in exercises.chapter(CHAPTER))


@pytest.mark.parametrize("imports", ["import matplotlib.pyplot as plt", "import numpy\nimport math, json"])
def test_the_bundle_scores_what_local_grading_scores(tmp_path, imports):
    """Solution cells that import what students may import score the same through the bundle."""
    root, _ = unpack(tmp_path)
    nb = nbformat.read(source_notebook(CHAPTER), as_version=4)
    cell = solution_cell(nb, "correlate2d")
    cell.source = f"{imports}\n{cell.source}"
    nbformat.write(nb, root / "submission" / f"{CHAPTER}.ipynb")
    local = grade_file(root / "submission" / f"{CHAPTER}.ipynb")
    assert run(root)["score"] == local["score"] == 10  # 4 + 3 + 3
