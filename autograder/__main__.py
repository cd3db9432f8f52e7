"""Command line: ``python -m autograder {grade,export,gradescope,release,book} ...``.

Each command is a thin layer over a keyword-only ``main()`` whose defaults it reuses, so the command
line and the Python API cannot drift apart. Modules are imported per command: grading one notebook
needs numpy only, which keeps the Gradescope image small.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import sys
from pathlib import Path


class _Defaults:
    """Defaults read from each verb's ``main()``, importing only the module of the verb being run
    (the others' defaults are not needed, and book/release pull in all of Jupyter)."""

    def __init__(self, argv: list[str]):
        self.verb = next((a for a in argv if not a.startswith("-")), None)

    def __call__(self, module: str, verb: str | None = None) -> dict:
        if (verb or module) != self.verb:
            return {}
        func = importlib.import_module(f"autograder.{module}").main
        return {
            k: p.default for k, p in inspect.signature(func).parameters.items() if p.default is not p.empty
        }


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    _defaults = _Defaults(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__.splitlines()[0])
    verbs = parser.add_subparsers(dest="verb", required=True)

    g = verbs.add_parser("grade", help="grade a notebook, or a whole nbgrader submitted/ folder")
    d = _defaults("grade")
    g.add_argument("path", help="a submitted notebook (.ipynb) or nbgrader's submitted/ folder")
    g.add_argument("--results", default=d.get("results"), help="notebook mode: where to write results.json")
    g.add_argument(
        "--timeout", type=float, default=d.get("timeout"), help="wall-clock seconds for one notebook"
    )
    g.add_argument(
        "--memory-mb", type=int, default=d.get("memory_mb"), help="address-space limit of student code, MiB"
    )
    g.add_argument("--jobs", type=int, default=d.get("jobs"), help="class mode: notebooks graded in parallel")
    g.add_argument(
        "--db",
        default=d.get("db"),
        help="class mode: SQLAlchemy URL of the nbgrader gradebook "
        "(default: sqlite:///<course>/gradebook.db)",
    )
    g.add_argument(
        "--csv", default=d.get("csv_path"), help="class mode: grades CSV (default: <course>/grades.csv)"
    )
    g.add_argument(
        "--feedback",
        default=d.get("feedback"),
        help="class mode: HTML feedback folder (default: <course>/feedback)",
    )
    g.add_argument("--no-progress", action="store_true", help="class mode: no progress bar")

    e = verbs.add_parser("export", help="rewrite grades.csv and the HTML feedback from the gradebook")
    e.add_argument("--db", required=True, help="SQLAlchemy URL of the gradebook")
    e.add_argument("--csv", default=_defaults("export").get("csv_path"), help="where to write the CSV")
    e.add_argument("--feedback", default=None, help="also rewrite the HTML feedback into this folder")

    s = verbs.add_parser("gradescope", help="build a Gradescope autograder bundle for one chapter")
    s.add_argument("chapter", help="chapter id, e.g. 01_convolution")
    s.add_argument("-o", "--output", default=_defaults("gradescope").get("output"), help="the .zip to write")

    r = verbs.add_parser("release", help="generate the student notebooks in release/ (nbgrader)")
    r.add_argument("chapters", nargs="*", help="chapter ids (default: all)")

    k = verbs.add_parser("book", help="release the notebooks and build the website in _build/html")
    k.add_argument("--output", default=_defaults("book").get("output"), help="build directory")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser(argv).parse_args(argv)
    if args.verb == "grade" and Path(args.path).is_dir():
        from autograder import grade

        summary = grade.main(
            args.path,
            jobs=args.jobs,
            db=args.db,
            csv_path=args.csv,
            feedback=args.feedback,
            timeout=args.timeout,
            memory_mb=args.memory_mb,
            progress=not args.no_progress,
        )
        print(
            f"graded {len(summary.graded)}, unchanged {len(summary.skipped)}, failed {len(summary.failed)}; "
            f"grades in {summary.csv}"
        )
        for item, reason in summary.failed:
            print(f"  could not record {item.student}/{item.chapter}: {reason}")
    elif args.verb == "grade":
        from autograder import grade

        doc = grade.main(args.path, results=args.results, timeout=args.timeout, memory_mb=args.memory_mb)
        total = sum(t["max_score"] for t in doc["tests"])
        print(f"{args.path}: {doc['score']:g}/{total:g} -> {args.results}")
    elif args.verb == "export":
        from autograder import export

        rows = export.main(db=args.db, csv_path=args.csv, feedback=args.feedback)
        print(f"{len(rows)} graded submissions exported to {args.csv}")
    elif args.verb == "gradescope":
        from autograder import gradescope

        print(f"Gradescope bundle written to {gradescope.main(args.chapter, output=args.output)}")
    elif args.verb == "release":
        from autograder import release

        for path in release.main(args.chapters or None):
            print(f"released {path}")
    elif args.verb == "book":
        from autograder import book

        print(f"site built in {book.main(output=args.output)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
