"""Command line: ``python -m autograder {grade,export,report,import-canvas,import-moodle,...} ...``.

Each command is a thin layer over a keyword-only ``main()``: options left out on the command line
are not passed at all, so the defaults are the ones in that ``main()`` signature and the command line
and the Python API cannot drift apart. ``grade`` chooses between grading one notebook
(:func:`autograder.engine.grade.main`) and grading a class (:func:`autograder.classroom.batch.main`).
Modules are imported per command: grading one notebook needs numpy only, which keeps the Gradescope
image small.

Exit codes, the same for every command (see :mod:`autograder.errors`): 0 all done; 1 some
submissions could not be graded or recorded (each listed with its reason; a fault in grading code
prints its traceback); 2 the command or a file it reads is wrong: one line, no traceback, nothing
written.
"""

from __future__ import annotations

import argparse
import inspect
import sys
from pathlib import Path


def _given(args: argparse.Namespace, *names: str, **renamed: str) -> dict:
    """The options among ``names`` (and ``renamed``: option -> parameter) given on the command line."""
    pairs = [(n, n) for n in names] + list(renamed.items())
    return {param: getattr(args, opt) for opt, param in pairs if getattr(args, opt) is not None}


def _default(func, name: str):
    return inspect.signature(func).parameters[name].default


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__.splitlines()[0])
    verbs = parser.add_subparsers(dest="verb", required=True)

    g = verbs.add_parser("grade", help="grade a notebook, or a whole nbgrader submitted/ folder")
    g.add_argument("path", help="a submitted notebook (.ipynb) or nbgrader's submitted/ folder")
    g.add_argument("--results", help="notebook mode: where to write results.json (default: results.json)")
    g.add_argument("--timeout", type=float, help="wall-clock seconds for one notebook (default: 60)")
    g.add_argument("--memory-mb", type=int, help="address-space limit of student code, MiB (default: 2048)")
    g.add_argument("--jobs", type=int, help="class mode: notebooks graded in parallel (default: 2)")
    g.add_argument(
        "--db",
        help="class mode: SQLAlchemy URL of the nbgrader gradebook (default: sqlite:///<course>/gradebook.db)",
    )
    g.add_argument("--csv", help="class mode: grades CSV (default: <course>/grades.csv)")
    g.add_argument("--feedback", help="class mode: HTML feedback folder (default: <course>/feedback)")
    g.add_argument("--no-progress", action="store_true", help="class mode: no progress bar")
    g.add_argument(
        "--isolation",
        choices=("bwrap", "process", "auto"),
        help="bwrap (default): the bubblewrap sandbox, or stop if it cannot start; process: a plain "
        "subprocess with resource limits only (say so only where each submission already runs in a "
        "throw-away container), stated in every result; auto: bwrap where it starts, else process",
    )
    g.add_argument("--chapter", help="notebook mode: grade as this chapter (default: from the notebook)")
    g.add_argument(
        "--regrade",
        nargs="?",
        const="*",
        metavar="STUDENT",
        help="class mode: grade again even if unchanged: everyone, or one student",
    )
    g.add_argument(
        "--scheduler",
        help="class mode: run the sandboxes on the workers of this Dask cluster (tcp://HOST:8786)",
    )
    g.add_argument(
        "--deadlines",
        help="class mode: due dates and late policy (default: <course>/deadlines.toml if present)",
    )

    e = verbs.add_parser("export", help="rewrite grades.csv and the HTML feedback from the gradebook")
    e.add_argument("--db", required=True, help="SQLAlchemy URL of the gradebook")
    e.add_argument("--csv", help="where to write the CSV (default: grades.csv)")
    e.add_argument("--feedback", help="also rewrite the HTML feedback into this folder")
    e.add_argument(
        "--submitted",
        help="nbgrader's submitted/ folder, whose timestamp and secret files the feedback needs for "
        "`nbgrader release_feedback` (default: submitted/ beside the feedback folder)",
    )
    e.add_argument("--canvas", help="also write a Canvas gradebook-import CSV here (needs --roster)")
    e.add_argument(
        "--roster", help="roster CSV with Canvas's student columns, e.g. Canvas's gradebook export"
    )
    e.add_argument("--match", help="roster column holding the nbgrader student id (default: SIS Login ID)")
    e.add_argument("--plain", help="also write one row per student, one column per chapter, here")

    m = verbs.add_parser("similarity", help="report pairs of students whose answers to a chapter share code")
    m.add_argument("path", help="nbgrader's submitted/ folder")
    m.add_argument("--chapter", required=True, help="chapter id, e.g. 04_channels")
    m.add_argument("--output", help="the HTML report (default: <course>/similarity/<chapter>.html)")
    m.add_argument("--top", type=int, help="pairs shown in the report (default: 50)")

    t = verbs.add_parser(
        "report", help="what the class got wrong in a chapter, from the gradebook (HTML and CSV)"
    )
    t.add_argument("path", help="nbgrader's submitted/ folder")
    t.add_argument("--chapter", required=True, help="chapter id, e.g. 01_convolution")
    t.add_argument("--db", help="SQLAlchemy URL of the gradebook (default: sqlite:///<course>/gradebook.db)")
    t.add_argument("--output", help="folder of the report (default: <course>/report)")
    t.add_argument(
        "--names", action="store_true", help="list the students of each mistake (default: counts only)"
    )

    for lms_name, archive in (
        ("canvas", "Canvas's Download Submissions"),
        ("moodle", "Moodle's Download all submissions"),
    ):
        i = verbs.add_parser(
            f"import-{lms_name}",
            help=f"lay {archive} archive out as submitted/<login>/<chapter>/<chapter>.ipynb",
        )
        i.add_argument("path", help="the .zip archive, or the folder it was unpacked into")
        i.add_argument("--chapter", required=True, help="chapter id, e.g. 01_convolution")
        i.add_argument("--roster", required=True, help="roster CSV with the LMS user ids (ID) and logins")
        i.add_argument(
            "--match", help="roster column holding the nbgrader student id (default: SIS Login ID)"
        )
        i.add_argument("--submitted", help="the submitted/ folder to fill (default: submitted)")

    s = verbs.add_parser("gradescope", help="build a Gradescope autograder bundle for one chapter")
    s.add_argument("chapter", help="chapter id, e.g. 01_convolution")
    s.add_argument("-o", "--output", help="the .zip to write (default: autograder.zip)")

    r = verbs.add_parser("release", help="generate the student notebooks in release/ (nbgrader)")
    r.add_argument("chapters", nargs="*", help="chapter ids (default: all)")

    k = verbs.add_parser("book", help="release the notebooks and build the website in _build/html")
    k.add_argument("--output", help="build directory (default: _build)")

    h = verbs.add_parser(
        "release-feedback",
        help="hand the feedback pages of a chapter back through nbgrader's exchange; name those it cannot",
    )
    h.add_argument("chapter", help="chapter id, e.g. 01_convolution")
    h.add_argument("--course", help="the course folder holding feedback/ (default: .)")
    h.add_argument("--exchange", help="nbgrader's exchange folder (default: what nbgrader_config.py says)")
    h.add_argument("--course-id", help="nbgrader's course id (default: what nbgrader_config.py says)")

    d = verbs.add_parser("pdf", help="print the built website into one PDF of the course (Chromium)")
    d.add_argument("--html", help="the built site (default: _build/html)")
    d.add_argument("-o", "--output", help="the PDF (default: _build/pdf/convolutions-course.pdf)")
    return parser


# Options that only one mode of ``grade`` reads: given to the other, they would be ignored silently.
CLASS_ONLY = ("jobs", "db", "csv", "feedback", "regrade", "scheduler", "deadlines")
NOTEBOOK_ONLY = ("results", "chapter")


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from autograder.errors import GraderError, UsageError

    try:
        return _run(args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except GraderError as exc:
        print(
            f"{exc.details}\ngrader error (not the student's): {exc}; nothing was recorded", file=sys.stderr
        )
        return 1
    except KeyboardInterrupt:
        print("interrupted: nothing was written; run the same command again", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    from autograder.errors import UsageError

    if args.verb == "grade" and not Path(args.path).exists():
        raise UsageError(f"no such file or folder: {args.path}")
    if args.verb == "grade":
        is_class = Path(args.path).is_dir()
        other = [
            _option(n) for n in (NOTEBOOK_ONLY if is_class else CLASS_ONLY) if getattr(args, n) is not None
        ]
        if other:
            mode = "a class (a submitted/ folder)" if is_class else "one notebook"
            raise UsageError(f"{', '.join(other)}: not an option for {mode}, which {args.path} is")
    if getattr(args, "chapter", None) is not None and args.verb in ("grade", "gradescope", "similarity"):
        from autograder.engine import exercises
        from autograder.errors import did_you_mean

        if args.chapter not in exercises.CHAPTERS:
            raise UsageError(
                f"unknown chapter {args.chapter!r}{did_you_mean(args.chapter, exercises.CHAPTERS)}; "
                f"known: {', '.join(exercises.CHAPTERS)}"
            )
    if args.verb == "grade" and Path(args.path).is_dir():
        from autograder.classroom import batch

        options = _given(
            args,
            "jobs",
            "db",
            "feedback",
            "timeout",
            "memory_mb",
            "isolation",
            "regrade",
            "scheduler",
            "deadlines",
            csv="csv_path",
        )
        try:
            summary = batch.main(args.path, progress=not args.no_progress, **options)
        except batch.Interrupted as exc:
            print(exc, file=sys.stderr)
            return 1
        print(
            f"graded {len(summary.graded)}, unchanged {len(summary.skipped)}, failed {len(summary.failed)}; "
            f"grades in {summary.csv}"
        )
        if summary.repenalised:
            print(f"late penalties updated for {len(summary.repenalised)} unchanged submissions:")
        for item, before, after in summary.penalty_changes:
            print(f"  {item.student} {item.chapter}: {before:g} -> {after:g}")
        for item, reason in summary.failed:
            print(f"  could not grade or record {item.student}/{item.chapter}: {reason}")
        if summary.attention:
            print(f"needs attention ({len(summary.attention)}, also in {summary.attention_file}):")
            for student, chapter, what in summary.attention:
                print(f"  {student}/{chapter}: {what}" if student else f"  {what}")
        if summary.unreleasable:
            lacking = " or ".join(sorted({f for _, _, files in summary.unreleasable for f in files}))
            print(
                f"feedback in {summary.feedback}; "
                f"`nbgrader release_feedback` cannot hand back {len(summary.unreleasable)} of the pages "
                f"(their submissions have no {lacking}: they were not collected with `nbgrader collect`); "
                "`python -m autograder release-feedback CHAPTER` hands back the others"
            )
        return summary.exit_code
    elif args.verb == "grade":
        from autograder.engine import grade

        options = _given(args, "results", "timeout", "memory_mb", "isolation", "chapter")
        doc = grade.main(args.path, **options)
        total = sum(t["max_score"] for t in doc["tests"])
        results = options.get("results", _default(grade.main, "results"))
        print(f"{args.path}: {doc['score']:g}/{total:g} -> {results}")
        if doc.get("extra_data", {}).get("not_graded"):
            print(f"could not be graded: {doc['extra_data']['not_graded']}", file=sys.stderr)
            return 1
    elif args.verb == "export":
        from autograder.classroom import export
        from autograder.course_dir import GRADES_CSV

        options = _given(args, "feedback", "canvas", "roster", "match", "plain", "submitted", csv="csv_path")
        rows = export.main(db=args.db, **options)
        written = [args.csv, args.canvas, args.plain, args.feedback]
        if not any(written):
            written = [GRADES_CSV]
        print(f"{len(rows)} graded submissions exported to {', '.join(w for w in written if w)}")
    elif args.verb == "similarity":
        from autograder.classroom import similarity

        try:
            path, pairs = similarity.main(args.path, chapter=args.chapter, **_given(args, "output", "top"))
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"{len(pairs)} pairs of students share code; report in {path}")
    elif args.verb == "report":
        from autograder.classroom import report

        try:
            done = report.main(
                args.path, chapter=args.chapter, names=args.names, **_given(args, "db", "output")
            )
        except report.ReportError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"{done.submissions} submissions of {done.chapter}: report in {done.html} and {done.csv}")
        if done.unknown:
            print(
                f"  {done.unknown} submissions have grades without verdicts (reported as unknown): "
                "regrade them"
            )
    elif args.verb in ("import-canvas", "import-moodle"):
        from autograder.classroom import intake, lms

        try:
            done = intake.main(
                args.verb.removeprefix("import-"),
                args.path,
                chapter=args.chapter,
                roster=args.roster,
                **_given(args, "match", "submitted"),
            )
        except (intake.IntakeError, lms.RosterError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        late = f" ({len(done.late)} flagged late by Canvas)" if done.late else ""
        print(f"imported {len(done.imported)} submissions of {done.chapter} into {done.submitted}{late}")
        if done.replaced:
            print(f"  kept the newest resubmission; older files not imported: {', '.join(done.replaced)}")
        for file, why in done.unmatched:
            print(f"  could not match {file}: {why}")
        return 1 if done.unmatched else 0
    elif args.verb == "gradescope":
        from autograder.publishing import gradescope

        bundle = gradescope.main(args.chapter, **_given(args, "output"))
        print(f"Gradescope bundle written to {bundle}")
    elif args.verb == "release":
        from autograder.publishing import release

        for path in release.main(args.chapters or None):
            print(f"released {path}")
    elif args.verb == "release-feedback":
        from autograder.classroom import handback

        extra = [f"--Exchange.root={args.exchange}"] if args.exchange else []
        extra += [f"--CourseDirectory.course_id={args.course_id}"] if args.course_id else []
        done = handback.main(args.chapter, **_given(args, "course"), nbgrader_options=extra)
        print(
            f"{len(done.released)} feedback pages of {args.chapter} handed back through nbgrader's exchange"
        )
        for student, missing in done.kept:
            print(
                f"  not handed back: {student} (no {' and no '.join(missing)} beside the page: the "
                "submission did not come through `nbgrader collect`; give it to the student another way)"
            )
        return 1 if done.kept else 0
    elif args.verb == "book":
        from autograder.publishing import book

        print(f"site built in {book.main(**_given(args, 'output'))}")
    elif args.verb == "pdf":
        from autograder.publishing import pdf

        print(f"course printed to {pdf.main(**_given(args, 'html', 'output'))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
