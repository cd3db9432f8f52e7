"""Build a Gradescope autograder bundle for one chapter: ``python -m autograder gradescope CHAPTER``.

Gradescope unpacks the zip into ``/autograder/source``, runs ``setup.sh`` once to build its image,
then, for each submission, ``run_autograder`` with the student's files in ``/autograder/submission``;
it reads ``/autograder/results/results.json``. The bundle carries this grader and the hidden reference
(``solutions/``), which stay outside the sandbox that runs the student's code. ``AUTOGRADER_ROOT``
overrides ``/autograder`` (and ``AUTOGRADER_PYTHON`` the interpreter) to run the bundle locally.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

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
notebook="$root/submission/{chapter}.ipynb"
if [ ! -f "$notebook" ]; then  # a renamed notebook: take the first one submitted
  found=$(find "$root/submission" -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' | sort | head -n 1)
  [ -n "$found" ] && notebook="$found"
fi
mkdir -p "$root/results"
cd "$root/source"
# Each submission runs in its own throw-away container; bubblewrap adds to it where it can start
# (--isolation auto), and every result says when it could not.
exec "$python" -m autograder grade "$notebook" --chapter {chapter} --isolation auto \\
  --results "$root/results/results.json"
"""


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
