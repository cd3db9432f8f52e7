"""Lay out the ``student`` branch (what Binder's and the JupyterHub's launch buttons open) from ``release/``.

Each chapter's student notebook goes to ``chapters/<id>/<id>.ipynb``, the path of its page on the site,
with the data files its metadata declares (``course.data``, e.g. chapter 08's ``digits.npz``) beside it,
where the notebook loads them from; ``requirements.txt`` is the course's list of what student code may
import (``autograder/engine/student-requirements.txt``, the list the grader enforces). A declared file
missing from the release stops the layout: the branch would open a chapter that cannot run.

Usage (the ``student-branch`` job of ``.github/workflows/course.yml``; only the standard library, as that
job installs nothing): ``python3 scripts/student_branch.py release/ student/``
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

# The one list of what student code may import (the grader reads it too).
REQUIREMENTS = Path(__file__).resolve().parents[1] / "autograder" / "engine" / "student-requirements.txt"


class LayoutError(ValueError):
    """The release cannot be laid out as the student branch."""


def declared_data(notebook: Path) -> list[str]:
    """The data files a notebook's metadata declares (``metadata.course.data``)."""
    try:
        meta = json.loads(notebook.read_text(encoding="utf-8")).get("metadata", {})
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LayoutError(f"{notebook} cannot be read as a notebook ({exc})") from None
    data = meta.get("course", {}).get("data", [])
    if not isinstance(data, list) or not all(isinstance(name, str) and "/" not in name for name in data):
        raise LayoutError(f"{notebook}: metadata course.data must list file names beside the notebook")
    return data


def lay_out(release: Path, out: Path) -> list[Path]:
    """Write the branch's files into ``out`` (which must not exist yet); returns them, sorted."""
    notebooks = sorted(p for p in release.glob("*/*.ipynb") if p.stem == p.parent.name)
    if not notebooks:
        raise LayoutError(f"{release} holds no release/<id>/<id>.ipynb")
    if out.exists():
        raise LayoutError(f"{out} exists already: lay the branch out into a new folder")
    plan = []
    for notebook in notebooks:
        chapter = notebook.parent.name
        for name in [notebook.name, *declared_data(notebook)]:
            source = notebook.parent / name
            if not source.is_file():
                raise LayoutError(f"{source} is missing: {notebook.name} declares it in course.data")
            plan.append((source, out / "chapters" / chapter / name))
    written = []
    for source, target in plan:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        written.append(target)
    shutil.copyfile(REQUIREMENTS, out / "requirements.txt")
    return sorted([*written, out / "requirements.txt"])


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python3 scripts/student_branch.py RELEASE_DIR OUT_DIR", file=sys.stderr)
        return 2
    try:
        written = lay_out(Path(argv[0]), Path(argv[1]))
    except LayoutError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
