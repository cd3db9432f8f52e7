"""What the class got wrong: the structured verdict of each graded test, and the class report built from
the gradebook (``python -m autograder report submitted/ --chapter ID``)."""

from __future__ import annotations

import csv
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import (
    ROOT,
    changed_in,
    grade_class_command,
    grade_file,
    launch,
    result_for,
    solution_cells,
    source_notebook,
    with_answers,
)

from autograder.classroom.gradebook import Book
from autograder.engine import sandbox

CHAPTER = "01_convolution"


def on_the_class(test):
    """A test that reads the graded class of 20 (a module fixture): slow, and on one worker, which grades
    the class once."""
    return pytest.mark.slow(pytest.mark.xdist_group("report-class")(test))


FLIPPED = {"correlate2d": "def correlate2d(image, kernel):\n    return convolve2d(image, kernel)\n"}
# the model answer with its loops stopped one position short in each direction
_MODEL = solution_cells(source_notebook(CHAPTER))
_SHORT = {**_MODEL, "correlate2d": changed_in(_MODEL, "correlate2d", "H - kh + 1", "H - kh")}
OFF_BY_ONE = {"correlate2d": changed_in(_SHORT, "correlate2d", "W - kw + 1", "W - kw")}
# 20 students: 6 flip the kernel, 4 stop one short, 10 honest (the hand-made expectation of the report)
KNOWN = [("flipped", FLIPPED)] * 6 + [("off by one", OFF_BY_ONE)] * 4 + [("honest", {})] * 10


def run(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "autograder", *args], cwd=cwd, capture_output=True, text=True, timeout=600
    )


# -- the verdict of each graded test ----------------------------------------------------------------


def test_verdicts_name_the_mistake_and_full_marks(tmp_path):
    doc = grade_file(with_answers(CHAPTER, {**FLIPPED}, tmp_path))
    flipped = result_for(doc, "correlate2d")["extra_data"]
    assert flipped["mistake"] == "kernel flipped" and flipped["full_marks"] is False
    assert flipped["stopped"] is None and flipped["failed_cases"][0] == "correlate2d#1"
    honest = result_for(doc, "convolve2d")["extra_data"]
    assert honest == {
        "exercise": "convolve2d",
        "headline": "convolve2d: all 10 cases passed (3/3 points).",
        "first_failure": None,
        "failed_cases": [],
        "mistake": None,
        "full_marks": True,
        "stopped": None,
    }
    off = result_for(grade_file(with_answers(CHAPTER, OFF_BY_ONE, tmp_path / "o")), "correlate2d")
    assert off["extra_data"]["mistake"] == "off-by-one output size"


def test_verdicts_say_why_an_exercise_stopped(tmp_path):
    answers = {
        "correlate2d": "def correlate2d(image, kernel:\n    return image\n",
        "convolve2d": "def convolve_2d(image, kernel):\n    return image\n",
        "convolve2d_full": "def convolve2d_full(image, kernel):\n    raise NotImplementedError()\n",
    }
    doc = grade_file(with_answers(CHAPTER, answers, tmp_path))
    stopped = {t["extra_data"]["exercise"]: t["extra_data"]["stopped"] for t in doc["tests"]}
    assert stopped == {"correlate2d": "syntax error", "convolve2d": "no function", "convolve2d_full": None}
    stub = result_for(doc, "convolve2d_full")["extra_data"]
    assert stub["mistake"] is None and stub["full_marks"] is False and len(stub["failed_cases"]) == 10

    broken = tmp_path / "b" / f"{CHAPTER}.ipynb"
    broken.parent.mkdir()
    broken.write_text("{ truncated")
    assert {t["extra_data"]["stopped"] for t in grade_file(broken)["tests"]} == {"unreadable"}

    loop = with_answers(CHAPTER, {"convolve2d": "while True:\n    pass\n"}, tmp_path / "l")
    doc = grade_file(loop, limits=sandbox.Limits(wall_seconds=3))
    assert result_for(doc, "convolve2d")["extra_data"]["stopped"] == "time limit"


# -- the class report ------------------------------------------------------------------------------


def make_known_class(submitted: Path) -> dict[str, str]:
    kinds = {}
    for i, (kind, answers) in enumerate(KNOWN):
        student = f"s{i:02d}"
        with_answers(CHAPTER, answers, submitted / student / CHAPTER)
        kinds[student] = kind
    return kinds


@pytest.fixture(scope="module")
def known_class(tmp_path_factory):
    course = tmp_path_factory.mktemp("known")
    kinds = make_known_class(course / "submitted")
    graded = subprocess.run(
        grade_class_command(course / "submitted", "--jobs", "2", "--isolation", "auto"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert graded.returncode == 0, graded.stderr
    return course, kinds


def read_csv(path: Path) -> list[dict]:
    with path.open() as f:
        return list(csv.DictReader(f))


def counts(rows: list[dict], exercise: str) -> dict[str, tuple[int, float]]:
    return {r["mistake"]: (int(r["students"]), float(r["share"])) for r in rows if r["exercise"] == exercise}


@on_the_class
def test_report_counts_the_known_mistakes(known_class, tmp_path):
    course, kinds = known_class
    done = run("report", str(course / "submitted"), "--chapter", CHAPTER, "--output", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "20 submissions of 01_convolution" in done.stdout
    rows = read_csv(tmp_path / f"{CHAPTER}.csv")
    assert list(rows[0])[:4] == ["exercise", "mistake", "students", "share"]
    assert "names" not in rows[0]  # anonymous by default
    assert counts(rows, "correlate2d") == {
        "none": (10, 0.5),
        "kernel flipped": (6, 0.3),
        "off-by-one output size": (4, 0.2),
    }
    assert counts(rows, "convolve2d") == {"none": (20, 1.0)}
    flipped = next(r for r in rows if r["mistake"] == "kernel flipped")
    # a flipped kernel passes 3 of the 10 cases (the 1x1 kernel and the two invalid inputs): 6 x 2.8 points
    assert flipped["points_lost"] == "16.8"
    assert flipped["cases"].split()[0] == "correlate2d#1"
    assert flipped["section"].endswith("01_convolution.html#two-formulas")
    page = (tmp_path / f"{CHAPTER}.html").read_text()
    reteach = page.split('id="reteach"')[1].split("</section>")[0]
    assert reteach.index("kernel flipped") < reteach.index("off-by-one output size")
    assert "s00" not in page  # no student is named unless asked


@on_the_class
def test_report_names_students_only_when_asked(known_class, tmp_path):
    course, kinds = known_class
    done = run(
        "report", str(course / "submitted"), "--chapter", CHAPTER, "--output", str(tmp_path), "--names"
    )
    assert done.returncode == 0, done.stderr
    rows = read_csv(tmp_path / f"{CHAPTER}.csv")
    flipped = next(r for r in rows if r["mistake"] == "kernel flipped")
    assert flipped["names"].split() == sorted(s for s, k in kinds.items() if k == "flipped")


@on_the_class
def test_grades_without_verdicts_are_unknown_and_said_so(known_class, tmp_path):
    course, _ = known_class
    copy = tmp_path / "course"
    (copy / "submitted").mkdir(parents=True)
    (copy / "gradebook.db").write_bytes((course / "gradebook.db").read_bytes())
    with Book(f"sqlite:///{copy / 'gradebook.db'}") as book:
        row = next(r for r in book.rows() if r.student == "s00")
        for test in row.results["tests"]:  # as recorded before verdicts existed
            test["extra_data"] = {k: test["extra_data"][k] for k in ("exercise", "failed_cases")}
        book.record("s00", CHAPTER, "old", row.results)
    with sqlite3.connect(copy / "gradebook.db") as db:  # s19's grade as nbgrader autograde records it
        db.execute("DELETE FROM autograder_results WHERE student = 's19'")
    done = run("report", str(copy / "submitted"), "--chapter", CHAPTER)
    assert done.returncode == 0, done.stderr
    assert "2 submissions have grades without verdicts" in done.stdout
    rows = read_csv(copy / "report" / f"{CHAPTER}.csv")
    assert counts(rows, "correlate2d")["unknown"] == (2, 0.1)
    assert counts(rows, "correlate2d")["kernel flipped"] == (5, 0.25)
    assert counts(rows, "correlate2d")["none"] == (9, 0.45)
    unknown = next(r for r in rows if r["exercise"] == "correlate2d" and r["mistake"] == "unknown")
    assert unknown["points_lost"] == "2.8"  # s00's flipped kernel; s19 (honest) lost nothing in nbgrader
    page = (copy / "report" / f"{CHAPTER}.html").read_text()
    assert "2 of the 20 submissions have grades recorded without verdicts" in page


@pytest.mark.slow  # grades a class
def test_stopped_submissions_need_a_human(tmp_path):
    submitted = tmp_path / "submitted"
    with_answers(CHAPTER, {}, submitted / "ok" / CHAPTER)
    broken = submitted / "broken" / CHAPTER / f"{CHAPTER}.ipynb"
    broken.parent.mkdir(parents=True)
    broken.write_text("not a notebook")
    graded = subprocess.run(
        grade_class_command(submitted, "--isolation", "auto"), cwd=ROOT, capture_output=True, text=True
    )
    assert graded.returncode == 0, graded.stderr
    done = run("report", str(submitted), "--chapter", CHAPTER, "--names")
    assert done.returncode == 0, done.stderr
    rows = read_csv(tmp_path / "report" / f"{CHAPTER}.csv")
    assert counts(rows, "convolve2d") == {"none": (1, 0.5), "stopped: unreadable": (1, 0.5)}
    human = (
        (tmp_path / "report" / f"{CHAPTER}.html").read_text().split('id="human"')[1].split("</section>")[0]
    )
    assert "unreadable: 1 submission: broken (correlate2d, convolve2d, convolve2d_full)" in human


@pytest.mark.parametrize(
    "args, message",
    [
        (["missing/", "--chapter", CHAPTER], "missing is not a folder"),
        (["{tmp}", "--chapter", "99_nothing"], "unknown chapter '99_nothing'"),
        (["{tmp}", "--chapter", CHAPTER], "no gradebook at"),
        (["{tmp}", "--chapter", CHAPTER, "--db", "sqlite:///{tmp}/none.db"], "no gradebook at"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, message):
    (tmp_path / "submitted").mkdir()
    args = [a.replace("{tmp}", str(tmp_path / "submitted")) for a in args]
    done = run("report", *args, cwd=tmp_path)
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


@on_the_class
def test_report_page_passes_axe_and_its_plots_have_alt_text(known_class, tmp_path, request):
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    course, _ = known_class
    assert (
        run("report", str(course / "submitted"), "--chapter", CHAPTER, "--output", str(tmp_path)).returncode
        == 0
    )
    page_path = tmp_path / f"{CHAPTER}.html"
    options = {
        "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
        "resultTypes": ["violations"],
    }
    with sync_playwright() as p:
        browser = launch(p)
        if browser is None:
            pytest.fail("no headless Chromium: apt-get install chromium")
        try:
            for width in (1280, 320):
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.goto(page_path.as_uri())
                violations = Axe().run(page, options=options).response["violations"]
                assert violations == [], json.dumps(violations)[:2000]
                alts = page.locator("img").evaluate_all("imgs => imgs.map(i => i.alt)")
                assert len(alts) == 3 and all("scores on" in a and "scored" in a for a in alts), alts
                scrolls = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
                assert not scrolls, f"the report scrolls sideways at {width} px"
                if width == 1280 and request.config.getoption("--screenshots"):
                    (ROOT / "_build" / "screenshots").mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(ROOT / "_build" / "screenshots" / "report.png"), full_page=True)
                page.close()
        finally:
            browser.close()
