"""The check that a notebook's graded test cell calls: ``check("correlate2d", correlate2d)``.

It runs the student's function on the exercise's seeded cases in the notebook's own process (this is
how ``nbgrader autograde`` grades), prints feedback and returns the points earned, which nbgrader
reads as partial credit. It takes exactly the same steps as the sandboxed grader, so both give the
same score. It writes nothing to stderr: nbgrader would treat that as a failed cell.
"""

from __future__ import annotations

import inspect
import re
import sys
import types
import warnings

from autograder.engine import exercises, grade, runner
from autograder.engine.judge import ExerciseResult, judge_exercise


def _names(code) -> set[str]:
    """Every global name a function's code (nested functions included) refers to."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names


def unavailable_module(func) -> str | None:
    """A module that ``func`` uses and the sandboxed grader would refuse to import (as a name in its
    notebook's namespace), or None."""
    permitted = set(exercises.STUDENT_PACKAGES) | set(sys.stdlib_module_names)
    code = getattr(func, "__code__", None)
    if code is None:
        return None
    namespace = dict(getattr(func, "__globals__", {}))
    cells = getattr(func, "__closure__", None) or ()
    namespace.update(zip(code.co_freevars, (c.cell_contents for c in cells), strict=False))
    for used in sorted(_names(code) | set(code.co_freevars)):
        value = namespace.get(used)
        module = value if isinstance(value, types.ModuleType) else inspect.getmodule(value)
        top = (getattr(module, "__name__", "") or "").split(".")[0]
        if top and top not in permitted and top != "__main__":
            return top
    return None


def run(name: str, func, **uses) -> ExerciseResult:
    """Grade ``func`` as exercise ``name``; ``uses`` supplies the other functions a case calls."""
    exercise = exercises.exercise(name)
    cases = exercise.cases()
    funcs = {name: func, **uses}
    missing = [f for f in exercise.functions if f not in funcs]
    if missing:
        raise TypeError(f"check({name!r}, ...) also needs {', '.join(f'{m}=...' for m in missing)}")
    if module := unavailable_module(func):
        problem = runner.not_available(module, exercises.STUDENT_PACKAGES)
        return judge_exercise(exercise, cases, None, problem=problem)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        records, output = runner.run_exercise(funcs, name, exercise.driver, [c.args for c in cases])
        records = runner.normalise(records)  # the plain-data view the sandboxed grader gets
        return grade.judge_records(exercise, cases, records, output, [], None)[0]


def check(name: str, func, **uses) -> float:
    """Print feedback on exercise ``name`` and return the points earned (nbgrader partial credit)."""
    result = run(name, func, **uses)
    print(result.feedback())
    return result.score


def why_undefined(name: str, history: list[str]) -> str:
    """Why exercise ``name`` is not defined, from the sources of the cells run so far (newest last)."""
    pattern = re.compile(rf"^\s*(?:async\s+)?def\s+{re.escape(name)}\s*\(", re.MULTILINE)
    for source in reversed(history):
        if not isinstance(source, str) or not pattern.search(source):
            continue
        try:
            compile(source, "<cell>", "exec")
        except SyntaxError as exc:
            lines = source.splitlines()
            code = f": {lines[exc.lineno - 1].strip()}" if exc.lineno and exc.lineno <= len(lines) else ""
            return (
                f"{name} is not defined because the cell that defines it did not run: "
                f"{type(exc).__name__}: {exc.msg} (line {exc.lineno} of that cell{code})."
            )
        return (
            f"{name} is not defined: the cell that defines it raised an error before reaching "
            f"`def {name}` (see that cell's output)."
        )
    return f"{name} is not defined: no cell that defines it was run. Run the exercise's cell first."


def _explain_undefined_exercises() -> None:
    """In a Jupyter kernel (nbgrader autograde runs one), a graded cell whose exercise is not defined
    fails with a NameError as before, followed by the reason: which cell did not run, and why."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return

    def explain(self, etype, value, tb, tb_offset=None):
        self.showtraceback((etype, value, tb), tb_offset=tb_offset)
        if getattr(value, "name", None) in exercises.EXERCISES:
            print(why_undefined(value.name, list(self.user_ns.get("In", []))))

    shell.set_custom_exc((NameError,), explain)


_explain_undefined_exercises()
