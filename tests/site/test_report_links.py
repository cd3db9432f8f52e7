"""The class report links each exercise to the section of its chapter page that teaches it: every such
link's section exists on the built page."""

from __future__ import annotations

import re

import pytest

from autograder.classroom import report
from autograder.engine import exercises

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("chapter_id", list(exercises.CHAPTERS))
def test_every_exercise_links_to_a_section_of_its_page(site, chapter_id):
    course, html = site
    page = (html / "chapters" / chapter_id / f"{chapter_id}.html").read_text()
    ids = set(re.findall(r'<section id="([^"]+)"', page))
    links = report.sections(chapter_id, course)
    for ex in exercises.chapter(chapter_id):
        title, address = links[ex.name]
        assert address.startswith(report.page_address(chapter_id, course)), address
        assert address.split("#")[1] in ids, f"{ex.name}: {title} ({address}) is not a section of the page"
