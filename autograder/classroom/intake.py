"""Submissions collected by a learning management system, laid out as nbgrader's ``submitted/`` tree.

``python -m autograder import-canvas ARCHIVE --chapter 01_convolution --roster roster.csv`` reads
Canvas's "Download Submissions" archive (a .zip, or the folder it was unpacked into). Canvas names
each file ``<name>[_LATE]_<Canvas user id>_<submission id>_<the student's file name>``, and a file
the student uploaded again under the same name gets a ``-1``, ``-2``... suffix. The user id is
matched through the roster's ``ID`` column (the roster Canvas's gradebook export gives, the one
``export --canvas`` reads), whose ``SIS Login ID`` column (or ``--match``) is the nbgrader student id.

``python -m autograder import-moodle ARCHIVE ...`` reads Moodle's "Download all submissions"
archive: a folder per student, ``<Full Name>_<participant id>_assignsubmission_file_/`` (or, when
Moodle was told not to use folders, that prefix on each file name). The participant id is matched
through the roster's ``ID`` column (``Participant 12345``, as Moodle's grading worksheet writes it,
is read as 12345).

Each matched student's newest notebook (the highest resubmission suffix, then the latest submission
id or file time) becomes ``submitted/<login>/<chapter>/<chapter>.ipynb``, with ``lms.json`` beside it
recording where it came from and Canvas's late flag. Neither archive carries a submission time, so no
``timestamp.txt`` is written: the late policy charges no penalty for these submissions and their
feedback says so (see README). Every file that could not be matched is listed, never dropped
silently. An archive that is not a zip, holds no notebook, holds a notebook of another chapter or a
path that leaves its folder is refused whole, and nothing is written.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from autograder.classroom import lms
from autograder.course_dir import SUBMITTED, notebook_file, student_folder
from autograder.engine import exercises, notebook

MAX_FILE_MB = 64  # larger than any notebook a student saves; refuses a zip bomb before it is unpacked
CANVAS = re.compile(r"^(?P<name>.+?)(?P<late>_LATE)?_(?P<user>\d+)_(?P<submission>\d+)_(?P<file>.+)$")
MOODLE = re.compile(r"^(?P<name>.+)_(?P<user>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file>.*)$")
RESUBMISSION = re.compile(r"^(?P<stem>.*?)(?:-(?P<n>\d+)| \((?P<m>\d+)\))?$")
ID_COLUMN = "ID"


class IntakeError(ValueError):
    """The archive (or the command) is wrong: nothing was imported."""


@dataclass
class File:
    """One file of the archive: its path inside it, its bytes and the time the archive gives it."""

    path: str
    data: bytes
    time: tuple


@dataclass
class Candidate:
    login: str
    file: File
    late: bool
    order: tuple  # larger is newer
    user: str
    submission: str = ""


@dataclass
class Intake:
    chapter: str
    submitted: Path
    imported: dict[str, Candidate] = field(default_factory=dict)  # login -> the notebook kept
    replaced: list[str] = field(default_factory=list)  # older resubmissions not kept
    unmatched: list[tuple[str, str]] = field(default_factory=list)  # (file, why)

    @property
    def late(self) -> list[str]:
        return sorted(login for login, c in self.imported.items() if c.late)


def _safe(name: str, source: Path) -> str:
    """A member path that stays inside the archive's folder, or refuse the archive."""
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts or re.match(r"^[A-Za-z]:", name):
        raise IntakeError(f"{source}: the path {name!r} leaves the archive's folder: nothing imported")
    return str(pure)


def read_files(source: Path) -> list[File]:
    """Every file of a .zip archive or of the folder it was unpacked into (hidden files skipped)."""
    if source.is_dir():
        root, files = source.resolve(), []
        for path in sorted(source.rglob("*")):
            if path.is_symlink() and not path.resolve().is_relative_to(root):
                raise IntakeError(f"{path}: a link that leaves the folder {source}: nothing imported")
            rel = path.relative_to(source)
            if path.is_file() and not any(part.startswith((".", "__MACOSX")) for part in rel.parts):
                files.append(File(rel.as_posix(), path.read_bytes(), (path.stat().st_mtime,)))
        return files
    if not source.is_file():
        raise IntakeError(f"{source} does not exist")
    if not zipfile.is_zipfile(source):
        raise IntakeError(f"{source} is not a zip archive (download the submissions as a .zip)")
    files = []
    try:
        with zipfile.ZipFile(source) as archive:
            for info in archive.infolist():
                name = _safe(info.filename, source)
                if info.is_dir() or any(p.startswith((".", "__MACOSX")) for p in PurePosixPath(name).parts):
                    continue
                if info.file_size > MAX_FILE_MB * 2**20:
                    raise IntakeError(f"{source}: {name} is larger than {MAX_FILE_MB} MB: nothing imported")
                files.append(File(name, archive.read(info), info.date_time))
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise IntakeError(f"{source} is a damaged zip archive ({exc}): nothing imported") from None
    return files


def read_ids(roster: Path, match: str) -> dict[str, str]:
    """The roster's LMS user id -> nbgrader student id (``match`` column)."""
    rows, header = lms.read_roster(roster, match, canvas=False)
    if ID_COLUMN not in header:
        raise lms.RosterError(
            f"roster {roster} has no column {ID_COLUMN!r} holding the LMS user ids; its columns are "
            f"{', '.join(header)}"
        )
    ids = {}
    for row in rows:
        user = re.sub(r"^\s*Participant\s*", "", row.get(ID_COLUMN) or "").strip()
        login = (row.get(match) or "").strip()
        if user and login:
            ids[user] = login
    return ids


def _resubmission(file_name: str) -> tuple[str, int]:
    """(the name the student gave, the resubmission number: ``-1`` or `` (1)`` before the suffix)."""
    path = PurePosixPath(file_name)
    found = RESUBMISSION.match(path.stem)
    number = found["n"] or found["m"]
    return found["stem"] + path.suffix, int(number) if number else 0


def _chapter_of(file: File) -> str | None:
    """The chapter a notebook says it belongs to (its metadata, else its file name), if any."""
    try:
        meta = json.loads(file.data.decode("utf-8")).get("metadata", {}).get("course", {})
        if isinstance(meta, dict) and meta.get("chapter") in exercises.CHAPTERS:
            return meta["chapter"]
    except (UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        pass  # a broken notebook is graded (and reported) like any other
    name, _ = _resubmission(PurePosixPath(file.path).name)
    return notebook.chapter_from_path(PurePosixPath(name))


def _collect(kind: str, files: list[File], ids: dict[str, str], chapter: str, intake: Intake, source: Path):
    candidates: dict[str, list[Candidate]] = {}
    notebooks = 0
    for file in files:
        found = (CANVAS if kind == "canvas" else MOODLE).match(
            PurePosixPath(file.path).name if kind == "canvas" else file.path
        )
        if found is None:
            intake.unmatched.append((file.path, f"not named like a {kind.title()} submission"))
            continue
        given = PurePosixPath(found["file"].lstrip("/")).name
        if not given.endswith(".ipynb"):
            intake.unmatched.append((file.path, "not a notebook (.ipynb)"))
            continue
        notebooks += 1
        other = _chapter_of(file)
        if other is not None and other != chapter:
            raise IntakeError(
                f"{source}: {file.path} is a notebook of {other}, not {chapter}: nothing imported"
            )
        login = ids.get(found["user"])
        if login is None:
            intake.unmatched.append(
                (file.path, f"{kind.title()} user id {found['user']} is not on the roster")
            )
            continue
        _, number = _resubmission(given)
        submission = found["submission"] if kind == "canvas" else ""
        order = (number, int(submission or 0), file.time)
        late = kind == "canvas" and bool(found["late"])
        candidates.setdefault(login, []).append(
            Candidate(login, file, late, order, found["user"], submission)
        )
    if not notebooks:
        raise IntakeError(f"{source} holds no notebook (.ipynb): nothing imported")
    for login, found in candidates.items():
        found.sort(key=lambda c: c.order)
        intake.imported[login] = found[-1]
        intake.replaced += [c.file.path for c in found[:-1]]


def main(
    kind: str,
    source: str | Path,
    *,
    chapter: str,
    roster: str | Path,
    submitted: str | Path = SUBMITTED,
    match: str = "SIS Login ID",
) -> Intake:
    """Import a ``kind`` (``canvas`` or ``moodle``) archive into ``submitted``; see the module's text."""
    if chapter not in exercises.CHAPTERS:
        raise IntakeError(f"unknown chapter {chapter!r}; the chapters are {', '.join(exercises.CHAPTERS)}")
    source, submitted = Path(source), Path(submitted)
    ids = read_ids(Path(roster), match)
    intake = Intake(chapter, submitted)
    _collect(kind, read_files(source), ids, chapter, intake, source)
    for login, kept in sorted(intake.imported.items()):
        if not re.fullmatch(r"[A-Za-z0-9_.@+-]+", login) or login.startswith("."):
            intake.unmatched.append((kept.file.path, f"the roster's login {login!r} cannot name a folder"))
            del intake.imported[login]
    for login, kept in sorted(intake.imported.items()):
        folder = student_folder(submitted, login, chapter)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / notebook_file(chapter)).write_bytes(kept.file.data)
        record = {"lms": kind, "file": kept.file.path, "user_id": kept.user, "late": kept.late}
        if kept.submission:
            record["submission_id"] = kept.submission
        (folder / "lms.json").write_text(json.dumps(record, indent=2) + "\n")
    return intake
