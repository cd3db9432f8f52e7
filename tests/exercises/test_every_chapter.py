"""What every chapter's exercises do end to end, in the sandbox: the model answers score every point
with a result for each registered exercise, and the released stubs score zero."""

from __future__ import annotations

import pytest
from helpers import SOURCES, assert_model_answers_get_full_marks, assert_release_has_stubs_and_scores_zero

from autograder.engine import exercises
from autograder.engine.grade import exercise_of

CHAPTER_IDS = [path.stem for path in SOURCES]


@pytest.mark.parametrize("chapter_id", CHAPTER_IDS)
def test_model_answers_get_full_marks(chapter_id):
    doc = assert_model_answers_get_full_marks(chapter_id)
    assert [exercise_of(t) for t in doc["tests"]] == [ex.name for ex in exercises.chapter(chapter_id)]
    assert doc["output"] == "", "the given cells (demos, figures) must never show up in the feedback"


@pytest.mark.slow  # the released course: nbgrader and the chapters run
@pytest.mark.parametrize("chapter_id", CHAPTER_IDS)
def test_release_has_stubs_and_scores_zero(chapter_id, course):
    assert_release_has_stubs_and_scores_zero(course, chapter_id)
