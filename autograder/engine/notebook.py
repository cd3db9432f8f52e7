"""Read a submitted notebook and pick out the code to grade, by behaviour rather than by trust.

Exercises are found by the names of the functions a cell defines, so a notebook whose cells lost
their nbgrader metadata, were reordered or duplicated is still graded (with a note). Test cells
(nbgrader grade cells that are not solutions) are never taken from the submission: editing or
deleting them changes nothing.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from autograder.engine import exercises


class SubmissionError(Exception):
    """The file cannot be graded at all (not a notebook, unknown chapter...)."""


@dataclass
class Submission:
    path: Path
    chapter: str
    cells: list[str]  # sources to execute, in notebook order
    notes: list[str] = field(default_factory=list)


# Never run for grading: the hidden packages (absent in the sandbox) and slow plotting libraries.
_SKIPPED_IMPORTS = {"autograder", "solutions", "matplotlib", "IPython", "ipywidgets"}
_MAGIC = re.compile(r"^(\s*)([%!].*)$", re.MULTILINE)


def _nbgrader(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def _defined_functions(source: str) -> set[str] | None:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}


def _imports(source: str) -> list[str]:
    """Top-level import statements of a cell (demo cells may import what solutions use)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    lines = source.splitlines()
    out = []
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            module = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
            if (module or "").split(".")[0] in _SKIPPED_IMPORTS:
                continue
            out.append("\n".join(lines[node.lineno - 1 : node.end_lineno]))
    return out


def read(path: str | Path) -> dict:
    """Parse a notebook (nbformat 4 JSON), turning every way it can be broken into a SubmissionError.

    Plain JSON parsing on purpose: a grader must accept whatever Jupyter saved, and importing nbformat's
    schema validation costs more than grading a notebook."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SubmissionError(f"cannot read {path.name}: {exc.strerror or exc}") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SubmissionError(
            f"{path.name} is not a Jupyter notebook (not valid JSON: {exc}). "
            "Submit the .ipynb file saved from Jupyter."
        ) from None
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


def chapter_of(nb, path: Path) -> str:
    """The chapter a notebook belongs to: its metadata first, then its file or folder name."""
    meta = nb["metadata"].get("course", {})
    candidates = [meta.get("chapter") if isinstance(meta, dict) else None, path.stem, path.parent.name]
    for candidate in candidates:
        if candidate in exercises.CHAPTERS:
            return candidate
    for candidate in (path.stem, path.parent.name):  # e.g. "01_convolution (1).ipynb"
        for chapter_id in exercises.CHAPTERS:
            if candidate and candidate.startswith(chapter_id):
                return chapter_id
    raise SubmissionError(
        f"cannot tell which chapter {path.name} belongs to: name it after its chapter "
        f"({', '.join(exercises.CHAPTERS)})."
    )


def extract(path: str | Path) -> Submission:
    """The cells to execute for grading: every solution cell and every cell defining an exercise."""
    path = Path(path)
    nb = read(path)
    chapter = chapter_of(nb, path)
    names = {ex.name for ex in exercises.chapter(chapter)}
    cells, notes, imports = [], [], []
    defined_in: dict[str, list[int]] = {}
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        meta = _nbgrader(cell)
        source = _MAGIC.sub(r"\1pass  # \2", cell["source"])
        if meta.get("grade") and not meta.get("solution"):
            continue  # a test cell: the grader brings its own tests
        functions = _defined_functions(source)
        wanted = meta.get("solution") or (functions is not None and functions & names)
        if not wanted:
            imports.extend(_imports(source))
            continue
        cells.append(source)
        for name in sorted((functions or set()) & names):
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
    return Submission(path, chapter, list(dict.fromkeys(imports)) + cells, notes)
