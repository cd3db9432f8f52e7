"""What an exercise is: its cases, its points and the mistakes it can diagnose.

Each chapter declares its exercises once, in ``autograder/engine/exercises/ch<chapter id>.py``; the notebook
checks, the class grader and the Gradescope bundle all read that one declaration.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from autograder.engine import runner


@dataclass(frozen=True)
class Case:
    """One graded call: a label a student can read and the arguments of the call. ``invalid``: the
    arguments break the exercise's contract, so the answer must raise ``ValueError`` (the reference
    does, with the message the feedback quotes)."""

    label: str
    args: tuple
    invalid: bool = False


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer: ``wrong(*args)`` computes what a student who made it would return (for a
    tuple result, None for an item the mistake does not determine)."""

    name: str
    hint: str
    wrong: Callable


@dataclass(frozen=True)
class Exercise:
    """A graded function.

    ``make_cases(rng)`` returns the cases (seeded from the exercise name, so every run of every
    grader sees the same ones); ``reference`` gives the expected value for a case's arguments, and
    raises ``ValueError`` on exactly the cases marked ``invalid``.
    """

    name: str
    points: float
    make_cases: Callable[[np.random.Generator], Sequence[Case]]
    reference: Callable
    mistakes: Sequence[Mistake] = ()
    driver: str = "call"
    arg_names: Sequence[str] = ()
    rtol: float = 1e-6
    atol: float = 1e-9
    uses: Sequence[str] = field(default_factory=tuple)
    project: Callable | None = None  # the graded part of a result, e.g. ``out`` of ``(out, cache)``
    # For a backward pass: ``gradient(case, returned)`` splits what the driver returned into the
    # student's gradient and the numerical gradient of the student's own forward pass (None where the
    # case has no gradient, e.g. ties in max pooling). The gradient must match both.
    gradient: Callable | None = None
    # How the result's shape follows from the arguments, in this exercise's own terms: the feedback
    # gives it for a result of the wrong shape (a generic rule would speak of another exercise).
    shape_rule: str = ""
    # The names of the items of a tuple result (after ``project``), e.g. ("dx", "dweight", "dbias"):
    # the feedback names the item that is wrong.
    parts: Sequence[str] = ()

    def cases(self) -> list[Case]:
        rng = np.random.default_rng(zlib.crc32(self.name.encode()))
        return list(self.make_cases(rng))

    def case_id(self, index: int) -> str:
        """The id of the case at ``index`` (0-based) of :meth:`cases`: ``correlate2d#7`` is the seventh.
        Cases are seeded, so the id names the same inputs on every run and every machine, for as long
        as the exercise's cases stay as they are (the grader's digest changes when they do)."""
        return f"{self.name}#{index + 1}"

    def call(self, args: Sequence[str]) -> str:
        """The call the grader makes for one case, as code, given the case's arguments as code: what a
        student pastes into the notebook to run their own function on that case."""
        form = runner.DRIVERS[self.driver][1]
        if form is None:
            return f"{self.name}({', '.join(args)})"
        return form.format(*args, name=self.name, uses=self.uses)

    @property
    def functions(self) -> tuple[str, ...]:
        """Names of the student functions a case calls (the exercise itself first)."""
        return (self.name, *self.uses)


CELL_KINDS = ("solution", "visible", "graded")  # an exercise's cells in a chapter notebook


def grade_id(name: str, kind: str = "graded") -> str:
    """The nbgrader grade id of exercise ``name``'s cell of ``kind`` (one of :data:`CELL_KINDS`): its
    solution cell's is ``name`` itself, its visible tests' ``<name>_visible``, its graded tests'
    ``<name>_graded``. The one place these ids are spelled: nothing reads an exercise back out of one."""
    if kind not in CELL_KINDS:
        raise ValueError(f"kind must be one of {', '.join(CELL_KINDS)}, not {kind!r}")
    return name if kind == "solution" else f"{name}_{kind}"
