"""Build a Gradescope autograder bundle for one chapter: ``python -m autograder gradescope CHAPTER``.

Gradescope unpacks the zip into ``/autograder/source``, runs ``setup.sh`` once to build its image,
then, for each submission, ``run_autograder`` with the student's files in ``/autograder/submission``;
it reads ``/autograder/results/results.json``. The bundle carries this grader and the hidden reference
(``solutions/``), which stay outside the sandbox that runs the student's code. ``AUTOGRADER_ROOT``
overrides ``/autograder`` (and ``AUTOGRADER_PYTHON`` the interpreter) to run the bundle locally.
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

from autograder.course_dir import graded_notebook
from autograder.engine import exercises
from autograder.publishing import ROOT

SETUP = """#!/usr/bin/env bash
# Gradescope image set-up: Python, the sandbox, and what student code may import (numpy, matplotlib).
set -euo pipefail
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv bubblewrap
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install --quiet -r /autograder/source/requirements.txt
"""

RUN = """#!/usr/bin/env bash
# Grade one submission of {chapter}: /autograder/submission in, /autograder/results/results.json out.
set -uo pipefail
root="${{AUTOGRADER_ROOT:-/autograder}}"
python="${{AUTOGRADER_PYTHON:-$root/venv/bin/python}}"
results="$root/results/results.json"
mkdir -p "$root/results"
cd "$root/source"
# The notebook to grade (autograder/course_dir.py); if there is none, the results say so: 0 points.
notebook=$("$python" -m autograder.publishing.gradescope "$root/submission" {chapter} "$results") || exit 1
[ -n "$notebook" ] || exit 0
# Each submission runs in its own throw-away container; bubblewrap adds to it where it can start
# (--isolation auto), and every result says when it could not.
exec "$python" -m autograder grade "$notebook" --chapter {chapter} --isolation auto \\
  --results "$results"
"""

NO_NOTEBOOK = "no .ipynb was submitted"


def submitted_notebook(submission: Path, chapter: str, results: Path) -> Path | None:
    """The notebook to grade in a Gradescope ``submission`` folder: ``<chapter>.ipynb``, else the first
    other notebook by path (in sub-folders too: an upload keeps the student's folders). With none,
    ``results`` says so, every exercise scoring 0, and the answer is None."""
    notebook = graded_notebook(submission, chapter, nested=True)
    if notebook.is_file():
        return notebook
    from autograder.engine import grade

    doc = grade.not_gradable(notebook, f"Nothing was graded: {NO_NOTEBOOK} for {chapter}.", chapter)
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(doc, indent=2))
    return None


def _package_files(name: str):
    for path in sorted((ROOT / name).rglob("*.py")):
        if "__pycache__" not in path.parts:
            yield path, path.relative_to(ROOT)


def main(chapter: str, *, output: str | Path = "autograder.zip") -> Path:
    """Write the bundle for ``chapter`` to ``output`` and return its path."""
    exercises.chapter(chapter)  # a clear error for an unknown chapter
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, text in (("setup.sh", SETUP), ("run_autograder", RUN.format(chapter=chapter))):
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16
            bundle.writestr(info, text)
        bundle.write(exercises.STUDENT_REQUIREMENTS, "requirements.txt")  # matplotlib brings packaging
        bundle.write(exercises.STUDENT_REQUIREMENTS, str(exercises.STUDENT_REQUIREMENTS.relative_to(ROOT)))
        for package in ("autograder", "solutions"):
            for path, arcname in _package_files(package):
                bundle.write(path, str(arcname))
    return output


if __name__ == "__main__":  # run_autograder: SUBMISSION CHAPTER RESULTS -> the notebook to grade, if any
    found = submitted_notebook(Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]))
    print(found or "")
