"""A chapter's data files reach a notebook opened anywhere: beside it (the release, the student branch), or,
for a notebook opened on its own (Colab), fetched once from the published site, checked by its SHA-256,
with a one-line message naming the file and the address when that fails."""

from __future__ import annotations

import hashlib
import re

import nbformat
import numpy as np
import pytest
import yaml
from helpers import ROOT, source_notebook

from autograder.publishing.pdf import serve  # the site served on loopback, as `make pdf` serves it

BASEURL = yaml.safe_load((ROOT / "_config.yml").read_text())["html"]["baseurl"].rstrip("/") + "/"


def chapters_with_data() -> dict[str, list[str]]:
    out = {}
    for source in sorted((ROOT / "chapters").glob("*/*.ipynb")):
        if source.stem == source.parent.name:
            data = nbformat.read(source, as_version=4).metadata.get("course", {}).get("data", [])
            if data:
                out[source.stem] = data
    return out


DATA = chapters_with_data()


def fetch_cell(chapter_id: str) -> str:
    """The source of the chapter's cell that defines ``fetch_data``."""
    cells = [c.source for c in nbformat.read(source_notebook(chapter_id), as_version=4).cells]
    found = [s for s in cells if "def fetch_data(" in s]
    assert len(found) == 1, f"{chapter_id}: {len(found)} cells define fetch_data"
    return found[0]


def fetch_function(chapter_id: str, data_url: str):
    """The cell's ``fetch_data`` (the cell's definitions only, before it loads anything), reading from
    ``data_url`` instead of the published site."""
    source = fetch_cell(chapter_id)
    definitions = source[: source.index("\ndata = ")]
    namespace = {"np": np}
    exec(compile(definitions, f"<{chapter_id} data cell>", "exec"), namespace)  # noqa: S102 - the course's own cell
    assert namespace["DATA_URL"] == f"{BASEURL}chapters/{chapter_id}/"
    namespace["DATA_URL"] = data_url
    return namespace


def test_chapter_08_declares_its_digits():
    assert DATA.get("08_backprop") == ["digits.npz"]


@pytest.mark.parametrize("chapter_id", sorted(DATA))
def test_the_cell_fetches_from_the_site_and_knows_each_files_hash(chapter_id):
    source = fetch_cell(chapter_id)
    ns = fetch_function(chapter_id, "unused")  # checks DATA_URL against html.baseurl
    for name in DATA[chapter_id]:
        digest = hashlib.sha256((ROOT / "chapters" / chapter_id / name).read_bytes()).hexdigest()
        constant = re.search(rf'fetch_data\("{re.escape(name)}", (\w+)\)', source)
        assert constant, f"{chapter_id} never fetches {name}"
        assert ns[constant[1]] == digest, f"{constant[1]} is not the SHA-256 of {name}"
    imported = set(re.findall(r"^(?:import|from) (\w+)", source, flags=re.M))
    assert imported <= {"hashlib", "urllib", "pathlib"}, imported  # students have numpy and matplotlib only


@pytest.mark.parametrize("chapter_id", sorted(DATA))
def test_a_missing_file_is_fetched_and_checked(chapter_id, tmp_path, monkeypatch):
    site = tmp_path / "site" / "chapters" / chapter_id
    site.mkdir(parents=True)
    for name in DATA[chapter_id]:
        (site / name).write_bytes((ROOT / "chapters" / chapter_id / name).read_bytes())
    work = tmp_path / "colab"
    work.mkdir()
    monkeypatch.chdir(work)
    with serve(tmp_path / "site") as base:
        ns = fetch_function(chapter_id, f"{base}/chapters/{chapter_id}/")
        name = DATA[chapter_id][0]
        constant = re.search(rf'fetch_data\("{re.escape(name)}", (\w+)\)', fetch_cell(chapter_id))[1]
        path = ns["fetch_data"](name, ns[constant])
        assert (work / path).read_bytes() == (site / name).read_bytes()
        (site / name).write_bytes(b"not the course's file")  # a second call uses the copy it saved
        assert ns["fetch_data"](name, ns[constant]) == path
        (work / path).unlink()
        with pytest.raises(ValueError) as wrong:
            ns["fetch_data"](name, ns[constant])
        assert f"{name} downloaded from {base}/chapters/{chapter_id}/{name} is not the course's file" in str(
            wrong.value
        )
        assert not (work / path).exists()  # a file that is not the course's is never kept


def test_offline_says_which_file_and_where_in_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with serve(tmp_path) as base:
        pass  # the server is gone: nothing listens at that address any more
    ns = fetch_function("08_backprop", f"{base}/chapters/08_backprop/")
    with pytest.raises(FileNotFoundError) as missing:
        ns["fetch_data"]("digits.npz", ns["DIGITS_SHA256"])
    message = str(missing.value)
    assert message.startswith(
        f"digits.npz is not beside this notebook and could not be downloaded from {base}"
    )
    assert f"{base}/chapters/08_backprop/digits.npz" in message and "\n" not in message
