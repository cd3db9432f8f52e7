"""The gradebook stamps a new database with nbgrader's schema version without running ``alembic``."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from nbgrader.dbutil import _temp_alembic_ini

from autograder.classroom import gradebook


def test_the_schema_version_is_what_alembic_heads_says(tmp_path):
    """The oracle: nbgrader's own way, an ``alembic heads`` subprocess on its migration scripts."""
    alembic = Path(sys.executable).parent / "alembic"
    with _temp_alembic_ini(f"sqlite:///{tmp_path / 'unused.db'}") as ini:
        heads = subprocess.run([alembic, "-c", ini, "heads"], capture_output=True, text=True, check=True)
    assert heads.stdout.split()[0] == gradebook.schema_version()


def test_a_new_gradebook_runs_no_alembic(tmp_path, monkeypatch):
    def no_subprocess(*args, **kwargs):
        raise AssertionError(f"a subprocess was started: {args}")

    monkeypatch.setattr(subprocess, "check_output", no_subprocess)  # what nbgrader runs alembic with
    monkeypatch.setattr(subprocess, "check_call", no_subprocess)
    assert shutil.which("alembic", path=os.defpath) is None, "the check needs a PATH without alembic"
    monkeypatch.setenv("PATH", os.defpath)
    db = tmp_path / "gradebook.db"
    gradebook.Book(f"sqlite:///{db}").close()
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (gradebook.schema_version(),)
        ]
