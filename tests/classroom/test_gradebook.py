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
from autograder.publishing import ROOT


def test_the_schema_version_is_what_alembic_heads_says(tmp_path):
    """The oracle: nbgrader's own way, an ``alembic heads`` subprocess on its migration scripts."""
    alembic = Path(sys.executable).parent / "alembic"
    with _temp_alembic_ini(f"sqlite:///{tmp_path / 'unused.db'}") as ini:
        heads = subprocess.run([alembic, "-c", ini, "heads"], capture_output=True, text=True, check=True)
    assert heads.stdout.split()[0] == gradebook.schema_version()


def test_a_new_gradebook_needs_no_alembic_on_path(tmp_path):
    assert shutil.which("alembic", path=os.defpath) is None, "the check needs a PATH without alembic"
    db = tmp_path / "gradebook.db"
    create = f"from autograder.classroom.gradebook import Book\nBook({f'sqlite:///{db}'!r}).close()"
    env = {"PATH": os.defpath, "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", create], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (gradebook.schema_version(),)
        ]
