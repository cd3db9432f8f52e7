"""The built site publishes each chapter's data files at ``chapters/<id>/<file>``, the address a notebook
opened on its own fetches them from (``DATA_URL`` of its data cell), and the fetch works from the site."""

from __future__ import annotations

import json
import re
import urllib.request

import numpy as np
import pytest
from explorers import DIGITS, digit
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


def test_the_explorers_digits_are_digits_npz_first_image_of_each_class(served):
    """The explorers' digit mode (``input=digit``) reads ``_static/explorers/digits.js``, which the build
    writes from chapter 08's digits.npz: as the site serves it, digit d is the first image of class d, pixel
    for pixel, with the data set's source and licence."""
    with urllib.request.urlopen(f"{served}/_static/explorers/digits.js") as response:
        text = response.read().decode()
    found = re.fullmatch(r"(//[^\n]*\n)window\.CourseDigits = (\{.*\});\n", text, re.S)
    assert found, text[:200]
    doc = json.loads(found.group(2))
    with np.load(DIGITS, allow_pickle=False) as data:
        labels, source, licence = data["labels"], str(data["source"]), str(data["licence"])
    assert [int(labels[i]) for i in doc["index"]] == list(range(10))
    assert all((labels[:i] != d).all() for d, i in enumerate(doc["index"]))  # the first of its class
    assert np.array_equal(doc["images"], [digit(d) for d in range(10)])
    assert (doc["source"], doc["licence"]) == (source, licence)
