"""Command line: ``python -m autograder {grade,release,book} ...``.

Each command is a thin layer over a keyword-only ``main()`` whose defaults it reuses, so the command
line and the Python API cannot drift apart.
"""

from __future__ import annotations

import argparse
import inspect
import sys

from autograder import book, grade, release


def _default(func, name):
    return inspect.signature(func).parameters[name].default


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__.splitlines()[0])
    verbs = parser.add_subparsers(dest="verb", required=True)

    g = verbs.add_parser("grade", help="grade a submitted notebook into Gradescope-format results")
    g.add_argument("path", help="a submitted notebook (.ipynb)")
    g.add_argument("--results", default=_default(grade.main, "results"), help="where to write results.json")
    g.add_argument(
        "--timeout",
        type=float,
        default=_default(grade.main, "timeout"),
        help="wall-clock seconds allowed for one submission",
    )
    g.add_argument(
        "--memory-mb",
        type=int,
        default=_default(grade.main, "memory_mb"),
        help="address-space limit of the student's process, in MiB",
    )
    r = verbs.add_parser("release", help="generate the student notebooks in release/ (nbgrader)")
    r.add_argument("chapters", nargs="*", help="chapter ids (default: all)")

    b = verbs.add_parser("book", help="release the notebooks and build the website in _build/html")
    b.add_argument("--output", default=_default(book.main, "output"), help="build directory")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.verb == "grade":
        doc = grade.main(args.path, results=args.results, timeout=args.timeout, memory_mb=args.memory_mb)
        total = sum(t["max_score"] for t in doc["tests"])
        print(f"{args.path}: {doc['score']:g}/{total:g} -> {args.results}")
    elif args.verb == "release":
        for path in release.main(args.chapters or None):
            print(f"released {path}")
    elif args.verb == "book":
        print(f"site built in {book.main(output=args.output)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
