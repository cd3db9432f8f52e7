"""What the class got wrong: ``python -m autograder report submitted/ --chapter 01_convolution``.

Reads the gradebook (nothing is regraded) and writes ``report/<chapter>.html`` and
``report/<chapter>.csv`` beside ``submitted/``. Each graded test of a recorded results document carries
a structured verdict (:func:`autograder.engine.grade.verdict`): the mistake named for the exercise's
first failing case, the failing case ids, whether it got full marks and why it stopped, if it did.
The report counts students per exercise and verdict, never reading the feedback's text:

- ``none``: full marks;
- a mistake's name: the first failing case matches that known mistake;
- ``unnamed``: a wrong answer that no known mistake explains;
- ``stopped: <why>``: nothing was judged (unreadable, time limit, no function, syntax error...): these
  submissions need a human;
- ``unknown``: a grade recorded without verdicts (graded before verdicts were recorded, or by
  ``nbgrader autograde``); regrading fills them in.

At the top, "what to reteach": the named mistakes that cost the class the most points. The report is
anonymous (counts only) unless ``names`` is set, which lists the students of each row.
"""

from __future__ import annotations

import base64
import csv
import html
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml
from docutils.nodes import make_id

from autograder.course_dir import CourseDir
from autograder.engine import exercises
from autograder.engine.exercise import grade_id

ROOT = Path(__file__).resolve().parents[2]
NONE, UNNAMED, UNKNOWN, STOPPED = "none", "unnamed", "unknown", "stopped: "
RETEACH = 3  # named mistakes shown under "what to reteach"
TOP_CASES = 5  # case ids shown per exercise (and 3 per mistake)
VERDICT_FIELDS = ("mistake", "full_marks", "stopped", "failed_cases")
COLUMNS = ("exercise", "mistake", "students", "share", "points_lost", "cases", "section")


class ReportError(ValueError):
    """The report cannot be written: a missing path, an unknown chapter, no gradebook."""


@dataclass
class Verdict:
    """One student's result on one exercise."""

    student: str
    score: float
    max_score: float
    mistake: str  # none, a mistake's name, unnamed, stopped: <why>, unknown
    failed_cases: list[str] = field(default_factory=list)


@dataclass
class Row:
    """One (exercise, mistake) line of the report."""

    exercise: str
    mistake: str
    students: list[str]
    share: float
    points_lost: float
    cases: list[tuple[str, int]]
    section: str


@dataclass
class Report:
    chapter: str
    html: Path
    csv: Path
    submissions: int
    unknown: int  # submissions with at least one grade recorded without verdicts
    rows: list[Row]


# -- reading the gradebook ------------------------------------------------------------------------


def _label(extra: dict) -> str:
    if not all(key in extra for key in VERDICT_FIELDS):
        return UNKNOWN
    if extra["stopped"]:
        return STOPPED + str(extra["stopped"])
    if extra["full_marks"]:
        return NONE
    return str(extra["mistake"]) if extra["mistake"] else UNNAMED


def read_verdicts(db: str, chapter: str) -> dict[str, list[Verdict]]:
    """Exercise -> every student's verdict on it, for the chapter's submissions in the gradebook at
    ``db``: from the grading ledger where a results document was recorded, else (a grade nbgrader
    recorded itself) the nbgrader grade with the mistake ``unknown``."""
    from nbgrader.api import MissingEntry
    from sqlalchemy.exc import SQLAlchemyError

    from autograder.classroom.gradebook import Book

    found: dict[str, list[Verdict]] = {ex.name: [] for ex in exercises.chapter(chapter)}
    try:
        with Book(db) as book:
            ledger = {row.student: row for row in book.rows() if row.chapter == chapter}
            try:
                nbgrader_students = [s.student.id for s in book.gb.find_assignment(chapter).submissions]
            except MissingEntry:
                nbgrader_students = []
            for student in sorted(set(ledger) | set(nbgrader_students)):
                row = ledger.get(student)
                tests = {t["extra_data"]["exercise"]: t for t in row.results["tests"]} if row else {}
                for ex in exercises.chapter(chapter):
                    test = tests.get(ex.name)
                    if test is not None:
                        verdict = Verdict(
                            student,
                            float(test["score"]),
                            float(test["max_score"]),
                            _label(test["extra_data"]),
                            list(test["extra_data"].get("failed_cases") or []),
                        )
                    else:
                        try:
                            score = book.gb.find_grade(grade_id(ex.name), chapter, chapter, student).score
                        except MissingEntry:
                            score = 0.0
                        verdict = Verdict(student, float(score or 0.0), float(ex.points), UNKNOWN)
                    found[ex.name].append(verdict)
    except SQLAlchemyError as exc:
        raise ReportError(f"the gradebook {db} cannot be read: {type(exc).__name__}") from None
    return found


# -- where the chapter teaches each exercise ------------------------------------------------------


def _heading(line: str) -> tuple[int, str] | None:
    if not line.startswith("#"):
        return None
    level = len(line) - len(line.lstrip("#"))
    title = line[level:].strip()
    return (level, title) if title and line[level : level + 1] == " " else None


def page_address(chapter: str, course: Path = ROOT) -> str:
    """The chapter's page on the published site (``html.baseurl`` of ``_config.yml``)."""
    base = yaml.safe_load((course / "_config.yml").read_text())["html"]["baseurl"].rstrip("/")
    return f"{base}/chapters/{chapter}/{chapter}.html"


def sections(chapter: str, course: Path = ROOT) -> dict[str, tuple[str, str]]:
    """Exercise -> (title, address) of the section of the chapter page that teaches it: the last
    second-level heading before the exercise that is not an exercise's own heading."""
    nb = nbformat.read(CourseDir.at(course).source(chapter), as_version=4)
    page = page_address(chapter, course)
    out, current = {}, None
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                found = _heading(line)
                if found and found[0] == 2 and not found[1].startswith("Exercise"):
                    current = found[1].replace("`", "")
        name = cell.metadata.get("nbgrader", {}).get("grade_id")
        if name and name not in out and current is not None:
            out[name] = (current, f"{page}#{make_id(current)}")
    return out


# -- counting -------------------------------------------------------------------------------------


def _order(label: str) -> tuple:
    rank = {NONE: 0, UNNAMED: 2, UNKNOWN: 4}.get(label, 3 if label.startswith(STOPPED) else 1)
    return (rank,)


def count(found: dict[str, list[Verdict]], section_of: dict[str, tuple[str, str]]) -> list[Row]:
    """One row per exercise and mistake, in the chapter's order: full marks first, then the named
    mistakes (most students first), unnamed, stopped, unknown."""
    rows = []
    for exercise, verdicts in found.items():
        total = len(verdicts)
        by_label: dict[str, list[Verdict]] = {}
        for v in verdicts:
            by_label.setdefault(v.mistake, []).append(v)
        for label in sorted(by_label, key=lambda m: (_order(m), -len(by_label[m]), m)):
            group = by_label[label]
            cases = Counter(case for v in group for case in v.failed_cases).most_common(3)
            rows.append(
                Row(
                    exercise,
                    label,
                    sorted(v.student for v in group),
                    len(group) / total,
                    round(sum(v.max_score - v.score for v in group), 2),
                    cases,
                    section_of.get(exercise, ("", ""))[1],
                )
            )
    return rows


# -- writing --------------------------------------------------------------------------------------


def write_csv(rows: list[Row], path: Path, names: bool) -> None:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([*COLUMNS, *(["names"] if names else [])])
        for r in rows:
            writer.writerow(
                [
                    r.exercise,
                    r.mistake,
                    len(r.students),
                    f"{r.share:.4g}",
                    f"{r.points_lost:g}",
                    " ".join(case for case, _ in r.cases),
                    r.section,
                    *([" ".join(r.students)] if names else []),
                ]
            )


def _plot(exercise: str, verdicts: list[Verdict], max_score: float) -> tuple[str, str]:
    """(data URI of an SVG bar chart of the exercise's scores, its alt text)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scores = Counter(round(v.score, 2) for v in verdicts)
    xs = sorted(scores)
    fig, ax = plt.subplots(figsize=(4.2, 1.9), dpi=96)
    ax.bar([f"{x:g}" for x in xs], [scores[x] for x in xs], color="#1f5f9e")
    ax.set_xlabel(f"points (out of {max_score:g})")
    ax.set_ylabel("students")
    ax.yaxis.get_major_locator().set_params(integer=True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(fig)
    parts = [f"{scores[x]} scored {x:g}" for x in sorted(xs, reverse=True)]
    alt = f"Bar chart of the {len(verdicts)} scores on {exercise}, out of {max_score:g} points: " + (
        ", ".join(parts) + "."
    )
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode(), alt


def _cases_text(cases: list[tuple[str, int]]) -> str:
    return ", ".join(f"<code>{html.escape(c)}</code> ({n})" for c, n in cases) or "none"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _students(names: list[str]) -> str:
    return ", ".join(html.escape(n) for n in names)


def report_html(
    chapter: str, found: dict[str, list[Verdict]], rows: list[Row], section_of: dict, names: bool
) -> str:
    e = html.escape
    submissions = len(next(iter(found.values()), []))
    points = {ex.name: ex.points for ex in exercises.chapter(chapter)}
    named = [
        r for r in rows if r.mistake not in (NONE, UNNAMED, UNKNOWN) and not r.mistake.startswith(STOPPED)
    ]
    reteach = sorted(named, key=lambda r: (-r.points_lost, -len(r.students), r.exercise))[:RETEACH]
    out = [f"<h1>What the class got wrong: {e(chapter)}</h1>"]
    out.append(
        f"<p>{submissions} submissions in the gradebook. Each student is counted once per exercise, under "
        "the mistake named for their first failing case. "
        + (
            "Students are listed by name."
            if names
            else "Counts only: run with <code>--names</code> to list the students."
        )
        + "</p>"
    )
    unknown = sorted({v.student for vs in found.values() for v in vs if v.mistake == UNKNOWN})
    if unknown:
        out.append(
            f'<p class="warn"><strong>{len(unknown)} of the {submissions} submissions have grades recorded '
            "without verdicts</strong> (graded before verdicts were recorded, or by nbgrader autograde): "
            "their mistakes are reported as <code>unknown</code>. Regrade them "
            "(<code>python -m autograder grade submitted/ --regrade</code>) to see what they got wrong."
            + (f" They are: {_students(unknown)}." if names else "")
            + "</p>"
        )
    out.append('<section aria-labelledby="reteach"><h2 id="reteach">What to reteach</h2>')
    if reteach:
        out.append("<ol>")
        for r in reteach:
            title, link = section_of.get(r.exercise, ("", ""))
            where = f' (taught in <a href="{e(link)}">{e(title)}</a>)' if link else ""
            out.append(
                f"<li><strong>{e(r.mistake)}</strong> in <code>{e(r.exercise)}</code>: "
                f"{_count(len(r.students), 'student')} ({r.share:.0%}), "
                f"{r.points_lost:g} points lost{where}.</li>"
            )
        out.append("</ol>")
    else:
        out.append("<p>No known mistake was made.</p>")
    out.append("</section>")
    stopped = [(v, ex) for ex, vs in found.items() for v in vs if v.mistake.startswith(STOPPED)]
    out.append('<section aria-labelledby="human"><h2 id="human">Submissions that need a human</h2>')
    if stopped:
        out.append("<ul>")
        for reason in sorted({v.mistake for v, _ in stopped}):
            where: dict[str, list[str]] = {}  # student -> the exercises that stopped for this reason
            for v, ex in stopped:
                if v.mistake == reason:
                    where.setdefault(v.student, []).append(ex)
            listed = "; ".join(f"{e(s)} ({', '.join(map(e, exs))})" for s, exs in sorted(where.items()))
            out.append(
                f"<li>{e(reason.removeprefix(STOPPED))}: {_count(len(where), 'submission')}"
                + (f": {listed}" if names else "")
                + "</li>"
            )
        out.append("</ul>")
    else:
        out.append("<p>None: every exercise of every submission was judged.</p>")
    out.append("</section>")
    for exercise, verdicts in found.items():
        title, link = section_of.get(exercise, ("", ""))
        full = sum(v.mistake == NONE for v in verdicts)
        src, alt = _plot(exercise, verdicts, points[exercise])
        anchor = f"ex-{make_id(exercise)}"
        out.append(f'<section aria-labelledby="{anchor}"><h2 id="{anchor}"><code>{e(exercise)}</code></h2>')
        share = f"{full / len(verdicts):.0%}" if verdicts else "no submissions"
        taught = f' Taught in <a href="{e(link)}">{e(title)}</a>.' if link else ""
        out.append(f"<p>Full marks: {full} of {len(verdicts)} ({share}).{taught}</p>")
        out.append(f'<img src="{src}" alt="{e(alt)}" width="403" height="182">')
        most = Counter(c for v in verdicts for c in v.failed_cases).most_common(TOP_CASES)
        out.append(f"<p>Cases failed most often: {_cases_text(most)}.</p>")
        head = "<th scope='col'>who</th>" if names else ""
        out.append(
            f'<div class="scroll" tabindex="0" role="region" aria-label="verdicts on {e(exercise)}">'
            f"<table><caption>Verdicts on {e(exercise)}</caption><thead><tr><th scope='col'>mistake</th>"
            "<th scope='col'>students</th><th scope='col'>share</th><th scope='col'>points lost</th>"
            f"<th scope='col'>cases failed most often</th>{head}</tr></thead><tbody>"
        )
        for r in (r for r in rows if r.exercise == exercise):
            who = f"<td>{_students(r.students)}</td>" if names else ""
            out.append(
                f"<tr><th scope='row'>{e(r.mistake)}</th><td>{len(r.students)}</td><td>{r.share:.0%}</td>"
                f"<td>{r.points_lost:g}</td><td>{_cases_text(r.cases)}</td>{who}</tr>"
            )
        out.append("</tbody></table></div></section>")
    return PAGE.format(chapter=e(chapter), body="\n".join(out))


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Class report: {chapter}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 0 auto; padding: 1rem; color: #1a1a1a;
  background: #fff; line-height: 1.45; }}
.scroll {{ overflow-x: auto; margin: .5rem 0 1.5rem; }}
table {{ border-collapse: collapse; }}
code {{ overflow-wrap: anywhere; }}
td, th {{ padding: .3rem .7rem; border-bottom: 1px solid #bbb; text-align: left; vertical-align: top; }}
caption {{ text-align: left; font-weight: 600; }}
img {{ max-width: 100%; height: auto; }}
.warn {{ border-left: .3rem solid #8a5a00; padding-left: .6rem; }}
a {{ color: #0b4f8a; }}
</style></head><body><main>
{body}
</main></body></html>
"""


def main(
    submitted: str | Path,
    *,
    chapter: str,
    db: str | None = None,
    output: str | Path | None = None,
    names: bool = False,
) -> Report:
    """Write ``<output>/<chapter>.html`` and ``.csv`` (default output: ``report/`` beside
    ``submitted``) from the gradebook at ``db`` (default: ``gradebook.db`` beside ``submitted``)."""
    submitted = Path(submitted)
    if not submitted.is_dir():
        raise ReportError(f"{submitted} is not a folder (nbgrader's submitted/)")
    if chapter not in exercises.CHAPTERS:
        raise ReportError(f"unknown chapter {chapter!r}; the chapters are {', '.join(exercises.CHAPTERS)}")
    layout = CourseDir.around(submitted)
    if db is None:
        if not layout.gradebook.is_file():
            raise ReportError(f"no gradebook at {layout.gradebook} (grade the class first, or give --db)")
        db = layout.db_url
    elif db.startswith("sqlite:///") and not Path(db.removeprefix("sqlite:///")).is_file():
        raise ReportError(f"no gradebook at {db.removeprefix('sqlite:///')}")
    found = read_verdicts(db, chapter)
    section_of = sections(chapter)
    rows = count(found, section_of)
    folder = Path(output) if output is not None else layout.root / "report"
    folder.mkdir(parents=True, exist_ok=True)
    page, table = folder / f"{chapter}.html", folder / f"{chapter}.csv"
    page.write_text(report_html(chapter, found, rows, section_of, names))
    write_csv(rows, table, names)
    unknown = len({v.student for vs in found.values() for v in vs if v.mistake == UNKNOWN})
    return Report(chapter, page, table, len(next(iter(found.values()), [])), unknown, rows)
