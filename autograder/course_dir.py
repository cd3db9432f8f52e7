"""nbgrader's course directory, in one place: every path the grader, the class tools, the release and
the Gradescope bundle read or write under a course's root.

=====================================  =====================================================
``chapters/<id>/<id>.ipynb``           the source assignments (:meth:`CourseDir.source`)
``release/<id>/<id>.ipynb``            the student notebooks, with their data files beside
``submitted/<student>/<id>/``          one submission: its notebook, ``timestamp.txt``, ...
``feedback/<student>/<id>/<nb>.html``  its feedback page, where ``nbgrader release_feedback`` reads it
``gradebook.db``                       nbgrader's gradebook (SQLite)
``deadlines.toml``                     due dates and the late policy (:mod:`autograder.classroom.late`)
=====================================  =====================================================

``nbgrader_config.py`` gives nbgrader the same names (:data:`NBGRADER_DIRECTORIES`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SOURCE = "chapters"
RELEASE = "release"
SUBMITTED = "submitted"
AUTOGRADED = "autograded"
FEEDBACK = "feedback"
GRADEBOOK = "gradebook.db"
DEADLINES = "deadlines.toml"
GRADES_CSV = "grades.csv"

# nbgrader's CourseDirectory settings for these folders (read by nbgrader_config.py).
NBGRADER_DIRECTORIES = {
    "source_directory": SOURCE,
    "release_directory": RELEASE,
    "submitted_directory": SUBMITTED,
    "autograded_directory": AUTOGRADED,
    "feedback_directory": FEEDBACK,
    "db_url": f"sqlite:///{GRADEBOOK}",
}

# What nbgrader's release_feedback reads beside each feedback page (nbgrader's exchange writes both
# into every submission; nbgrader's generate_feedback copies them from the submission, as we do).
TIMESTAMP = "timestamp.txt"  # when the submission was collected (read by the late policy)
RELEASE_FILES = (TIMESTAMP, "submission_secret.txt")


def notebook_file(chapter: str) -> str:
    """A chapter's notebook is named after it, in every folder of the layout: ``<id>.ipynb``."""
    return f"{chapter}.ipynb"


def lacking_release_files(folder: Path) -> list[str]:
    """Which of :data:`RELEASE_FILES` are not in ``folder`` (a submission, or a feedback page's folder)."""
    return [name for name in RELEASE_FILES if not (folder / name).is_file()]


def hidden(path: Path) -> bool:
    """A dot-folder or dot-file (``.ipynb_checkpoints``, ``.DS_Store``): never a submission."""
    return path.name.startswith(".")


def graded_notebook(folder: Path, chapter: str, *, nested: bool = False) -> Path:
    """The notebook graded in a submission folder (``submitted/<student>/<chapter>``): ``<chapter>.ipynb``,
    else the first other notebook there by name (e.g. a renamed copy), else ``<chapter>.ipynb`` (which
    does not exist). With ``nested``, notebooks in sub-folders count too (a Gradescope upload keeps the
    student's folders); never one in a hidden folder such as ``.ipynb_checkpoints``."""
    expected = folder / notebook_file(chapter)
    if expected.exists() or not folder.is_dir():
        return expected
    found = sorted(
        p
        for p in folder.glob("**/*.ipynb" if nested else "*.ipynb")
        if not any(hidden(Path(part)) for part in p.relative_to(folder).parts)
    )
    return found[0] if found else expected


def student_folder(base: Path, student: str, chapter: str) -> Path:
    """``<base>/<student>/<chapter>``: nbgrader's layout of a submission under ``submitted/`` and of its
    feedback under ``feedback/`` (either folder may be one the instructor names)."""
    return base / student / chapter


@dataclass(frozen=True)
class Submission:
    """One student's folder for one chapter, and the notebook in it that is graded."""

    student: str
    chapter: str
    notebook: Path


@dataclass(frozen=True)
class CourseDir:
    """nbgrader's course directory at ``root``. ``submitted`` is the submissions folder when it is not
    ``root/submitted`` (an instructor may grade any folder laid out as nbgrader's ``submitted/``)."""

    root: Path
    submitted: Path

    @classmethod
    def at(cls, root: str | Path) -> CourseDir:
        root = Path(root)
        return cls(root, root / SUBMITTED)

    @classmethod
    def around(cls, submitted: str | Path) -> CourseDir:
        """The course whose submissions folder is ``submitted``: its root is the folder above."""
        submitted = Path(submitted).resolve()
        return cls(submitted.parent, submitted)

    @property
    def feedback(self) -> Path:
        return self.root / FEEDBACK

    @property
    def release(self) -> Path:
        return self.root / RELEASE

    @property
    def gradebook(self) -> Path:
        return self.root / GRADEBOOK

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.gradebook}"

    @property
    def deadlines(self) -> Path:
        return self.root / DEADLINES

    @property
    def grades_csv(self) -> Path:
        return self.root / GRADES_CSV

    def source(self, chapter: str) -> Path:
        """The chapter's source notebook, ``chapters/<id>/<id>.ipynb``."""
        return self.root / SOURCE / chapter / notebook_file(chapter)

    def released(self, chapter: str) -> Path:
        """The chapter's student notebook, ``release/<id>/<id>.ipynb``."""
        return self.release / chapter / notebook_file(chapter)

    def released_files(self, chapter: str) -> list[Path]:
        """The files released beside the chapter's student notebook (its data files), by name."""
        notebook = self.released(chapter)
        return [p for p in sorted(notebook.parent.iterdir()) if p.is_file() and p != notebook]

    def submission(self, student: str, chapter: str) -> Path:
        """The folder ``submitted/<student>/<chapter>``."""
        return student_folder(self.submitted, student, chapter)

    def feedback_pages(self, chapter: str) -> list[Path]:
        """Every feedback page of ``chapter``: ``feedback/<student>/<chapter>/*.html``."""
        return sorted(self.feedback.glob(f"*/{chapter}/*.html"))

    def discover(self, chapters) -> tuple[list[Submission], list[str]]:
        """Every (student, chapter) folder under ``submitted`` whose chapter is one of ``chapters``, in a
        stable order, and every folder or file there that is not one (a misnamed chapter folder, a stray
        file), with why. Hidden files and folders are neither."""
        from autograder.errors import did_you_mean

        items, skipped = [], []
        known = ", ".join(chapters)
        for entry in sorted(self.submitted.iterdir()):
            if hidden(entry):
                continue
            if not entry.is_dir():
                skipped.append(f"{entry.name} (a file; submissions go in <student>/<chapter>/)")
                continue
            found = False
            for chapter_dir in sorted(p for p in entry.iterdir() if not hidden(p)):
                if chapter_dir.is_dir() and chapter_dir.name in chapters:
                    notebook = graded_notebook(chapter_dir, chapter_dir.name)
                    items.append(Submission(entry.name, chapter_dir.name, notebook))
                    found = True
                elif chapter_dir.is_dir():
                    hint = did_you_mean(chapter_dir.name, chapters)
                    skipped.append(f"{entry.name}/{chapter_dir.name} (not a chapter{hint or ': ' + known})")
            if not found and entry.name in chapters:
                skipped.append(
                    f"{entry.name} (a chapter folder: give the {SUBMITTED}/ folder that holds the students)"
                )
            elif not found and not any(p.is_dir() for p in entry.iterdir()):
                skipped.append(f"{entry.name} (no chapter folder inside)")
        return items, skipped

    def submissions(self, chapter: str) -> list[Submission]:
        """The submissions of one chapter, by student."""
        return [item for item in self.discover([chapter])[0]]
