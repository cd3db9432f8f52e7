"""Hostile submissions: each attack costs the attacked exercise its points and nothing else.

Every attack replaces the model answer of one chapter-01 exercise; the other exercises keep their
model answers and must keep full marks, no process may outlive grading, and the feedback must say
what happened.
"""

from __future__ import annotations

import socket
import subprocess
import threading

import nbformat
import pytest
from helpers import ROOT, grade_file, result_for, solution_cell, source_notebook, with_answers

from autograder.engine import notebook, sandbox

pytestmark = [
    pytest.mark.slow,  # attacks run to their time and memory limits
    # One worker runs them in turn: another attack's processes are not "left over" from this one.
    pytest.mark.xdist_group("hostile"),
    pytest.mark.skipif(not sandbox.probe("auto"), reason="bubblewrap is required (apt install bubblewrap)"),
]

CHAPTER = "01_convolution"
MARKER = "9137"  # appears in the command line of every process an attack leaves running

ATTACKS = {
    "infinite loop": (
        "def correlate2d(image, kernel):\n    while True:\n        pass\n",
        "stopped by the time limit (3 s for this exercise) while running this case (0 case(s) before it",
    ),
    "memory bomb": (
        "def correlate2d(image, kernel):\n    hog = []\n    while True:\n"
        "        hog.append(bytearray(10**8))\n",
        ("MemoryError", "did not finish", "stopped by the time limit"),  # which comes first: the load
    ),
    "fork and orphan": (
        "import os, subprocess\n"
        "def correlate2d(image, kernel):\n"
        f"    subprocess.Popen(['sleep', '{MARKER}'], start_new_session=True)\n"
        "    if os.fork() == 0:\n"
        "        os.setsid()\n"
        f"        os.execvp('sleep', ['sleep', '{MARKER}.5'])\n"
        "    return np.zeros((1, 1))\n",
        "Wrong shape",
    ),
    "fork bomb": (
        "import os\n"
        "def correlate2d(image, kernel):\n"
        "    while True:\n"
        "        try:\n"
        "            os.fork()\n"
        "        except OSError:\n"
        "            pass\n",
        ("did not finish", "stopped by the time limit"),
    ),
    "import the reference from the repository": (
        "import sys, os\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "def correlate2d(image, kernel):\n"
        "    import solutions\n"
        "    return solutions.correlate2d(image, kernel)\n",
        "Your function raised",
    ),
    "walk the file system for the reference": (
        "import os\n"
        "def correlate2d(image, kernel):\n"
        "    for top in ('/tmp', '/work', '/root', '/home', os.getcwd()):\n"
        "        for folder, dirs, files in os.walk(top):\n"
        "            if os.path.basename(folder) == 'solutions' and 'correlation.py' in files:\n"
        "                namespace = {}\n"
        "                exec(open(os.path.join(folder, 'correlation.py')).read(), namespace)\n"
        "                return namespace['correlate2d'](image, kernel)\n"
        "    raise FileNotFoundError('no reference found')\n",
        "FileNotFoundError",
    ),
    "monkeypatch numpy, builtins and sys.modules": (
        "import builtins, json, sys, types\n"
        "def correlate2d(image, kernel):\n"
        "    np.allclose = np.array_equal = lambda *a, **k: True\n"
        "    builtins.isinstance = lambda *a: True\n"
        "    json.dump = lambda *a, **k: None\n"
        "    sys.modules['autograder'] = types.ModuleType('autograder')\n"
        "    return np.zeros((1, 1))\n",
        "could not be read",
    ),
    "ndarray subclass equal to everything": (
        "class Liar(np.ndarray):\n"
        "    def __eq__(self, other):\n"
        "        return True\n"
        "    __ne__ = lambda self, other: False\n"
        "def correlate2d(image, kernel):\n"
        "    try:\n"
        "        (H, W), (kh, kw) = np.shape(image), np.shape(kernel)\n"
        "        return np.zeros((H - kh + 1, W - kw + 1)).view(Liar)\n"
        "    except Exception:\n"
        "        return np.zeros((1, 1)).view(Liar)\n",
        "Wrong values",
    ),
    "forge a result file": (
        "import json, os\n"
        "def correlate2d(image, kernel):\n"
        "    records = {'list': [{'dict': [['ok', {'int': 1}], ['mutated', {'bool': False}]]}] * 3}\n"
        "    with open('result-correlate2d.json', 'w') as f:\n"
        "        json.dump({'records': records, 'output': ''}, f)\n"
        "    np.savez('result-correlate2d.npz')\n"
        "    os._exit(0)\n",
        "malformed results",
    ),
    "sys.exit": ("import sys\ndef correlate2d(image, kernel):\n    sys.exit(0)\n", "SystemExit"),
    "os._exit": ("import os\ndef correlate2d(image, kernel):\n    os._exit(0)\n", "did not finish"),
    "200 MB of output": (
        "import os, sys\n"
        "def correlate2d(image, kernel):\n"
        "    print('x' * 10**8)\n"
        "    for _ in range(20):\n"
        "        os.write(1, b'y' * 10**7)\n"
        "    return np.zeros((1, 1))\n",
        "File too large",
    ),
}

ATTACK_SECONDS = 3.0
ENDLESS = {"infinite loop", "fork bomb"}  # stopped only by the time limit


def leftover_processes() -> list[str]:
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout.splitlines()
    return [line for line in ps if MARKER in line and "ps -eo" not in line]


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_attack_costs_only_the_attacked_exercise(attack, tmp_path):
    code, message = ATTACKS[attack]
    # The attacks that never finish are cut off by a shorter time limit per exercise than the default
    # 10 s (the model answers of the other exercises take well under a second). The others keep the
    # default: writing 200 MB of output, say, may take longer than 3 s on a loaded machine.
    limits = sandbox.Limits(exercise_seconds=ATTACK_SECONDS) if attack in ENDLESS else sandbox.Limits()
    doc = grade_file(with_answers(CHAPTER, {"correlate2d": code}, tmp_path), limits=limits)
    attacked = result_for(doc, "correlate2d")
    assert attacked["score"] == 0, attacked["output"]
    expected = (message,) if isinstance(message, str) else message
    assert all(expected) and any(m in attacked["output"] for m in expected), attacked["output"]
    for name in ("convolve2d", "convolve2d_full"):
        other = result_for(doc, name)
        assert other["score"] == other["max_score"], other["output"]
    assert len(str(doc)) < 100_000, "output must be capped"
    assert not leftover_processes(), "a process outlived grading"


def test_top_level_monkeypatching_still_gets_a_result(tmp_path):
    """Patching at the top of a cell hits every exercise; the notebook must still get its results."""
    code = (
        "import builtins\n"
        "np.allclose = np.array_equal = lambda *a, **k: True\n"
        "builtins.isinstance = lambda *a: True\n"
        "def correlate2d(image, kernel):\n"
        "    return np.zeros((1, 1))\n"
    )
    doc = grade_file(with_answers(CHAPTER, {"correlate2d": code}, tmp_path))
    assert result_for(doc, "correlate2d")["score"] == 0
    assert result_for(doc, "correlate2d")["output"].strip()
    assert not leftover_processes()


def test_no_network_from_the_sandbox(tmp_path):
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.settimeout(0.5)
    contacted = []

    def accept():
        try:
            contacted.append(listener.accept())
        except OSError:
            pass

    thread = threading.Thread(target=accept)
    thread.start()
    code = (
        "import socket\n"
        "def correlate2d(image, kernel):\n"
        f"    socket.create_connection(('127.0.0.1', {port}), timeout=2).sendall(b'answers please')\n"
        "    return np.zeros((1, 1))\n"
    )
    doc = grade_file(with_answers(CHAPTER, {"correlate2d": code}, tmp_path))
    thread.join()
    listener.close()
    assert not contacted, "the sandbox reached the network"
    assert result_for(doc, "correlate2d")["score"] == 0
    assert "ConnectionRefusedError" in result_for(doc, "correlate2d")["output"]


def _edit(tmp_path, change) -> dict:
    nb = nbformat.read(source_notebook(CHAPTER), as_version=4)
    change(nb)
    path = tmp_path / f"{CHAPTER}.ipynb"
    nbformat.write(nb, path)
    return grade_file(path)


def _graded_cells(nb):
    return [c for c in nb.cells if notebook.is_test_cell(c.metadata.get("nbgrader", {}))]


def test_deleted_test_cells_change_nothing(tmp_path):
    doc = _edit(
        tmp_path, lambda nb: setattr(nb, "cells", [c for c in nb.cells if c not in _graded_cells(nb)])
    )
    assert all(t["score"] == t["max_score"] for t in doc["tests"])


def test_edited_test_cells_change_nothing(tmp_path):
    def edit(nb):
        for cell in _graded_cells(nb):
            cell.source = "check = lambda *args: 100\nprint('all tests passed')\n100"
        solution_cell(nb, "correlate2d").source = "def correlate2d(image, kernel):\n    return 0\n"

    doc = _edit(tmp_path, edit)
    assert result_for(doc, "correlate2d")["score"] == 0
    assert result_for(doc, "convolve2d")["score"] == result_for(doc, "convolve2d")["max_score"]


def test_duplicated_and_metadata_less_cells_are_graded_by_name(tmp_path):
    def edit(nb):
        cell = solution_cell(nb, "convolve2d")
        copy = nbformat.from_dict(dict(cell))
        copy.metadata = {}
        copy.id = "pasted-copy"
        nb.cells.append(copy)
        del solution_cell(nb, "correlate2d").metadata["nbgrader"]

    doc = _edit(tmp_path, edit)
    assert doc["score"] == sum(t["max_score"] for t in doc["tests"])
    assert "lost its nbgrader metadata" in doc["output"] and "defined in 2 cells" in doc["output"]


@pytest.mark.parametrize(
    "content", [b"", b'{"cells": [{"cell_type": "code", "sour', b"PK\x03\x04 a zip file"]
)
def test_truncated_and_non_notebook_files_get_zero_with_a_message(tmp_path, content):
    path = tmp_path / f"{CHAPTER}.ipynb"
    path.write_bytes(content)
    doc = grade_file(path)
    assert doc["score"] == 0 and "not a Jupyter notebook" in doc["output"]
    assert len(doc["tests"]) == 3 and all(t["score"] == 0 for t in doc["tests"])
