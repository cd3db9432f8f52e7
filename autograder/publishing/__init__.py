"""Publishing: what students and Gradescope receive, built from the course's sources.

``release`` generates the student notebooks with nbgrader, ``book`` builds the website and
``gradescope`` packs the grader into a Gradescope autograder bundle.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the course: chapters/, solutions/, autograder/, _config.yml
