"""Feedback reaches the student through nbgrader's own exchange: two students submit with ``nbgrader
submit``, the instructor collects with ``nbgrader collect`` (a third submission is copied into
submitted/ by hand, with a timestamp.txt but no submission_secret.txt) and grades the class with our
command, then ``python -m autograder release-feedback`` publishes through nbgrader's release the pages
it can, names the third, and each student's ``nbgrader fetch_feedback`` brings back their own page,
and only theirs."""

from __future__ import annotations

import concurrent.futures
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT, grade_class, with_answers

from autograder.conventions import COURSE_ID, nbgrader_env
from autograder.publishing.course import CLASS_KINDS

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("release-feedback")]  # one round trip, on one worker
CHAPTER = "01_convolution"
STUDENTS = {"ada": "flipped", "bo": "honest"}


def nbgrader(cwd: Path, home: Path, exchange: Path, *args: str) -> str:
    """``nbgrader ARGS`` run in ``cwd`` by a user whose home (and so nbgrader's submission cache) is
    ``home``, on the exchange at ``exchange``; its log."""
    env = nbgrader_env()
    env.update(HOME=str(home), JUPYTER_DATA_DIR=str(home / "data"), JUPYTER_CONFIG_DIR=str(home / "config"))
    env.pop("JUPYTER_PATH", None)
    options = [f"--CourseDirectory.course_id={COURSE_ID}", f"--Exchange.root={exchange}"]
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args, *options], cwd=cwd, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, f"nbgrader {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def handed_back(tmp_path_factory):
    """(course, exchange, student -> their home folder) after the whole round trip."""
    root = tmp_path_factory.mktemp("exchange")
    course, exchange = root / "course", root / "exchange"
    instructor = root / "home" / "instructor"
    with_answers(CHAPTER, {}, course / "release" / CHAPTER)
    nbgrader(course, instructor, exchange, "release_assignment", CHAPTER)
    homes = {student: root / "home" / student for student in STUDENTS}

    def submit(student: str) -> None:
        work = homes[student] / "work"
        with_answers(CHAPTER, CLASS_KINDS[STUDENTS[student]], work / CHAPTER)
        nbgrader(work, homes[student], exchange, "submit", CHAPTER, f"--student={student}")

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        list(pool.map(submit, STUDENTS))
    nbgrader(course, instructor, exchange, "collect", CHAPTER)
    by_hand = with_answers(CHAPTER, {}, course / "submitted" / "cy" / CHAPTER).parent
    (by_hand / "timestamp.txt").write_text("2026-10-05 20:00:00.000000 UTC")
    out = grade_class(course, "--isolation", "auto")
    assert "graded 3, unchanged 0, failed 0" in out, out
    assert "cannot hand back 1 of the pages (their submissions have no submission_secret.txt" in out
    env = nbgrader_env()
    env.update(HOME=str(instructor), JUPYTER_DATA_DIR=str(instructor / "data"))
    release = [sys.executable, "-m", "autograder", "release-feedback", CHAPTER, "--course", str(course)]
    release += ["--course-id", COURSE_ID, "--exchange", str(exchange)]
    proc = subprocess.run(release, cwd=ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr  # 1: one page could not be handed back, and it is named
    assert f"2 feedback pages of {CHAPTER} handed back" in proc.stdout, proc.stdout
    assert "not handed back: cy (no submission_secret.txt" in proc.stdout

    def fetch(student: str) -> None:
        nbgrader(
            homes[student] / "work",
            homes[student],
            exchange,
            "fetch_feedback",
            CHAPTER,
            f"--student={student}",
        )

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        list(pool.map(fetch, STUDENTS))
    return course, exchange, homes


def test_collected_submissions_carry_what_release_feedback_reads(handed_back):
    course, _, _ = handed_back
    for student in STUDENTS:
        page = course / "feedback" / student / CHAPTER
        assert sorted(p.name for p in page.iterdir()) == [
            f"{CHAPTER}.html",
            "submission_secret.txt",
            "timestamp.txt",
        ]
        for name in ("submission_secret.txt", "timestamp.txt"):
            assert (page / name).read_bytes() == (
                course / "submitted" / student / CHAPTER / name
            ).read_bytes()


def test_the_exchange_holds_each_page_under_nbgraders_hash(handed_back):
    course, exchange, homes = handed_back
    released = exchange / COURSE_ID / "feedback"
    expected = set()
    for student in STUDENTS:
        (cache,) = (homes[student] / "data" / "nbgrader_cache" / COURSE_ID).glob(f"{student}+{CHAPTER}+*")
        secret = (cache / "submission_secret.txt").read_text()
        # nbgrader.utils.notebook_hash with a secret: md5 of the secret, then the notebook's name
        name = hashlib.md5((secret + CHAPTER).encode()).hexdigest() + ".html"
        ours = course / "feedback" / student / CHAPTER / f"{CHAPTER}.html"
        assert (released / name).read_bytes() == ours.read_bytes()
        expected.add(name)
    assert {p.name for p in released.iterdir()} == expected


def test_each_student_fetches_their_own_feedback(handed_back):
    course, _, homes = handed_back
    pages = {}
    for student in STUDENTS:
        (fetched,) = (homes[student] / "work" / CHAPTER / "feedback").glob(f"*/{CHAPTER}.html")
        submitted_at = (course / "submitted" / student / CHAPTER / "timestamp.txt").read_text()
        assert fetched.parent.name == submitted_at  # nbgrader files it under the submission's time
        ours = course / "feedback" / student / CHAPTER / f"{CHAPTER}.html"
        assert fetched.read_bytes() == ours.read_bytes()
        pages[student] = fetched.read_text()
    assert "feedback for ada" in pages["ada"] and "Diagnosis: kernel flipped" in pages["ada"]
    assert "correlate2d#1" in pages["ada"] and "correlate2d(np.array([[0.0, 1.0, 2.0]" in pages["ada"]
    assert "feedback for bo" in pages["bo"] and "First failure" not in pages["bo"]
