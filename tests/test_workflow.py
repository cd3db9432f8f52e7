"""The course's own GitHub workflow: it parses, calls only make targets that exist, tests before it
builds, and publishes the site to GitHub Pages from main only."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
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
