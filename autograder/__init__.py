"""Grading for the Convolutions course: notebook checks, the sandboxed grader and its exporters.

Public API:

- :func:`check`: called by a chapter's graded test cells.
- ``python -m autograder grade``: grade a notebook (or, later, a class) into Gradescope-format results.
"""

from autograder.engine.check import check

__all__ = ["check"]
