"""Grading for the Convolutions course, in three packages: ``engine`` grades one submission (the
exercise registry, the sandbox, the judge), ``classroom`` grades a class (gradebook, exports) and
``publishing`` builds what students and Gradescope receive (release, book, bundle).

Public API:

- :func:`check`: called by a chapter's graded test cells.
- ``python -m autograder grade``: grade a notebook into Gradescope-format results, or a whole
  nbgrader ``submitted/`` folder into the gradebook, a CSV and HTML feedback.
"""

from autograder.engine.check import check

__all__ = ["check"]
