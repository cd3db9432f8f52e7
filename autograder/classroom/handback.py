"""Hand feedback back to students: ``python -m autograder release-feedback CHAPTER``.

nbgrader's ``release_feedback`` publishes every page under ``feedback/<student>/<chapter>/`` to the
exchange, where each student's ``nbgrader fetch_feedback`` finds their own; it needs the
submission's ``timestamp.txt`` and ``submission_secret.txt`` beside each page, and stops at the
first page without them, releasing nothing. In a class where some submissions did not come through
``nbgrader collect`` (a notebook copied into ``submitted/`` by hand, from an LMS archive), this
command runs nbgrader's own release for every page that has them and names every page that has not
(those students get their page another way, e.g. by e-mail).
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from autograder.conventions import nbgrader_env
from autograder.course_dir import CourseDir, lacking_release_files
from autograder.engine import exercises
from autograder.errors import UsageError, did_you_mean


@dataclass
class Handback:
    released: list[str] = field(default_factory=list)  # students whose page nbgrader published
    kept: list[tuple[str, list[str]]] = field(default_factory=list)  # (student, the files it lacks)


def main(chapter: str, *, course: str | Path = ".", nbgrader_options: list[str] | None = None) -> Handback:
    """Release through nbgrader's exchange every feedback page of ``chapter`` under ``course``/feedback
    that nbgrader can hand back; ``nbgrader_options`` go to ``nbgrader release_feedback`` as they are
    (e.g. ``--Exchange.root=...``)."""
    if chapter not in exercises.CHAPTERS:
        raise UsageError(f"unknown chapter {chapter!r}{did_you_mean(chapter, exercises.CHAPTERS)}")
    layout = CourseDir.at(course)
    pages = layout.feedback_pages(chapter)
    if not pages:
        raise UsageError(f"no feedback pages for {chapter} in {layout.feedback}: grade the class first")
    done = Handback()
    for page in pages:
        student = page.parent.parent.name
        missing = lacking_release_files(page.parent)
        if missing:
            done.kept.append((student, missing))
        elif student not in done.released:
            done.released.append(student)
    if done.released:
        kept = sorted({student for student, _ in done.kept})
        exclude = [f"--CourseDirectory.student_id_exclude={','.join(kept)}"] if kept else []
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "nbgrader",
                "release_feedback",
                chapter,
                *exclude,
                *(nbgrader_options or []),
            ],
            cwd=layout.root,
            env=nbgrader_env(),
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            last = (proc.stderr.strip() or proc.stdout.strip() or "no output").splitlines()[-1]
            raise UsageError(f"nbgrader release_feedback {chapter} failed, nothing was handed back: {last}")
    return done
