"""Finding the code to grade by behaviour: names, not trusted metadata."""

from __future__ import annotations

import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from autograder.engine import notebook


def write(tmp_path, cells, name="01_convolution.ipynb", metadata=None):
    nb = new_notebook(cells=cells, metadata=metadata or {})
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def solution(source, grade_id="correlate2d"):
    meta = {"nbgrader": {"solution": True, "grade": False, "grade_id": grade_id, "locked": False}}
    return new_code_cell(source, metadata=meta)


def test_cells_without_metadata_are_found_by_name(tmp_path):
    path = write(
        tmp_path, [new_code_cell("import numpy as np"), new_code_cell("def correlate2d(i, k):\n    return 1")]
    )
    sub = notebook.extract(path)
    assert sub.chapter == "01_convolution"
    assert any("def correlate2d" in c.source for c in sub.cells)
    assert any("lost its nbgrader metadata" in n for n in sub.notes)


def test_duplicates_are_kept_in_order_and_reported(tmp_path):
    path = write(
        tmp_path,
        [solution("def correlate2d(i, k):\n    return 1"), solution("def correlate2d(i, k):\n    return 2")],
    )
    sub = notebook.extract(path)
    assert [c.source for c in sub.cells if "def correlate2d" in c.source][-1].endswith("return 2")
    assert any("defined in 2 cells" in n for n in sub.notes)


def test_test_cells_and_demos_are_never_run(tmp_path):
    test_cell = new_code_cell(
        "print('score: 100')", metadata={"nbgrader": {"grade": True, "solution": False}}
    )
    demo = new_code_cell("import matplotlib.pyplot as plt\nplt.plot([1])\nimport scipy")
    path = write(
        tmp_path, [test_cell, demo, solution("%matplotlib inline\ndef correlate2d(i, k):\n    return 1")]
    )
    sub = notebook.extract(path)
    sources = [c.source for c in sub.cells]
    assert not any("score: 100" in s for s in sources)
    assert any(s.strip() == "import scipy" for s in sources) and not any("plt.plot" in s for s in sources)
    assert any("pass  # %matplotlib inline" in s for s in sources)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n", "not a Jupyter notebook"),
        (b'{"cells": [', "not a Jupyter notebook"),
        (b'{"hello": 1}', "no list of cells"),
        (json.dumps({"cells": [], "nbformat": 3}).encode(), "format 3"),
    ],
)
def test_broken_files_raise_a_clear_error(tmp_path, content, message):
    path = tmp_path / "01_convolution.ipynb"
    path.write_bytes(content)
    with pytest.raises(notebook.SubmissionError, match=message):
        notebook.extract(path)


def test_chapter_from_metadata_then_file_name(tmp_path):
    path = write(tmp_path, [], name="homework.ipynb", metadata={"course": {"chapter": "01_convolution"}})
    assert notebook.extract(path).chapter == "01_convolution"
    assert notebook.extract(write(tmp_path, [], name="01_convolution (2).ipynb")).chapter == "01_convolution"
    with pytest.raises(notebook.SubmissionError, match="which chapter"):
        notebook.extract(write(tmp_path, [], name="homework.ipynb"))
