"""The course's nbgrader conventions, in one place: read by ``nbgrader_config.py``, the gradebook
(classroom) and the release and book builds (publishing). The course directory's paths are in
:mod:`autograder.course_dir`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

COURSE_ID = "convolutions"
# What a solution block becomes in the student's notebook.
CODE_STUB = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}


def nbgrader_env() -> dict:
    """The environment for an nbgrader command: this Python's bin/ first on PATH (nbgrader shells out
    to ``alembic`` when it creates a gradebook, and must find this venv's copy)."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", os.defpath)])
    return env
