"""Class grading into a real PostgreSQL gradebook (server started from Debian's packages)."""

from __future__ import annotations

import csv
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from helpers import ROOT, grade_class_command, make_class
from nbgrader.api import Gradebook

from autograder.conventions import COURSE_ID

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("postgres")]  # its module fixture: one worker
BINDIR = sorted(glob.glob("/usr/lib/postgresql/*/bin"))


def _as_postgres(*cmd):
    runner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run([*runner, *cmd], check=True, capture_output=True)


@pytest.fixture(scope="session")
def postgres_url():
    if not BINDIR:
        pytest.fail("PostgreSQL server binaries missing: apt-get install postgresql")
    bindir = Path(BINDIR[-1])
    home = Path(tempfile.mkdtemp(prefix="pg-"))
    os.chmod(home, 0o777)
    data = home / "data"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    if os.geteuid() == 0:
        shutil.chown(home, "postgres")
    _as_postgres(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "grader")
    _as_postgres(
        str(bindir / "pg_ctl"),
        "-D",
        str(data),
        "-w",
        "-l",
        str(home / "log"),
        "-o",
        f"-k {home} -p {port} -c listen_addresses=''",
        "start",
    )
    try:
        _as_postgres(str(bindir / "createdb"), "-h", str(home), "-p", str(port), "-U", "grader", "gradebook")
        yield f"postgresql+psycopg2://grader@/gradebook?host={home}&port={port}"
    finally:
        _as_postgres(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(home, ignore_errors=True)


def test_class_grades_land_in_postgres(postgres_url, tmp_path):
    kinds = make_class(tmp_path / "submitted", 7)
    cmd = grade_class_command(tmp_path / "submitted", "--jobs", "2", "--db", postgres_url)
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "graded 7, unchanged 0, failed 0" in proc.stdout
    with Gradebook(postgres_url, course_id=COURSE_ID) as gb:
        scores = {s: gb.find_submission("01_convolution", s).score for s in kinds}
    assert kinds["student000"] == "honest" and kinds["student006"] == "broken file"
    assert scores["student000"] == 10 and scores["student006"] == 0
    with (tmp_path / "grades.csv").open() as f:
        assert len(scores) == 7 and len(list(csv.reader(f))) == 8  # a header and a row per student
    rerun = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert "graded 0, unchanged 7" in rerun.stdout

    # the class report reads the verdicts back from PostgreSQL
    cmd = [
        sys.executable,
        "-m",
        "autograder",
        "report",
        str(tmp_path / "submitted"),
        "--chapter",
        "01_convolution",
    ]
    report = subprocess.run(
        [*cmd, "--db", postgres_url], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert report.returncode == 0, report.stderr
    with (tmp_path / "report" / "01_convolution.csv").open() as f:
        rows = [r for r in csv.DictReader(f) if r["exercise"] == "correlate2d"]
    found = {r["mistake"]: int(r["students"]) for r in rows}
    assert kinds["student002"] == "flipped" and found["kernel flipped"] == 1
    assert found["stopped: unreadable"] == 1  # student006's broken file
    assert sum(found.values()) == 7


def test_a_postgres_database_that_does_not_exist_is_one_line(postgres_url, tmp_path):
    """A misspelt database name: exit 2, one line naming it, and `export` creates nothing."""
    wrong = postgres_url.replace("/gradebook?", "/gradebok?")
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "export", "--db", wrong, "--csv", str(tmp_path / "g.csv")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "cannot reach the gradebook" in proc.stderr and "gradebok" in proc.stderr
    assert not list(tmp_path.iterdir())  # nothing written
