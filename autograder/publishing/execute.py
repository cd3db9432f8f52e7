"""Run the source notebooks with their model answers, and put the numbers they compute into text.

The book's figures and the numbers in a chapter's prose come from executing its source notebook. A
number in prose is a myst-nb ``glue`` role (``{glue:text}`name:format```) that the site renders from
the value a cell glued; Jupyter shows a student the role itself, so the released notebook gets the
number written in, formatted as myst-nb formats it. Executed notebooks are cached by content hash.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from traitlets.config import Config

from autograder.engine import sandbox

GLUE_MIME = "application/papermill.record/text/plain"  # where a glued value's text is kept
GLUE_ROLE = re.compile(r"\{glue(?::text)?\}`([\w-]+)(?::([^`]*))?`")


async def _execute(
    source: Path, cache_dir: Path, kernels: asyncio.Semaphore, allow_errors: bool = False
) -> nbformat.NotebookNode:
    """The notebook ``source`` executed (reused while it is unchanged); with ``allow_errors``, every cell
    runs even after one failed (a released notebook's stubs do)."""
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    cached = cache_dir / f"{source.stem}-{digest[:16]}.ipynb"
    if cached.exists():
        return nbformat.read(cached, as_version=4)
    nb = nbformat.read(source, as_version=4)
    async with kernels:
        with tempfile.TemporaryDirectory() as sockets:
            # The kernel talks over local sockets, not TCP: nothing listens on a port, and ipykernel has
            # no "running over TCP without encryption" warning to print.
            local = Config({"KernelManager": {"transport": "ipc", "ip": str(Path(sockets) / "kernel")}})
            await NotebookClient(
                nb,
                timeout=600,
                kernel_name="python3",
                allow_errors=allow_errors,
                resources={"metadata": {"path": str(source.parent)}},
                config=local,
            ).async_execute(env={**os.environ, **sandbox.ONE_THREAD})  # one kernel per core
    cache_dir.mkdir(parents=True, exist_ok=True)
    for old in cache_dir.glob(f"{source.stem}-*.ipynb"):
        old.unlink()
    nbformat.write(nb, cached)
    return nb


def execute(
    sources: list[Path], cache_dir: Path, *, released: list[Path] = (), released_cache: Path | None = None
) -> list[nbformat.NotebookNode]:
    """Each source notebook executed with its model answers, then each ``released`` notebook executed as a
    student gets it (errors allowed, cached in ``released_cache``, default ``cache_dir/released``), one
    kernel per core at a time: the work is in the kernels, this process only waits on them (7 chapters on
    2 cores: 41 s -> 24 s)."""
    released_cache = released_cache or cache_dir / "released"

    async def run_all():
        kernels = asyncio.Semaphore(max(1, os.cpu_count() or 1))
        runs = [_execute(source, cache_dir, kernels) for source in sources]
        runs += [_execute(path, released_cache, kernels, allow_errors=True) for path in released]
        return await asyncio.gather(*runs)

    return asyncio.run(run_all())


def glued(nb) -> dict[str, str]:
    """name -> the text of each value an executed notebook glued (a name glued twice is an error)."""
    values = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                if name in values:
                    raise ValueError(f"{name!r} is glued twice: which value the text means is unclear")
                values[name] = output["data"][GLUE_MIME]
    return values


def fill_numbers(markdown: str, values: dict[str, str]) -> str:
    """``markdown`` with every glue role replaced by its number, formatted by myst-nb's own function (as
    the site shows it); a name nothing glued is an error."""
    from myst_nb.core.variables import format_plain_text  # the book's renderer: imported only here

    def number(match: re.Match) -> str:
        name, spec = match.group(1), match.group(2) or ""
        if name not in values:
            raise KeyError(f"the text uses {{glue:text}}`{name}` but no cell glues {name!r}")
        return format_plain_text(values[name], spec)

    return GLUE_ROLE.sub(number, markdown)
