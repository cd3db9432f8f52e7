"""The three kinds of trouble a command can meet, and the exit code each ends with.

- :class:`UsageError`: the command or a file it reads is wrong (a path that does not exist, an unknown
  chapter or student, an option of the other mode, a malformed deadlines/extensions/roster file, a
  gradebook that cannot be reached). Nothing is written; ``python -m autograder`` prints one line
  and exits 2.
- :class:`GraderError`: grading code failed on a submission (case generation, the reference, the
  judge, a mistake model, the sandbox's own code, the gradebook). Nothing is recorded for that
  submission, the traceback goes to the instructor, never into the student's feedback; exit 1.
- :class:`WrongKind`: raised by an exercise's own helpers (``gradient``, ``project``) when the
  student's result is of the wrong kind. Only this is charged to the student.
"""

from __future__ import annotations

import contextlib
import traceback


class UsageError(Exception):
    """The command or a file it reads is wrong: one line, exit 2, nothing written."""


class GraderError(Exception):
    """A fault in grading code, not in the submission: nothing is recorded for it, exit 1."""

    def __init__(self, message: str, details: str = ""):
        super().__init__(message)
        self.details = details  # the traceback, for the instructor


@contextlib.contextmanager
def grader_fault(what: str):
    """Any exception in the block but a :class:`GraderError` becomes one: ``what`` failed, with the
    exception named and its traceback for the instructor."""
    try:
        yield
    except GraderError:
        raise
    except Exception as exc:  # noqa: BLE001 - grading code: whatever it raises is the grader's
        raise GraderError(f"{what}: {type(exc).__name__}: {exc}", traceback.format_exc()) from exc


class WrongKind(ValueError):
    """A student's result is not of the kind the exercise returns (raised by exercise helpers)."""


def did_you_mean(word: str, known) -> str:
    """`` (did you mean X?)`` for the closest of ``known``, or nothing."""
    import difflib

    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""
