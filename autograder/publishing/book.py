"""Build the course website: the student's view of every chapter, with every figure drawn.

The site must show what students get (stubs and visible tests) while its figures need working
code. So each source notebook is executed with its model answers, then the student view is cut
from it with nbgrader's own preprocessors (solutions become stubs, hidden tests disappear), graded
cells are dropped, and a download link to the release notebook is added. Jupyter Book then renders
this staged copy without executing anything (executed notebooks are cached: :mod:`.execute`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

from autograder.conventions import CODE_STUB, nbgrader_env
from autograder.course_dir import CourseDir
from autograder.engine.notebook import is_test_cell
from autograder.publishing import ROOT, build_only, release
from autograder.publishing.execute import execute

BOOK_FILES = (
    "_config.yml",
    "_toc.yml",
    "intro.md",
    "glossary.md",
    "references.md",
    "references.bib",
    "accessibility.md",
    "_ext/course_site.py",
    "_static/course.css",
    "_ext/explorers.py",
    # The explorers' modules and stylesheet (the {explorer} directive), every one in the folder.
    *(f"_static/explorers/{p.name}" for p in sorted((ROOT / "_static" / "explorers").glob("*.*s"))),
    "_static/mathjax-speech.js",
    "_static/math-scroll.js",
)


def _nbgrader_meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def student_view(nb: nbformat.NotebookNode, download: str) -> nbformat.NotebookNode:
    """Cut the student's view out of an executed source notebook, keeping demo outputs."""
    nb = nbformat.from_dict(nb)  # a copy
    build_only.strip_sources(nb)  # their glued numbers stay, their code does not
    resources = {}
    nb, resources = ClearSolutions(code_stub=CODE_STUB, enforce_metadata=True).preprocess(nb, resources)
    nb, resources = ClearHiddenTests(enforce_metadata=True).preprocess(nb, resources)
    cells = []
    for cell in nb.cells:
        meta = _nbgrader_meta(cell)
        if is_test_cell(meta):
            continue  # graded cells run at submission time; their checks are not for the page
        if meta.get("solution") or meta.get("locked"):
            cell.outputs = []  # a stub's visible tests would not pass: don't show model-answer output
            cell.execution_count = None
        cells.append(cell)
    title = next(i for i, c in enumerate(cells) if c.cell_type == "markdown")
    cells.insert(
        title + 1,
        nbformat.v4.new_markdown_cell(
            "```{admonition} Work the exercises\n:class: note\n"
            f"Download {{download}}`the exercise notebook <{download}>` (stubs and visible tests), run it in "
            "Jupyter, fill in each function and run the tests below it for instant feedback. "
            "The graded tests run when you submit.\n```"
        ),
    )
    nb.cells = cells
    return nb


def _write(path: Path, data: bytes) -> None:
    """Write only what changed: Sphinx rebuilds the pages whose sources are newer than its last build."""
    if not path.exists() or path.read_bytes() != data:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def mathjax_files():
    """(file, path relative to MathJax's es5 folder) of what the site needs, from django-static-mathjax."""
    import mathjax

    es5 = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    yield es5 / "tex-mml-chtml.js", Path("tex-mml-chtml.js")
    # sre: the speech rule engine's maps, which the accessibility menu loads to speak formulas.
    for folder in ("output", "input", "ui", "a11y", "adaptors", "sre"):
        for path in sorted((es5 / folder).rglob("*")):
            if path.is_file():
                yield path, path.relative_to(es5)


def speech_rules_script(locale: str, json_text: str) -> bytes:
    """A speech rule map (``sre/mathmaps/<locale>.json``) as a script that stores its JSON text in
    ``window.courseMathMaps``: ``_static/mathjax-speech.js`` loads it with a script element, which
    works from disk (``file://``), where MathJax's own loader (an XMLHttpRequest) is refused."""
    return (
        f"(window.courseMathMaps = window.courseMathMaps || {{}})[{json.dumps(locale)}] = "
        f"{json.dumps(json_text)};\n"
    ).encode()


DIGITS = Path("chapters", "08_backprop", "digits.npz")  # the digits the CNN of chapter 08 trains on


def digits_script(npz: Path) -> bytes:
    """The explorers' real images (``_static/explorers/digits.js``, their ``input=digit`` mode): the first
    image of each class 0 to 9 of chapter 08's digits (8 x 8, grey levels 0 to 16), as a script that sets
    ``window.CourseDigits = {"index": [...], "images": [...], "source": ..., "licence": ...}`` (a script,
    not JSON: a page opened from disk may load scripts, not fetch files)."""
    with np.load(npz, allow_pickle=False) as data:
        labels = data["labels"]
        index = [int(np.flatnonzero(labels == d)[0]) for d in range(10)]
        doc = {
            "index": index,
            "images": data["images"][index].astype(int).tolist(),
            "source": str(data["source"]),
            "licence": str(data["licence"]),
        }
    return (
        f"// Written by the book's build from {DIGITS.as_posix()}; do not edit.\n"
        f"window.CourseDigits = {json.dumps(doc, separators=(',', ':'))};\n"
    ).encode()


def stage(build: Path, chapter_ids: list[str], course: Path = ROOT, cache: Path | None = None) -> Path:
    """Write the book's sources (student views, release notebooks, MathJax) into ``build/site-src``;
    executed notebooks are kept in ``cache`` (default ``build/executed``)."""
    src = build / "site-src"
    for name in BOOK_FILES:
        if (course / name).exists():
            _write(src / name, (course / name).read_bytes())
    for path, relative in mathjax_files():
        _write(src / "_extra" / "mathjax" / relative, path.read_bytes())
        if relative.parent == Path("sre", "mathmaps") and relative.suffix == ".json":
            script = speech_rules_script(relative.stem, path.read_text(encoding="utf-8"))
            _write(src / "_extra" / "mathjax" / relative.with_suffix(".js"), script)
    if (course / DIGITS).exists():
        _write(src / "_static" / "explorers" / "digits.js", digits_script(course / DIGITS))
    layout = CourseDir.at(course)
    sources = [layout.source(c) for c in chapter_ids]
    for chapter_id, executed in zip(chapter_ids, execute(sources, cache or build / "executed"), strict=True):
        page_dir = src / "chapters" / chapter_id
        student_nb = layout.released(chapter_id)
        _write(page_dir / f"{chapter_id}-exercises.ipynb", student_nb.read_bytes())
        for data in layout.released_files(chapter_id):  # the chapter's data files, for {download} links
            _write(page_dir / data.name, data.read_bytes())
            # and at a fixed address beside the page, where a notebook opened alone fetches them
            _write(src / "_extra" / "chapters" / chapter_id / data.name, data.read_bytes())
        page = student_view(executed, f"{chapter_id}-exercises.ipynb")
        _write(page_dir / f"{chapter_id}.ipynb", nbformat.writes(page).encode())
    return src


def main(
    *, output: str | Path = ROOT / "_build", course: str | Path = ROOT, cache: str | Path | None = None
) -> Path:
    """Release the student notebooks, stage the student view, and build ``<output>/html``
    (``cache``: where executed notebooks are kept, default ``<output>/executed``).

    Jupyter Book writes the Sphinx configuration; Sphinx then builds strictly (nitpicky, warnings
    are errors, all of them reported) with its doctrees kept for fast rebuilds.
    """
    output, course = Path(output).resolve(), Path(course).resolve()
    chapter_ids = release.available(course)
    cache = Path(cache) if cache else output / "executed"
    release.main(chapter_ids, course=course, cache=cache)
    src = stage(output, chapter_ids, course, cache)
    env = nbgrader_env()
    subprocess.run(
        [str(Path(sys.executable).parent / "jupyter-book"), "config", "sphinx", str(src)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    cmd = [
        sys.executable,
        "-m",
        "sphinx",
        "-b",
        "html",
        "-n",
        "-W",
        "--keep-going",
        "-q",
        "-d",
        str(output / "doctrees"),
        str(src),
        str(output / "html"),
    ]
    # The book's local Sphinx extensions (``sphinx: local_extensions`` in _config.yml) live in _ext/.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src / "_ext"), env.get("PYTHONPATH")]))
    if subprocess.run(cmd, env=env).returncode != 0:
        raise SystemExit("the book did not build cleanly: see the warnings above")
    return output / "html"
