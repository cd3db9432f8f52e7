"""Where a class's sandboxed runs happen: local threads, or the workers of a Dask cluster.

Both are a :class:`concurrent.futures.Executor` (Dask's ``Client.get_executor()`` is one), so class
grading has one code path. What crosses to a worker is the notebook's bytes; the worker runs it the
way one notebook is run (:func:`autograder.engine.grade.run_submission`: read it, generate its cases,
run them in its sandbox, read back what the sandbox wrote, without pickle). What comes back is that
plain data, which this machine judges (:func:`autograder.engine.grade.judge`, comparing with the
reference solutions) and records in the gradebook.

A worker that cannot grade says so on its first task, and the whole run stops with that message
(grades already recorded stay): a sandbox that cannot start (unless the instructor chose
``--isolation process`` or ``auto``), a different version of the grader, or no grader at all.
"""

from __future__ import annotations

import hashlib
import shutil
import socket
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from autograder.engine import exercise, exercises, grade, notebook, runner, sandbox
from autograder.errors import UsageError

# What a worker runs of the grader: this module, reading the notebook, generating the cases, the sandbox
# and the runner inside it. The judge stays here; a worker is fit to grade if these files and the
# exercises' declarations (the cases) are the same as on this machine.
WORKER_DIGEST = hashlib.sha256(
    b"".join(
        Path(m.__file__).read_bytes()
        for m in (runner, sandbox, notebook, grade, exercise, sys.modules[__name__])
    )
    + b"".join(path.read_bytes() for path in sorted(Path(exercises.__file__).parent.glob("*.py")))
).hexdigest()


class WorkerSetupError(RuntimeError):
    """A machine cannot grade: it is missing bubblewrap or runs another version of the grader."""


class ClusterError(UsageError, RuntimeError):
    """Class grading stopped because the machines doing the runs cannot grade."""


def where() -> str:
    """This process, as an instructor would find it: the Dask worker's address, or the host name."""
    try:
        from distributed import get_worker

        return f"worker {get_worker().address}"
    except (ImportError, ValueError):
        return f"host {socket.gethostname()}"


def check_machine(isolation: str, worker_digest: str) -> bool:
    """Whether this machine runs student code under bubblewrap (see
    :func:`autograder.engine.sandbox.probe`, run once per process); :class:`WorkerSetupError` if it
    cannot isolate as asked or runs another version of the grader."""
    if worker_digest != WORKER_DIGEST:
        raise WorkerSetupError(
            f"{where()} has another version of the grader (its sandbox code {WORKER_DIGEST[:12]}, expected "
            f"{worker_digest[:12]}): install the same course repository on every worker"
        )
    try:
        return sandbox.probe(isolation)
    except sandbox.SandboxUnavailable as exc:
        raise WorkerSetupError(f"{where()} cannot isolate student code. {exc}") from None


def run_notebook(
    data: bytes, name: str, chapter: str, limits: sandbox.Limits, isolation: str, worker_digest: str
) -> grade.Ran:
    """On the machine doing the run: :func:`autograder.engine.grade.run_submission` on the notebook
    ``data`` (saved as ``name``). What it returns is plain data, judged where the gradebook is."""
    bubblewrap = check_machine(isolation, worker_digest)
    folder = Path(tempfile.mkdtemp(prefix="notebook-"))
    try:
        (folder / name).write_bytes(data)
        return grade.run_submission(folder / name, chapter, limits=limits, bubblewrap=bubblewrap)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def executor(jobs: int, scheduler: str | None) -> Iterator[tuple[Executor, int]]:
    """The executor for the sandboxed runs, and how many runs to keep submitted at once."""
    if scheduler is None:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            yield pool, 2 * max(1, jobs)
        return
    from distributed import Client  # only for cluster runs: importing it costs ~1 s

    try:
        client = Client(scheduler, timeout="30s")
    except OSError as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    try:
        threads = sum(client.nthreads().values())
        if threads == 0:
            raise ClusterError(
                f"the Dask scheduler at {scheduler} has no workers: start them with dask worker"
            )
        yield client.get_executor(pure=False), 2 * threads
    finally:
        client.close()
