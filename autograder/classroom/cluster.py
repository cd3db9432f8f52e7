"""Where a class's sandboxed runs happen: local threads, or the workers of a Dask cluster.

Both are a :class:`concurrent.futures.Executor` (Dask's ``Client.get_executor()`` is one), so class
grading has one code path. What crosses to a worker is the notebook's bytes; the worker reads it,
builds the job (the student's cells and the seeded cases) and runs it in its sandbox. What comes
back is the notebook as the worker read it (its cells and notes) and the bytes of the files the
sandbox wrote (``cells.json``, ``result-<exercise>.json`` and ``.npz``), which this machine reads
the way it reads a local sandbox's, without pickle. The judge (comparing with the reference
solutions) and the gradebook stay on this machine.

A worker that cannot grade says so on its first task, and the whole run stops with that message
(grades already recorded stay): a sandbox that cannot start (unless the instructor chose
``--isolation process`` or ``auto``), a different version of the grader, or no grader at all.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import stat
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from autograder.engine import exercises, grade, runner, sandbox
from autograder.errors import UsageError

# What a worker runs of the grader: this module, the sandbox and the runner inside it. The cases and the
# judge stay here, so a worker is fit to grade if these three files are the same as on this machine.
WORKER_DIGEST = hashlib.sha256(
    b"".join(Path(m.__file__).read_bytes() for m in (runner, sandbox, sys.modules[__name__]))
).hexdigest()
_RESULT = re.compile(r"^(cells\.json|result-[A-Za-z_][A-Za-z0-9_]*(\.case\d{1,4}|\.stop)?\.(json|npz))$")
MAX_RESULT_BYTES = 64 * 2**20  # all result files of one submission; the sandbox caps each at file_mb


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
) -> dict:
    """On the machine doing the run: read the notebook (``data``, saved as ``name``), build its job,
    run it in a sandbox. Returns the notebook as read and the result files, or the results document
    of a file that cannot be graded at all."""
    bubblewrap = check_machine(isolation, worker_digest)
    folder = Path(tempfile.mkdtemp(prefix="notebook-"))
    try:
        (folder / name).write_bytes(data)
        prepared = grade.prepare(folder / name, chapter)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if isinstance(prepared, dict):
        return {"document": prepared}
    run = sandbox.run(prepared.job, prepared.arrays, limits, bubblewrap=bubblewrap)
    try:
        return {
            "submission": prepared.submission,
            "files": _result_files(run.workdir),
            "returncode": run.returncode,
            "timed_out": run.timed_out,
            "output": run.output,
            "isolated": run.isolated,
        }
    finally:
        shutil.rmtree(run.workdir, ignore_errors=True)


def judge(packed: dict, chapter: str, limits: sandbox.Limits, start: float) -> dict:
    """Here: the results document of what :func:`run_notebook` sent back, judged against the
    chapter's cases (generated here from their seeds, the same on every machine)."""
    if "document" in packed:
        return packed["document"]
    chapter_exercises = exercises.chapter(chapter)
    cases = {ex.name: ex.cases() for ex in chapter_exercises}
    # The job itself ran elsewhere: judging needs the notebook as read, the cases and the run.
    prepared = grade.Prepared(packed["submission"], chapter_exercises, cases, {}, {}, start)
    return grade.finish(prepared, unpack(packed), limits)


def _result_files(workdir: Path) -> dict[str, bytes]:
    """The result files the runner wrote: regular files only (a symlink planted by the submission
    would otherwise read the worker's own files), named as the runner names them, size-capped."""
    files, total = {}, 0
    for name in sorted(os.listdir(workdir)):
        if not _RESULT.match(name):
            continue
        try:
            fd = os.open(workdir / name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                continue
            with os.fdopen(os.dup(fd), "rb") as f:
                data = f.read(MAX_RESULT_BYTES - total + 1)
        finally:
            os.close(fd)
        total += len(data)
        if total > MAX_RESULT_BYTES:
            break  # the rest is missing: those exercises are reported as not finished
        files[name] = data
    return files


def unpack(packed: dict) -> sandbox.Run:
    """A local :class:`sandbox.Run` holding the result files a worker sent back."""
    workdir = Path(tempfile.mkdtemp(prefix="grade-"))
    for name, data in packed["files"].items():
        if _RESULT.match(name):
            (workdir / name).write_bytes(data)
    return sandbox.Run(
        workdir, packed["returncode"], packed["timed_out"], packed["output"], packed["isolated"]
    )


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
