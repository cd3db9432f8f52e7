"""The course's nbgrader conventions, in one place: read by ``nbgrader_config.py``, the gradebook
(classroom) and the release and book builds (publishing)."""

from __future__ import annotations

import contextlib
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


@contextlib.contextmanager
def nbgrader_path():
    """Within the block, this process's PATH is :func:`nbgrader_env`'s (for nbgrader called in-process)."""
    before = os.environ.get("PATH")
    os.environ["PATH"] = nbgrader_env()["PATH"]
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("PATH", None)
        else:
            os.environ["PATH"] = before
