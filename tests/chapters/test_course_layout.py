"""The course's own consistency: notebooks, registry, release and nbgrader metadata agree."""

from __future__ import annotations

import ast
import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml
from helpers import ROOT, SOURCES, secret_lines, source_notebook

from autograder.engine import exercises
from autograder.engine.exercise import grade_id
from autograder.publishing import jupyter, release

CHAPTER_IDS = [p.stem for p in SOURCES]


def nbgrader_cells(nb, **wanted):
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta and all(meta.get(k) == v for k, v in wanted.items()):
            yield cell, meta


def test_every_notebook_is_a_registered_chapter():
    assert CHAPTER_IDS, "no chapter notebooks found"
    assert set(CHAPTER_IDS) <= set(exercises.CHAPTERS)
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
    """Each registered exercise has a solution cell and a graded cell; points are the registry's alone."""
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
    graded = [meta for _, meta in nbgrader_cells(nb, grade=True, solution=False)]
    registered = exercises.chapter(chapter_id)
    assert solutions == [ex.name for ex in registered], "solution cells must be the exercises, in order"
    assert [m["grade_id"] for m in graded] == [grade_id(ex.name) for ex in registered]
    assert not any("points" in m for m in graded), "points are declared in the registry only"
    for cell, meta in nbgrader_cells(nb, grade=True, solution=False):
        name = exercises.BY_GRADED_CELL[meta["grade_id"]].name
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


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth (lazy imports inside functions included)."""
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def imports_of(package: str) -> dict[Path, set[str]]:
    return {path: imported_modules(path) for path in sorted((ROOT / package).rglob("*.py"))}


def test_imported_modules_sees_lazy_and_indented_imports(tmp_path):
    source = tmp_path / "lazy.py"
    source.write_text("def f():\n    from autograder.classroom import batch\n    import scipy.signal\n")
    assert {"autograder.classroom", "autograder.classroom.batch", "scipy.signal"} <= imported_modules(source)


def test_solutions_never_import_the_grader_or_chapters():
    for path, modules in imports_of("solutions").items():
        roots = {m.split(".")[0] for m in modules}
        assert not roots & {"autograder", "chapters", "scipy", "torch"}, (path, roots)


def test_the_engine_never_imports_the_classroom_or_publishing():
    """Grading one submission stands alone: class grading and publishing build on it, never the reverse."""
    for path, modules in imports_of("autograder/engine").items():
        outward = {m for m in modules if m.startswith(("autograder.classroom", "autograder.publishing"))}
        assert not outward, (path, outward)
        reads_reference = any(m.split(".")[0] == "solutions" for m in modules)
        assert not reads_reference or "exercises" in path.parts, (path, "only the registry reads solutions")


def test_the_classroom_never_imports_publishing():
    for path, modules in imports_of("autograder/classroom").items():
        assert not {m for m in modules if m.startswith("autograder.publishing")}, path


def test_runner_is_self_contained():
    """The runner is copied alone into the sandbox: standard library and numpy only."""
    roots = {m.split(".")[0] for m in imported_modules(ROOT / "autograder" / "engine" / "runner.py")}
    assert roots <= {
        "__future__",
        "builtins",
        "contextlib",
        "importlib",
        "io",
        "json",
        "math",
        "os",
        "resource",
        "signal",
        "sys",
        "time",
        "traceback",
        "warnings",
        "numpy",
    }, roots


@pytest.mark.slow  # the released course: nbgrader and the chapters run
@pytest.mark.parametrize("chapter_id", CHAPTER_IDS)
def test_release_gives_each_graded_cell_its_registry_points(chapter_id, course):
    released = nbformat.read(course / "release" / chapter_id / f"{chapter_id}.ipynb", as_version=4)
    points = {
        meta["grade_id"]: meta["points"] for _, meta in nbgrader_cells(released, grade=True, solution=False)
    }
    assert points == {grade_id(ex.name): ex.points for ex in exercises.chapter(chapter_id)}
    assert all(p > 0 for p in points.values())


@pytest.mark.slow  # the released course: nbgrader and the chapters run
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


@pytest.mark.slow  # the released course: nbgrader and the chapters run
def test_release_makes_again_exactly_what_is_stale(course, tmp_path):
    """One release of four chapters: one untouched (kept as it is), one whose source was edited after its
    release, one released before the numbers were written in (a glue role shows, however new the file
    is), one released before the code that makes releases changed (e.g. with raw MyST in it). Only the
    untouched one is kept."""
    course = shutil.copytree(course, tmp_path / "course")  # released, file times kept
    kept, glued, edited, older = "01_convolution", "02_motivations", "03_padding", "04_channels"
    released = {c: course / "release" / c / f"{c}.ipynb" for c in (kept, edited, glued, older)}
    assert all(path.stat().st_size > 0 for path in released.values())
    before = {c: path.stat().st_mtime_ns for c, path in released.items()}

    source = course / "chapters" / edited / f"{edited}.ipynb"
    later = released[edited].stat().st_mtime + 10
    os.utime(source, (later, later))  # edited after its release
    nb = nbformat.read(released[glued], as_version=4)
    text = next(cell for cell in nb.cells if cell.cell_type == "markdown")
    text.source += "\n\nSaving {glue:text}`sparsity_saving:,.0f` parameters."
    nbformat.write(nb, released[glued])
    before[glued] = released[glued].stat().st_mtime_ns
    oldest = min(p.stat().st_mtime for p in release.PUBLISHING) - 10
    os.utime(released[older], (oldest, oldest))
    before[older] = released[older].stat().st_mtime_ns

    release.main(list(released), course=course)
    assert released[kept].stat().st_mtime_ns == before[kept], f"{kept} was unchanged, yet released again"
    for chapter_id in (edited, glued, older):
        assert released[chapter_id].stat().st_mtime_ns > before[chapter_id], f"{chapter_id}: not made again"
    assert "{glue" not in released[glued].read_text()


@pytest.mark.slow  # the released course: nbgrader and the chapters run
def test_a_broken_source_notebook_is_named_in_the_release_error(course, tmp_path):
    course = shutil.copytree(course, tmp_path / "course")  # released: only the broken one is redone
    broken = CHAPTER_IDS[-1]
    (course / "chapters" / broken / f"{broken}.ipynb").write_text("{ not json")
    with pytest.raises(RuntimeError, match=broken) as info:
        release.main([CHAPTER_IDS[0], broken], course=course)
    assert "Notebook does not appear to be JSON" in str(info.value)


def test_the_published_address_is_the_repositorys_pages_site():
    """The student notebooks link to ``html.baseurl``: the GitHub Pages site of ``repository.url``, where
    the course's workflow publishes the book."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    owner, name = re.fullmatch(
        r"https://github\.com/([^/]+)/([^/]+?)/?", config["repository"]["url"]
    ).groups()
    assert config["html"]["baseurl"] == f"https://{owner.lower()}.github.io/{name}/"
    assert jupyter.baseurl(ROOT) == config["html"]["baseurl"]
