"""Read a submitted notebook and pick out the code to grade, by behaviour rather than by trust.

Exercises are found by the names of the functions a cell defines, so a notebook whose cells lost
their nbgrader metadata, were reordered or duplicated is still graded (with a note). Test cells
(nbgrader grade cells that are not solutions) are never taken from the submission: editing or
deleting them changes nothing. What a student wrote in other cells (helpers, constants, imports) is
part of their answer, as it is when they press Run All, but only its definitions are run: a scratch
cell that plots, loops forever or asks for input costs nothing.
"""

from __future__ import annotations

import ast
import functools
import json
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from autograder.engine import exercises


class SubmissionError(Exception):
    """The file cannot be graded at all (not a notebook, unknown chapter...)."""


# A notebook larger than this is not read at all (graded 0, with a message): the course's notebooks
# are well under 1 MB, and reading a huge one (an output of hundreds of MB) would cost the grading
# process several times its size in memory before any sandbox is involved.
MAX_NOTEBOOK_BYTES = 32 * 2**20


def read_capped(path: str | Path, limit: int | None = None) -> bytes:
    """The bytes of a submitted file, refusing (:class:`SubmissionError`) one larger than ``limit``
    (default :data:`MAX_NOTEBOOK_BYTES`) without reading it."""
    path, limit = Path(path), limit or MAX_NOTEBOOK_BYTES
    try:
        with path.open("rb") as f:
            too_large = os.fstat(f.fileno()).st_size > limit  # refused without reading it
            data = b"" if too_large else f.read(limit + 1)
    except OSError as exc:
        raise SubmissionError(f"cannot read {path.name}: {exc.strerror or exc}") from None
    if too_large or len(data) > limit:
        raise SubmissionError(
            f"{path.name} is larger than {limit / 2**20:g} MB, too large to grade (a huge output "
            "saved in it?). Clear the outputs (Kernel > Restart & Clear Output), save, and submit again."
        )
    return data


@dataclass(frozen=True)
class Cell:
    """A piece of the submission to execute, and where it came from (for the feedback)."""

    index: int  # the cell's number in the notebook, counting every cell from 0
    source: str
    defines: frozenset[str] = frozenset()  # the exercises this cell defines


@dataclass
class Submission:
    path: Path
    chapter: str
    cells: list[Cell]  # to execute, in notebook order
    notes: list[str] = field(default_factory=list)


# Never run for grading: the hidden packages (absent in the sandbox), what only the book uses, and
# the student packages but numpy (which the namespace already holds as ``np``): they draw figures and
# are slow to import (outside solution cells: a figure is never graded).
_SKIPPED_IMPORTS = {
    "autograder",
    "solutions",
    "IPython",
    "ipywidgets",
    "myst_nb",
    *(name for name in exercises.STUDENT_PACKAGES if name != "numpy"),
}
_MAGIC = re.compile(r"^(\s*)([%!].*)$", re.MULTILINE)
_DEF = re.compile(r"^(?:async\s+)?def\s+(\w+)\s*\(", re.MULTILINE)


def is_test_cell(meta: dict) -> bool:
    """An nbgrader grade cell that is not a solution: the grader brings its own tests."""
    return bool(meta.get("grade")) and not meta.get("solution")


def _nbgrader(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


# Python 3.11's ast.parse is not safe in several threads at once: its count of the AST constructor's
# recursion is shared, and a class graded with --jobs (a thread per sandboxed run, each reading its
# notebook here) once lost a submission to "SystemError: AST constructor recursion depth mismatch
# (before=30, after=27)" (CPython issue gh-106905 is about this error).
_PARSING = threading.Lock()


@functools.lru_cache(maxsize=256)
def parse(source: str) -> ast.Module:
    """``ast.parse``, one thread at a time; a cell's tree is reused (:func:`extract` asks what a cell
    defines, then for its definitions). Callers do not change the tree."""
    with _PARSING:
        return ast.parse(source)


def _defined_functions(source: str) -> set[str]:
    """Functions a cell defines at its top level (by regex when the cell does not parse, so that a
    cell with a syntax error is still recognised as the one that defines an exercise)."""
    try:
        tree = parse(source)
    except SyntaxError:
        return set(_DEF.findall(source))
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}


def _module_names(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.update(a.asname or a.name for a in node.names)
    return names | {"np"}


def _only_modules_called(node: ast.AST, modules: set[str]) -> bool:
    """True if every call in ``node`` calls a function of an imported module (``np.array(...)``)."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            func = sub.func
            while isinstance(func, ast.Attribute):
                func = func.value
            if not (isinstance(func, ast.Name) and func.id in modules):
                return False
    return True


def definitions(source: str) -> list[str]:
    """The statements of a cell that define something, one source per statement, each padded with
    blank lines so that an error reports the line it has in the notebook cell.

    Kept: imports, function and class definitions, and assignments to names whose only calls are to
    imported modules (``KERNEL = np.array(...)``). Left out: everything else (plots, loops, prints,
    asserts, ``input()``, demos that call the exercises), so a scratch cell costs nothing; a kept
    statement that fails (a name from a left-out demo) costs nothing either and is not reported."""
    try:
        tree = parse(source)
    except SyntaxError:
        return []
    modules = _module_names(tree)
    lines = source.splitlines()
    kept = []
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            module = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
            if getattr(node, "level", 0) or (module or "").split(".")[0] in _SKIPPED_IMPORTS:
                continue
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names_only = all(
                isinstance(n, ast.Name | ast.Tuple | ast.Store) for t in targets for n in ast.walk(t)
            )
            if node.value is None or not names_only or not _only_modules_called(node.value, modules):
                continue
        elif not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        kept.append("\n" * (first - 1) + "\n".join(lines[first - 1 : node.end_lineno]) + "\n")
    return kept


def read(path: str | Path) -> dict:
    """Parse a notebook (nbformat 4 JSON), turning every way it can be broken into a SubmissionError.

    Plain JSON parsing on purpose: a grader must accept whatever Jupyter saved, and importing nbformat's
    schema validation costs more than grading a notebook."""
    path = Path(path)
    raw = read_capped(path)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SubmissionError(
            f"{path.name} is not a Jupyter notebook (not valid JSON: {exc}). "
            "Submit the .ipynb file saved from Jupyter."
        ) from None
    except RecursionError:  # JSON nested thousands deep: no notebook Jupyter saves looks like that
        raise SubmissionError(
            f"{path.name} is not a notebook Jupyter saved: it nests data too deeply to read. "
            "Submit the .ipynb file saved from Jupyter."
        ) from None
    del raw
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise SubmissionError(f"{path.name} is JSON but not a Jupyter notebook (it has no list of cells).")
    if data.get("nbformat") != 4:
        raise SubmissionError(
            f"{path.name} uses notebook format {data.get('nbformat')!r}; save it with Jupyter (format 4)."
        )
    cells = []
    for cell in data["cells"]:
        if not isinstance(cell, dict):
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        cell.pop("outputs", None)  # never graded: let them go as soon as possible
        meta = cell.get("metadata")
        cells.append(
            {
                "cell_type": cell.get("cell_type"),
                "source": source if isinstance(source, str) else "",
                "metadata": meta if isinstance(meta, dict) else {},
            }
        )
    meta = data.get("metadata")
    return {"cells": cells, "metadata": meta if isinstance(meta, dict) else {}}


def _declared(nb: dict) -> str | None:
    """The chapter a notebook's metadata names, or None."""
    meta = nb["metadata"].get("course", {})
    found = meta.get("chapter") if isinstance(meta, dict) else None
    return found if found in exercises.CHAPTERS else None


def chapter_from_path(path: Path) -> str | None:
    """The chapter a file is named after: ``01_convolution.ipynb``, ``01_convolution (1).ipynb``, or a
    notebook inside a ``01_convolution/`` folder."""
    for candidate in (path.stem, path.parent.name):
        for chapter_id in exercises.CHAPTERS:
            if candidate and candidate.startswith(chapter_id):
                return chapter_id
    return None


def chapter_of(nb, path: Path) -> str:
    """The chapter a notebook belongs to: its metadata, then its file or folder name, then the exercise
    functions it defines (Colab saves downloads as "Copy of ..." and may drop metadata)."""
    meta = nb["metadata"].get("course", {})
    from_meta = meta.get("chapter") if isinstance(meta, dict) else None
    if from_meta in exercises.CHAPTERS:
        return from_meta
    if found := chapter_from_path(path):
        return found
    defined = set()
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            defined |= _defined_functions(cell["source"])
    overlap = {c: len(defined & {ex.name for ex in exs}) for c, exs in exercises.CHAPTERS.items()}
    best = max(overlap, key=overlap.get, default=None)
    if best is not None and overlap[best] and list(overlap.values()).count(overlap[best]) == 1:
        return best
    raise SubmissionError(
        f"cannot tell which chapter {path.name} belongs to: name it after its chapter "
        f"({', '.join(exercises.CHAPTERS)})."
    )


def extract(path: str | Path, chapter: str | None = None) -> Submission:
    """The code to execute for grading, in notebook order: every solution cell and every cell that
    defines an exercise, whole; from the other cells (test cells excepted), their definitions only.
    ``chapter`` overrides the chapter the notebook's metadata or name gives."""
    path = Path(path)
    nb = read(path)
    if chapter is None:
        chapter = chapter_of(nb, path)
    else:
        exercises.chapter(chapter)  # a clear error for an unknown chapter
        declared = _declared(nb)
        if declared not in (None, chapter):
            raise SubmissionError(
                f"this is the notebook of {declared} (its metadata says so), not of {chapter}: "
                f"submit your {chapter} notebook"
            )
    names = {ex.name for ex in exercises.chapter(chapter)}
    cells, notes = [], []
    defined_in: dict[str, list[int]] = {}
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        meta = _nbgrader(cell)
        if is_test_cell(meta):
            continue
        source = _MAGIC.sub(r"\1pass  # \2", cell["source"])
        defines = frozenset(_defined_functions(source) & names)
        if meta.get("solution") and meta.get("grade_id") in names:
            defines |= {meta["grade_id"]}
        if not (meta.get("solution") or defines):
            cells.extend(Cell(index, part) for part in definitions(source))
            continue
        cells.append(Cell(index, source, defines))
        for name in sorted(defines):
            defined_in.setdefault(name, []).append(index)
            if not meta.get("solution"):
                notes.append(
                    f"{name} was found by name in cell {index}, which has lost its nbgrader metadata."
                )
    for name, where in defined_in.items():
        if len(where) > 1:
            notes.append(
                f"{name} is defined in {len(where)} cells ({', '.join(map(str, where))}); "
                f"the last one, cell {where[-1]}, is graded."
            )
    return Submission(path, chapter, cells, notes)
