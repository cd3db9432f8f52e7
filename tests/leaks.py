"""Working answers where students look: every function that a released notebook, a page or a download of
the site defines is run on every graded exercise's hidden cases, and one that passes most of them is an
answer given away, whatever chapter it is in (the site publishes every chapter at once).

Only function definitions (and imports) are run, never a cell's other statements: a lesson's training
loop or figure does not run here. A candidate is tried on an exercise when its signature accepts the
exercise's arguments; the functions an exercise also calls (``uses``: a backward pass calls its forward
pass) are the reference's or, in turn, every candidate of the same document.
"""

from __future__ import annotations

import ast
import contextlib
import html
import inspect
import re
import signal
import warnings
from pathlib import Path

import nbformat

import solutions
from autograder.engine import check, exercises

SHARE = 0.5  # a function that passes this share of an exercise's cases answers it
SECONDS = 20  # per candidate and exercise: a helper that spins on foreign input is no answer


def code_cells(path: Path) -> list[str]:
    """The code of a notebook's code cells, or of an HTML page's highlighted code blocks."""
    if path.suffix == ".ipynb":
        nb = nbformat.read(path, as_version=4)
        return [c.source for c in nb.cells if c.cell_type == "code"]
    blocks = re.findall(r'<div class="highlight[^"]*"><pre>(.*?)</pre>', path.read_text(), flags=re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", block)) for block in blocks]


def defined_functions(sources: list[str]) -> dict[str, object]:
    """name -> function, for every top-level ``def`` of ``sources``, defined in one namespace with the
    sources' imports (so helpers can call each other); nothing else of the code runs."""
    namespace: dict = {}
    names = []
    for source in sources:
        lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
        try:
            tree = ast.parse("\n".join(lines))
        except SyntaxError:
            continue
        kept = [n for n in tree.body if isinstance(n, ast.FunctionDef | ast.Import | ast.ImportFrom)]
        names += [n.name for n in kept if isinstance(n, ast.FunctionDef)]
        with contextlib.suppress(Exception):
            exec(compile(ast.Module(body=kept, type_ignores=[]), "<leak scan>", "exec"), namespace)  # noqa: S102
    return {name: namespace[name] for name in dict.fromkeys(names) if callable(namespace.get(name))}


def _arity(exercise) -> int:
    """How many arguments the grader passes to the exercise's function (a backward pass gets
    ``(dout, cache)``, not the case's four arguments)."""
    first = exercise.cases()[0].args
    call = ast.parse(exercise.call([f"a{i}" for i in range(len(first))])).body[0].value
    return len(call.args)


def _accepts(func, count: int) -> bool:
    try:
        inspect.signature(func).bind(*range(count))
    except (TypeError, ValueError):
        return False
    return True


@contextlib.contextmanager
def _deadline(seconds: int):
    def stop(signum, frame):
        raise TimeoutError

    old = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _share(name: str, func, uses: dict) -> float:
    try:
        with _deadline(SECONDS), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = check.run(name, func, **uses)
    except Exception:  # noqa: BLE001 - a helper that breaks on foreign input answers nothing
        return 0.0
    return result.passed / result.total if result.total else 0.0


def answers_given_away(functions: dict[str, object]) -> list[str]:
    """``"<function> answers <exercise> (<share> of its cases)"`` for every function of ``functions``
    that passes at least ``SHARE`` of a graded exercise's cases."""
    found = []
    for exercise in exercises.EXERCISES.values():
        count = _arity(exercise)
        for name, func in functions.items():
            if not _accepts(func, count):
                continue
            choices = [{}]
            for used in exercise.uses:
                options = [getattr(solutions, used), *(f for n, f in functions.items() if n != name)]
                choices = [{**c, used: option} for c in choices for option in options]
            best = max(_share(exercise.name, func, uses) for uses in choices)
            if best >= SHARE:
                found.append(f"{name} answers {exercise.name} ({best:.0%} of its cases)")
    return found


# -- lines of the model answers ---------------------------------------------------------------------------

BLOCK = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)(.*?)### END \1", re.S)


def model_answer_lines(sources: list[Path]) -> dict[str, str]:
    """line -> its chapter, for every line (15+ characters) of a solution or hidden-test block of the
    source notebooks ``sources`` that no cell a student sees holds as well (a statement may say
    ``before = total // 2``, a figure may loop ``for f in range(F):``: not leaks). Build-only cells are
    not seen: a line they share with a model answer is still secret."""
    notebooks = {path.stem: nbformat.read(path, as_version=4) for path in sources}
    seen = "\n".join(
        BLOCK.sub("", cell.source)
        for nb in notebooks.values()
        for cell in nb.cells
        if "build-only" not in cell.metadata.get("tags", [])
    )
    secret = {}
    for chapter, nb in notebooks.items():
        for cell in nb.cells:
            for _, block in BLOCK.findall(cell.source):
                for line in block.splitlines():
                    line = line.strip()
                    if len(line) >= 15 and line not in seen:
                        secret.setdefault(line, chapter)
    return secret
