"""Command line: ``python -m autograder grade NOTEBOOK --results OUT.json``.

Each command is a thin layer over a keyword-only ``main()`` whose defaults it reuses, so the command
line and the Python API cannot drift apart.
"""

from __future__ import annotations

import argparse
import inspect
import sys

from autograder import grade


def _default(func, name):
    return inspect.signature(func).parameters[name].default


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__.splitlines()[0])
    verbs = parser.add_subparsers(dest="verb", required=True)

    g = verbs.add_parser("grade", help="grade a submitted notebook into Gradescope-format results")
    g.add_argument("path", help="a submitted notebook (.ipynb)")
    g.add_argument("--results", default=_default(grade.main, "results"), help="where to write results.json")
    g.add_argument("--timeout", type=float, default=_default(grade.main, "timeout"),
                   help="wall-clock seconds allowed for one submission")
    g.add_argument("--memory-mb", type=int, default=_default(grade.main, "memory_mb"),
                   help="address-space limit of the student's process, in MiB")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.verb == "grade":
        doc = grade.main(args.path, results=args.results, timeout=args.timeout, memory_mb=args.memory_mb)
        total = sum(t["max_score"] for t in doc["tests"])
        print(f"{args.path}: {doc['score']:g}/{total:g} -> {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
