"""``python -m autograder``: every verb parsed end to end and handed to its ``main()``."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import pytest
from helpers import ROOT, make_class

from autograder import __main__ as cli
from autograder.classroom import batch
from autograder.publishing import book, release


def run(*argv, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "autograder", *argv], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_gradescope_writes_the_bundle_it_names(tmp_path):
    out = tmp_path / "bundle.zip"
    proc = run("gradescope", "02_motivations", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert str(out) in proc.stdout and "run_autograder" in zipfile.ZipFile(out).namelist()


def test_gradescope_names_an_unknown_chapter():
    proc = run("gradescope", "99_nothing")
    assert proc.returncode == 2 and "unknown chapter '99_nothing'" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr  # no traceback


def test_a_missing_notebook_is_one_line_and_writes_nothing(tmp_path):
    proc = run("grade", str(tmp_path / "nb.ipynb"), "--results", str(tmp_path / "r.json"))
    assert proc.returncode == 2 and proc.stderr.startswith("error: no such file or folder")
    assert len(proc.stderr.strip().splitlines()) == 1 and not (tmp_path / "r.json").exists()


def test_a_notebook_of_another_chapter_says_what_its_metadata_says(tmp_path):
    from autograder.publishing.course import source_notebook

    results = tmp_path / "r.json"
    proc = run(
        "grade", str(source_notebook("01_convolution")), "--chapter", "03_padding", "--results", str(results)
    )
    assert proc.returncode == 1, proc.stderr
    assert "notebook of 01_convolution (its metadata says so), not of 03_padding" in proc.stderr
    doc = json.loads(results.read_text())
    assert doc["score"] == 0 and "its metadata says so" in doc["output"]


def test_export_rewrites_the_csv_and_feedback_from_a_gradebook(tmp_path):
    from autograder.classroom.gradebook import Book

    db = f"sqlite:///{tmp_path / 'gradebook.db'}"
    Book(db).close()  # an empty gradebook: export never creates one
    csv, feedback = tmp_path / "out" / "grades.csv", tmp_path / "fb"
    proc = run("export", "--db", db, "--csv", str(csv), "--feedback", str(feedback))
    assert proc.returncode == 0, proc.stderr
    assert "0 graded submissions exported" in proc.stdout
    assert csv.read_text().splitlines()[0].startswith("student,chapter,score,max_score")


def test_export_passes_the_submitted_folder_on(monkeypatch, tmp_path):
    from autograder.classroom import export

    calls = []
    monkeypatch.setattr(export, "main", lambda **k: calls.append(k) or [])
    argv = ["export", "--db", "sqlite://", "--csv", "g.csv", "--feedback", "fb", "--submitted", "sub"]
    assert cli.main(argv) == 0
    assert calls == [{"db": "sqlite://", "csv_path": "g.csv", "feedback": "fb", "submitted": "sub"}]


def test_class_grading_says_which_feedback_nbgrader_cannot_hand_back(monkeypatch, tmp_path, capsys):
    summary = batch.Summary(
        csv=tmp_path / "grades.csv",
        feedback=tmp_path / "pages",  # where class grading wrote them: the command line never guesses
        unreleasable=[("ada", "01_convolution", ["submission_secret.txt"])],
    )
    monkeypatch.setattr(batch, "main", lambda *a, **k: summary)
    assert cli.main(["grade", str(tmp_path), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert f"feedback in {tmp_path / 'pages'};" in out
    assert "`nbgrader release_feedback` cannot hand back 1 of the pages" in out
    assert "not collected with `nbgrader collect`" in out


@pytest.mark.parametrize(
    ("argv", "module", "expected"),
    [
        (["release", "01_convolution", "03_padding"], release, ((["01_convolution", "03_padding"],), {})),
        (["release"], release, ((None,), {})),
        (["book", "--output", "site"], book, ((), {"output": "site"})),
        (["book"], book, ((), {})),
    ],
)
def test_release_and_book_pass_only_what_was_given(monkeypatch, argv, module, expected):
    calls = []
    monkeypatch.setattr(module, "main", lambda *a, **k: calls.append((a, k)) or [])
    assert cli.main(argv) == 0
    assert calls == [expected]


def test_class_options_reach_class_grading(monkeypatch, tmp_path):
    calls = []
    summary = batch.Summary(csv=tmp_path / "grades.csv")
    monkeypatch.setattr(batch, "main", lambda *a, **k: calls.append((a, k)) or summary)
    argv = ["grade", str(tmp_path), "--jobs", "3", "--isolation", "process", "--regrade", "--no-progress"]
    assert cli.main(argv) == 0
    assert calls == [
        ((str(tmp_path),), {"progress": False, "jobs": 3, "isolation": "process", "regrade": "*"})
    ]


def test_more_jobs_than_cores_grade_every_submission_once(tmp_path):
    make_class(tmp_path / "submitted", 3)
    summary = batch.main(tmp_path / "submitted", jobs=8, progress=False)
    assert not summary.failed, summary.failed
    assert sorted(i.student for i in summary.graded) == ["student000", "student001", "student002"]
