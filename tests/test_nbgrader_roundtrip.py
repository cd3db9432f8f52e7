"""nbgrader round trip: the released notebooks, submitted and autograded by nbgrader itself, score
exactly what ``python -m autograder grade`` gives the same files."""

from __future__ import annotations

import shutil

import pytest
from helpers import grade_file, model_answers, source_notebook, with_answers
from nbgrader.api import Gradebook

from autograder.engine import exercises
from autograder.publishing import release

pytestmark = pytest.mark.slow

CHAPTERS = [c for c in exercises.CHAPTERS if source_notebook(c).exists()]


def submissions(chapter_id: str) -> dict[str, dict[str, str]]:
    """Honest students: everything solved, the first exercise left as a stub, nothing done."""
    answers = model_answers(chapter_id)
    first = next(iter(answers))
    return {"ada": answers, "grace": {k: v for k, v in answers.items() if k != first}, "alan": {}}


@pytest.mark.parametrize("chapter_id", CHAPTERS)
def test_autograder_and_nbgrader_agree(chapter_id, course, tmp_path):
    work = tmp_path / "course"
    shutil.copytree(course, work, ignore=shutil.ignore_patterns("submitted", "autograded"))
    released = work / "release" / chapter_id / f"{chapter_id}.ipynb"
    ours = {}
    for student, answers in submissions(chapter_id).items():
        path = with_answers(chapter_id, answers, work / "submitted" / student / chapter_id, base=released)
        ours[student] = grade_file(path)["score"]
    release.nbgrader("autograde", chapter_id, "--create", "--log-level=WARN", course=work)
    with Gradebook(f"sqlite:///{work / 'gradebook.db'}") as gb:
        theirs = {s: gb.find_submission(chapter_id, s).score for s in ours}
    assert theirs == pytest.approx(ours, abs=1e-9)
    total = sum(ex.points for ex in exercises.chapter(chapter_id))
    assert ours["ada"] == total and ours["alan"] == 0 and 0 < ours["grace"] < total
