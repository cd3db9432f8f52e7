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


# -- notebooks that would crash the reader: refused with a message the student understands ----------


def depth_bomb(path, depth=200_000):
    """A notebook whose metadata nests a list ``depth`` deep (about 400 KB)."""
    path.write_text('{"nbformat": 4, "cells": [], "metadata": {"x": ' + "[" * depth + "]" * depth + "}}")
    return path


def oversized(path, mb=40):
    """A valid notebook with one output of ``mb`` MB, written without holding it in memory."""
    with path.open("w") as f:
        f.write('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code", ')
        f.write('"metadata": {}, "source": "x = 1", "outputs": [{"output_type": "stream", "text": "')
        chunk = "a" * 2**20
        for _ in range(mb):
            f.write(chunk)
        f.write('"}]}]}')
    return path


def test_a_depth_bomb_is_refused_with_a_message(tmp_path):
    with pytest.raises(notebook.SubmissionError, match="nests data too deeply"):
        notebook.read(depth_bomb(tmp_path / "01_convolution.ipynb"))


def test_an_oversized_notebook_is_refused_without_reading_it(tmp_path):
    import tracemalloc

    path = oversized(tmp_path / "01_convolution.ipynb")
    tracemalloc.start()
    try:
        with pytest.raises(notebook.SubmissionError, match="larger than 32 MB.*Clear the outputs"):
            notebook.read(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert path.stat().st_size > 40 * 2**20 and peak < 2**20  # the 40 MB were never read


def test_hostile_notebooks_get_a_results_file_with_a_readable_message(tmp_path):
    """One-notebook mode: a results file with 0 points and the reason (exit 1: it was not graded)."""
    from autograder.__main__ import main

    for make, words in ((depth_bomb, "nests data too deeply"), (oversized, "too large to grade")):
        folder = tmp_path / make.__name__
        folder.mkdir()
        results = folder / "results.json"
        assert main(["grade", str(make(folder / "01_convolution.ipynb")), "--results", str(results)]) == 1
        doc = json.loads(results.read_text())
        assert doc["score"] == 0 and words in doc["output"] and len(doc["tests"]) == 3
        assert all(words in t["output"] for t in doc["tests"])
