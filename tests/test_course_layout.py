"""The course's own consistency: notebooks, registry, release and nbgrader metadata agree."""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest
from helpers import ROOT, copy_course, source_notebook

from autograder import chapters, release

SOURCES = sorted((ROOT / "chapters").glob("*/*.ipynb"))
CHAPTER_IDS = [p.stem for p in SOURCES]


def nbgrader_cells(nb, **wanted):
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta and all(meta.get(k) == v for k, v in wanted.items()):
            yield cell, meta


def test_every_notebook_is_a_registered_chapter():
    assert CHAPTER_IDS, "no chapter notebooks found"
    assert set(CHAPTER_IDS) <= set(chapters.CHAPTERS)
    for path in SOURCES:
        assert path.parent.name == path.stem, f"{path}: folder and notebook names must equal the chapter id"


@pytest.mark.parametrize("chapter_id", CHAPTER_IDS)
def test_preamble_is_the_shared_one(chapter_id):
    nb = nbformat.read(source_notebook(chapter_id), as_version=4)
    first = nb.cells[0]
    assert first.source.strip() == (ROOT / "chapters" / "preamble.py").read_text().strip()
    assert "remove-cell" in first.metadata.get("tags", [])


@pytest.mark.parametrize("chapter_id", CHAPTER_IDS)
def test_notebook_and_registry_agree(chapter_id):
    """Each registered exercise has a solution cell and a graded cell whose points match."""
    nb = nbformat.read(source_notebook(chapter_id), as_version=4)
    assert nb.metadata.get("course", {}).get("chapter") == chapter_id
    solutions = [meta["grade_id"] for _, meta in nbgrader_cells(nb, solution=True)]
    # Ungraded solution cells named earlier_*: an earlier chapter's functions, pasted in by the student
    # (chapter 08 trains a network on them); stubs in the release like any solution.
    earlier = [g for g in solutions if g.startswith("earlier_")]
    for _, meta in nbgrader_cells(nb, solution=True):
        assert not meta["grade_id"].startswith("earlier_") or not meta.get("grade"), (
            "earlier_* cells are ungraded"
        )
    solutions = [g for g in solutions if g not in earlier]
    graded = {meta["grade_id"]: meta["points"] for _, meta in nbgrader_cells(nb, grade=True, solution=False)}
    exercises = chapters.chapter(chapter_id)
    assert solutions == [ex.name for ex in exercises], "solution cells must be the exercises, in order"
    assert graded == {f"{ex.name}_graded": ex.points for ex in exercises}
    for cell, meta in nbgrader_cells(nb, grade=True, solution=False):
        name = meta["grade_id"].removesuffix("_graded")
        assert cell.source.startswith('"""'), "a graded cell starts with a one-line docstring"
        assert re.search(rf'check\("{name}", {name}\b', cell.source), (
            "the graded cell checks its own exercise"
        )


@pytest.mark.parametrize("chapter_id", CHAPTER_IDS)
def test_sources_are_clean(chapter_id):
    """No committed outputs, and student-visible code never imports the hidden packages."""
    nb = nbformat.read(source_notebook(chapter_id), as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert not cell.get("outputs"), "source notebooks are committed without outputs"
        visible = re.sub(r"### BEGIN (SOLUTION|HIDDEN TESTS).*?### END \1", "", cell.source, flags=re.S)
        assert not re.search(r"^\s*(import|from)\s+(solutions|autograder)\b", visible, flags=re.M), (
            cell.source
        )


def test_solutions_never_import_the_grader_or_chapters():
    for path in Path(ROOT / "solutions").glob("*.py"):
        text = path.read_text()
        assert not re.search(r"^\s*(import|from)\s+(autograder|chapters|scipy|torch)\b", text, flags=re.M), (
            path
        )


def test_runner_is_self_contained():
    """The runner is copied alone into the sandbox: standard library and numpy only."""
    text = (ROOT / "autograder" / "runner.py").read_text()
    imports = set(re.findall(r"^(?:import|from)\s+(\w+)", text, flags=re.M))
    assert imports <= {
        "__future__",
        "contextlib",
        "io",
        "json",
        "math",
        "os",
        "sys",
        "time",
        "traceback",
        "warnings",
        "numpy",
    }, imports


@pytest.mark.parametrize("chapter_id", CHAPTER_IDS)
def test_release_holds_no_solution_or_hidden_test(chapter_id, course):
    released = course / "release" / chapter_id / f"{chapter_id}.ipynb"
    assert released.exists()
    declared = nbformat.read(source_notebook(chapter_id), as_version=4).metadata["course"].get("data", [])
    assert sorted(p.name for p in released.parent.iterdir()) == sorted([released.name, *declared]), (
        "only the notebook and the data files its metadata declares are released"
    )
    text = released.read_text()
    for line in secret_lines(chapter_id):
        assert line not in text, f"leaked into the release: {line!r}"


BLOCK = r"### BEGIN (SOLUTION|HIDDEN TESTS)(.*?)### END \1"


def public_text() -> str:
    """Everything students see in the source notebooks: all cells with their hidden blocks cut out."""
    cells = [c for path in SOURCES for c in nbformat.read(path, as_version=4).cells]
    return "\n".join(re.sub(BLOCK, "", cell.source, flags=re.S) for cell in cells)


def secret_lines(chapter_id: str) -> set[str]:
    """Lines (15+ characters) of the solution and hidden-test blocks that no student-visible cell shows
    (a statement may say `before = total // 2`, a figure may loop `for f in range(F):`: not leaks)."""
    source = nbformat.read(source_notebook(chapter_id), as_version=4)
    public = public_text()
    blocks = [b for cell in source.cells for _, b in re.findall(BLOCK, cell.source, flags=re.S)]
    lines = {line.strip() for block in blocks for line in block.splitlines()}
    return {line for line in lines if len(line) >= 15 and line not in public}


def test_release_regenerates_only_what_is_stale(tmp_path):
    course = copy_course(tmp_path / "course")
    first, second = CHAPTER_IDS[:2]
    release.main([first, second], course=course)
    released = {c: course / "release" / c / f"{c}.ipynb" for c in (first, second)}
    assert released[first].stat().st_size > 0 and released[second].stat().st_size > 0
    before = {c: p.stat().st_mtime_ns for c, p in released.items()}
    source = course / "chapters" / second / f"{second}.ipynb"
    later = released[second].stat().st_mtime + 10
    os.utime(source, (later, later))  # edited after its release
    release.main([first, second], course=course)
    assert released[first].stat().st_mtime_ns == before[first]
    assert released[second].stat().st_mtime_ns > before[second]


def test_a_broken_source_notebook_is_named_in_the_release_error(tmp_path):
    course = copy_course(tmp_path / "course")
    broken = CHAPTER_IDS[-1]
    (course / "chapters" / broken / f"{broken}.ipynb").write_text("{ not json")
    with pytest.raises(RuntimeError, match=broken) as info:
        release.main([CHAPTER_IDS[0], broken], course=course)
    assert "Notebook does not appear to be JSON" in str(info.value)
