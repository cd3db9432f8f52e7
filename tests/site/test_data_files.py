"""The built site publishes each chapter's data files at ``chapters/<id>/<file>``, the address a notebook
opened on its own fetches them from (``DATA_URL`` of its data cell), and the fetch works from the site."""

from __future__ import annotations

import pytest
from test_chapter_data import DATA, fetch_cell, fetch_function, serve

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("chapter_id", sorted(DATA))
def test_the_site_serves_what_the_notebook_fetches(site, chapter_id, tmp_path, monkeypatch):
    course, html = site
    for name in DATA[chapter_id]:
        published = html / "chapters" / chapter_id / name
        assert published.read_bytes() == (course / "chapters" / chapter_id / name).read_bytes()
    monkeypatch.chdir(tmp_path)
    with serve(html) as base:
        ns = fetch_function(chapter_id, f"{base}/chapters/{chapter_id}/")
        assert "def fetch_data(" in fetch_cell(chapter_id)
        path = ns["fetch_data"]("digits.npz", ns["DIGITS_SHA256"]) if chapter_id == "08_backprop" else None
    if path is not None:
        assert (tmp_path / path).read_bytes() == (
            course / "chapters" / chapter_id / "digits.npz"
        ).read_bytes()
