"""Similarity report: ``python -m autograder similarity submitted/ --chapter 04_channels``.

For each exercise of the chapter, only what each student wrote is compared: the code of the cells
defining the exercise, with the given code (signature, docstring, anything outside nbgrader's
``BEGIN/END SOLUTION`` markers in the chapter's source notebook) and nbgrader's code stub
(:data:`autograder.conventions.CODE_STUB`) taken out, so the starter code never counts as shared.

Fingerprints come from ``copydetect`` (winnowing over the token stream with names, strings and
comments normalised, so renaming variables or reordering functions changes nothing). Pairs are ranked
by the amount of code they share (matched tokens summed over the exercises), not by a percentage:
two short correct answers to a three-line exercise often look alike, and must not outrank a copied
twenty-line one. The HTML report shows, for each ranked pair and exercise, both students' code side by
side with the matching parts marked.

It is evidence for an instructor to read, never an automatic penalty: nothing here touches a grade.
"""

from __future__ import annotations

import ast
import difflib
import html
import io
import itertools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from copydetect import CodeFingerprint, compare_files

from autograder.conventions import CODE_STUB
from autograder.course_dir import CourseDir
from autograder.engine import exercises, notebook

ROOT = Path(__file__).resolve().parents[2]
NOISE = 25  # copydetect's noise threshold: shorter matches (in normalised characters) are ignored
# Every k-gram is kept (a winnowing window of 1), not a winnowed sample: answers are short, and which
# k-grams winnowing keeps depends on Python's per-process string hash seed, so the report would change
# from one run to the next (measured: 379 then 387 matching tokens for the same pair).
WINDOW = 1
_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def given_code(source_cell: str) -> str:
    """The part of a solution cell that students receive: everything outside the solution markers."""
    kept, inside = [], False
    for line in source_cell.splitlines():
        if line.strip() == _MARKERS[0]:
            inside = True
        elif line.strip() == _MARKERS[1]:
            inside = False
        elif not inside:
            kept.append(line)
    return "\n".join(kept)


def given_cells(chapter_id: str, course: Path = ROOT) -> dict[str, str]:
    """Exercise name -> the given code of its cell in the chapter's source notebook."""
    nb = notebook.read(CourseDir.at(course).source(chapter_id))
    out = {}
    for cell in nb["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if isinstance(meta, dict) and meta.get("solution") and meta.get("grade_id"):
            out[meta["grade_id"]] = given_code(cell["source"])
    return out


def _defines(source: str) -> set[str]:
    try:
        tree = notebook.parse(source)
    except SyntaxError:
        return set()
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}


def written(source: str, given: str) -> str:
    """``source`` without the lines it shares, in order, with ``given`` and nbgrader's code stub."""
    stub = CODE_STUB["python"].splitlines()
    given_lines = [line.strip() for line in [*given.splitlines(), *stub]]
    lines = source.splitlines()
    stripped = [line.strip() for line in lines]
    matcher = difflib.SequenceMatcher(None, stripped, given_lines, autojunk=False)
    drop = {i for block in matcher.get_matching_blocks() for i in range(block.a, block.a + block.size)}
    return "\n".join(line for i, line in enumerate(lines) if i not in drop and stripped[i]).strip("\n")


def student_code(path: Path, chapter_id: str, given: dict[str, str]) -> dict[str, str]:
    """Exercise name -> what the student wrote for it (empty if nothing, or the file is unreadable)."""
    names = [ex.name for ex in exercises.chapter(chapter_id)]
    try:
        nb = notebook.read(path)
    except notebook.SubmissionError:
        return dict.fromkeys(names, "")
    found: dict[str, str] = {}
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        meta = cell["metadata"].get("nbgrader", {})
        grade_id = meta.get("grade_id") if isinstance(meta, dict) and meta.get("solution") else None
        for name in names:
            if name == grade_id or name in _defines(cell["source"]):
                found[name] = cell["source"]  # the last definition wins, as in grading
    return {name: written(found.get(name, ""), given.get(name, "")) for name in names}


@dataclass
class Match:
    exercise: str
    overlap: int  # matched normalised tokens (characters of copydetect's filtered code)
    similarity: tuple[float, float]  # share of each side's code that matches
    marked: tuple[str, str]  # each side's code as HTML with <mark> around the matching parts


@dataclass
class Pair:
    a: str
    b: str
    matches: list[Match] = field(default_factory=list)

    @property
    def overlap(self) -> int:
        return sum(m.overlap for m in self.matches)


def _fingerprint(code: str, label: str) -> CodeFingerprint | None:
    if not code.strip():
        return None
    fp = CodeFingerprint(f"{label}.py", NOISE, WINDOW, fp=io.StringIO(code), language="python")
    return fp if fp.hashes else None


def _marked(fp: CodeFingerprint, slices: np.ndarray) -> str:
    doc, out, at = fp.raw_code, [], 0
    for start, end in sorted(zip(slices[0].astype(int), slices[1].astype(int), strict=True)):
        start, end = max(start, at), min(end, len(doc))
        if start >= end:
            continue
        out += [html.escape(doc[at:start]), "<mark>", html.escape(doc[start:end]), "</mark>"]
        at = end
    out.append(html.escape(doc[at:]))
    return "".join(out)


def compare(codes: dict[str, dict[str, str]], names: list[str]) -> list[Pair]:
    """Every pair of students with shared code, most shared first. ``codes``: student -> exercise -> code."""
    pairs: dict[tuple[str, str], Pair] = {}
    for name in names:
        prints = {s: fp for s, c in codes.items() if (fp := _fingerprint(c.get(name, ""), s)) is not None}
        for a, b in itertools.combinations(sorted(prints), 2):
            overlap, similarity, slices = compare_files(prints[a], prints[b])
            if overlap <= 0:
                continue
            match = Match(
                name,
                int(overlap),
                (float(similarity[0]), float(similarity[1])),
                (_marked(prints[a], slices[0]), _marked(prints[b], slices[1])),
            )
            pairs.setdefault((a, b), Pair(a, b)).matches.append(match)
    return sorted(pairs.values(), key=lambda p: (-p.overlap, p.a, p.b))


def report_html(chapter_id: str, pairs: list[Pair], students: int, top: int) -> str:
    rows, sections = [], []
    for rank, pair in enumerate(pairs[:top], start=1):
        anchor = f"pair{rank}"
        exercises_seen = ", ".join(f"{m.exercise} ({max(m.similarity):.0%})" for m in pair.matches)
        rows.append(
            f'<tr><td>{rank}</td><td><a href="#{anchor}">{html.escape(pair.a)} &amp; {html.escape(pair.b)}'
            f"</a></td><td>{pair.overlap}</td><td>{html.escape(exercises_seen)}</td></tr>"
        )
        blocks = []
        for m in pair.matches:
            blocks.append(
                f"<h3>{html.escape(m.exercise)}: {m.overlap} matching tokens "
                f"({m.similarity[0]:.0%} of {html.escape(pair.a)}'s code, "
                f"{m.similarity[1]:.0%} of {html.escape(pair.b)}'s)</h3>\n"
                f'<div class="side"><div><h4>{html.escape(pair.a)}</h4><pre>{m.marked[0]}</pre></div>'
                f"<div><h4>{html.escape(pair.b)}</h4><pre>{m.marked[1]}</pre></div></div>"
            )
        sections.append(
            f'<h2 id="{anchor}">{rank}. {html.escape(pair.a)} &amp; {html.escape(pair.b)}</h2>\n'
            + "\n".join(blocks)
        )
    return PAGE.format(
        chapter=html.escape(chapter_id),
        students=students,
        pairs=len(pairs),
        shown=min(top, len(pairs)),
        rows="\n".join(rows) or '<tr><td colspan="4">no shared code found</td></tr>',
        sections="\n".join(sections),
    )


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Similarity: {chapter}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 90rem; margin: 2rem auto; color: #222; }}
table {{ border-collapse: collapse; }} td, th {{ padding: .3rem .8rem; border-bottom: 1px solid #ddd; }}
.side {{ display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }}
pre {{ background: #f6f6f6; padding: .6rem; overflow-x: auto; white-space: pre-wrap; }}
mark {{ background: #ffe08a; }}
</style></head><body>
<h1>Similarity report: {chapter}</h1>
<p>{students} submissions; {pairs} pairs share code; the {shown} sharing the most are shown. Only what
students wrote is compared (the given code and stubs are removed); names, strings and comments are
normalised. This is evidence to read, not a verdict: short exercises have few ways to be written, and
shared code can have an innocent explanation. Nothing in this report changes a grade.</p>
<table><tr><th>rank</th><th>pair</th><th>matching tokens</th><th>exercises (largest share)</th></tr>
{rows}
</table>
{sections}
</body></html>
"""


def main(
    submitted: str | Path,
    *,
    chapter: str,
    output: str | Path | None = None,
    top: int = 50,
    course: str | Path = ROOT,
) -> tuple[Path, list[Pair]]:
    """Compare every pair of students' answers to ``chapter``; write the HTML report (default:
    ``<course>/similarity/<chapter>.html`` beside ``submitted/``). Returns its path and the ranked pairs."""
    if chapter not in exercises.CHAPTERS:
        raise ValueError(f"chapter must be one of {', '.join(exercises.CHAPTERS)}, not {chapter!r}")
    layout = CourseDir.around(submitted)
    if not layout.submitted.is_dir():
        raise ValueError(
            f"submitted must be nbgrader's submitted/ folder; {layout.submitted} is not a folder"
        )
    given = given_cells(chapter, Path(course))
    codes = {
        item.student: student_code(item.notebook, chapter, given)
        for item in layout.submissions(chapter)
        if item.notebook.exists()
    }
    pairs = compare(codes, [ex.name for ex in exercises.chapter(chapter)])
    path = Path(output or layout.root / "similarity" / f"{chapter}.html")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report_html(chapter, pairs, len(codes), top))
    return path, pairs
