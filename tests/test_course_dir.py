"""nbgrader's course directory, spelt once (``autograder/course_dir.py``): it is nbgrader's own layout,
``nbgrader_config.py`` gives nbgrader the same names, and submissions are found one way everywhere."""

from __future__ import annotations

from pathlib import Path

from helpers import ROOT
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config

from autograder.course_dir import NBGRADER_DIRECTORIES, CourseDir, graded_notebook

CH = "01_convolution"


def test_the_layout_is_nbgraders_own_but_for_the_sources(tmp_path):
    """Every folder but the sources has nbgrader's default name, so nbgrader's commands and ours agree."""
    defaults = CourseDirectory(root=str(tmp_path))
    for name in ("release_directory", "submitted_directory", "autograded_directory", "feedback_directory"):
        assert NBGRADER_DIRECTORIES[name] == getattr(defaults, name)
    course = CourseDir.at(tmp_path)
    assert course.db_url == defaults.db_url == f"sqlite:///{tmp_path}/gradebook.db"
    assert (course.submitted, course.feedback, course.release) == (
        tmp_path / "submitted",
        tmp_path / "feedback",
        tmp_path / "release",
    )
    assert course.deadlines == tmp_path / "deadlines.toml"
    assert course.source(CH) == tmp_path / "chapters" / CH / f"{CH}.ipynb"
    assert course.released(CH) == tmp_path / "release" / CH / f"{CH}.ipynb"


def test_nbgrader_config_gives_nbgrader_the_same_layout():
    config = Config()
    code = compile((ROOT / "nbgrader_config.py").read_text(), "nbgrader_config.py", "exec")
    exec(code, {"get_config": lambda: config})
    given = config.CourseDirectory
    assert given.source_directory == "chapters"
    assert (given.release_directory, given.submitted_directory, given.feedback_directory) == (
        "release",
        "submitted",
        "feedback",
    )
    assert given.db_url == "sqlite:///gradebook.db"


def notebook(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{}")
    return path


def test_discovery_finds_submissions_and_names_what_is_not_one(tmp_path):
    course = CourseDir.at(tmp_path)
    ada = notebook(course.submission("ada", CH) / f"{CH}.ipynb")
    bob = notebook(course.submission("bob", CH) / "my copy.ipynb")  # renamed
    notebook(course.submission("bob", CH) / ".ipynb_checkpoints" / f"{CH}-checkpoint.ipynb")
    notebook(course.submitted / ".trash" / CH / f"{CH}.ipynb")  # a hidden folder: never a student
    notebook(course.submission("cy", "01_convolutoin") / f"{CH}.ipynb")  # misspelt chapter
    (course.submitted / "notes.txt").write_text("")
    items, skipped = course.discover([CH, "04_channels"])
    assert [(i.student, i.chapter, i.notebook) for i in items] == [("ada", CH, ada), ("bob", CH, bob)]
    assert skipped[0].startswith("cy/01_convolutoin (not a chapter") and "01_convolution" in skipped[0]
    assert skipped[1:] == ["notes.txt (a file; submissions go in <student>/<chapter>/)"]
    assert [i.student for i in course.submissions(CH)] == ["ada", "bob"]


def test_the_graded_notebook_is_the_chapters_else_the_first_by_name(tmp_path):
    folder = tmp_path / "sub"
    assert graded_notebook(folder, CH) == folder / f"{CH}.ipynb"  # no folder: the expected name
    notebook(folder / ".ipynb_checkpoints" / "a.ipynb")
    notebook(folder / "deeper" / "b.ipynb")
    assert graded_notebook(folder, CH) == folder / f"{CH}.ipynb"  # none directly inside
    assert graded_notebook(folder, CH, nested=True) == folder / "deeper" / "b.ipynb"
    notebook(folder / "c.ipynb")
    assert graded_notebook(folder, CH) == folder / "c.ipynb"
    notebook(folder / f"{CH}.ipynb")
    assert graded_notebook(folder, CH, nested=True) == folder / f"{CH}.ipynb"


def test_released_files_are_those_beside_the_notebook(tmp_path):
    course = CourseDir.at(tmp_path)
    notebook(course.released(CH))
    (course.released(CH).parent / "digits.npz").write_bytes(b"")
    (course.released(CH).parent / "a.csv").write_bytes(b"")
    assert course.released_files(CH) == [course.released(CH).parent / n for n in ("a.csv", "digits.npz")]
