"""Run :mod:`autograder.runner` on a job in a separate, limited process.

The job directory is private to one submission and holds only the runner, the job and, afterwards,
the results. Limits: wall clock, CPU time, address space, file size, number of processes. When
``bwrap`` (bubblewrap) is installed the process also gets no network, its own PID namespace (nothing
it starts outlives it), an unprivileged user of its own when the grader runs as root, and a view of
the operating system and the Python installation only: not the course repository, the submissions,
the gradebook, home directories or the temporary files of other gradings.
Without bubblewrap the same limits apply to a plain subprocess, and the results say so loudly.
"""

from __future__ import annotations

import itertools
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from autograder.engine import runner

RUNNER = Path(runner.__file__)
OUTPUT_CAP = 20_000  # characters of the sandbox's own stdout/stderr kept for the report
FIRST_UID = 200_000  # sandboxes run as unprivileged uids from here on, one per sandbox
_uids = itertools.count()
INSIDE = "/tmp/sandbox"  # the job directory as the sandboxed process sees it


@dataclass(frozen=True)
class Limits:
    wall_seconds: float = 60.0
    exercise_seconds: float = 10.0
    memory_mb: int = 2048
    file_mb: int = 16
    processes: int = 64


@dataclass
class Run:
    workdir: Path
    returncode: int | None
    timed_out: bool
    output: str
    isolated: bool  # True under bubblewrap

    def result(self, name: str):
        return runner.read_result(str(self.workdir), name)


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def _limit(kind: int, value: int) -> None:
    resource.setrlimit(kind, (value, value))


def _preexec(limits: Limits):
    """Runs in the child between fork and exec: a new session and the resource limits."""

    def apply():
        os.setsid()
        _limit(resource.RLIMIT_AS, limits.memory_mb * 2**20)
        _limit(resource.RLIMIT_CPU, int(limits.wall_seconds) + 1)
        _limit(resource.RLIMIT_FSIZE, limits.file_mb * 2**20)
        _limit(resource.RLIMIT_CORE, 0)

    return apply


def sandbox_uid() -> int:
    """A user id of its own for each sandbox: process limits count per user, so a fork bomb in one
    submission must not use up the processes of another graded at the same time."""
    return FIRST_UID + (os.getpid() % 4096) * 64 + next(_uids) % 64


# The operating system the interpreter needs, read-only; nothing else of the machine is visible.
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/etc/ld.so.cache", "/etc/alternatives")


def _command(workdir: Path, bwrap: str | None, limits: Limits, uid: int) -> list[str]:
    if bwrap is None:
        return [sys.executable, "-I", str(workdir / "runner.py"), str(workdir)]
    argv = [bwrap]
    for path in SYSTEM:
        argv += ["--ro-bind-try", path, path]
    argv += ["--dev", "/dev", "--proc", "/proc", "--perms", "0755", "--tmpfs", "/tmp"]
    for path in sorted({Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}):
        for parent in reversed(path.parents[:-1]):  # traversable by the unprivileged user
            argv += ["--perms", "0755", "--dir", str(parent)]
        argv += ["--ro-bind", str(path), str(path)]
    if Path(sys.executable).parent.resolve() != Path(sys.prefix).resolve() / "bin":
        argv += ["--ro-bind", str(Path(sys.executable).parent), str(Path(sys.executable).parent)]
    argv += ["--bind", str(workdir), INSIDE, "--chdir", INSIDE]
    # Every namespace but the user one: the runner must be able to change to its own uid (below).
    argv += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    argv += ["--die-with-parent", "--new-session"]
    argv += ["--setenv", "HOME", INSIDE, "--setenv", "TMPDIR", INSIDE]
    command = [sys.executable, "-I", f"{INSIDE}/runner.py", INSIDE]
    if os.geteuid() == 0:
        # Root ignores process limits; the runner becomes an unused unprivileged user, whose
        # process count then bounds fork bombs, before it reads any of the submission.
        command += ["--drop-to", str(uid), "--processes", str(limits.processes)]
    return [*argv, "--", *command]


def run(job: dict, arrays: dict, limits: Limits, *, isolate: bool = True) -> Run:
    """Write the job to a fresh private directory and run the runner on it."""
    workdir = Path(tempfile.mkdtemp(prefix="grade-"))
    runner._write(str(workdir / "job"), {**job, "time_limit": limits.exercise_seconds}, arrays)
    shutil.copy(RUNNER, workdir / "runner.py")
    bwrap = bwrap_path() if isolate else None
    uid = sandbox_uid()
    if bwrap is not None and os.geteuid() == 0:
        for path in [workdir, *workdir.iterdir()]:
            os.chown(path, uid, uid)
    env = {
        "PATH": os.defpath,
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "MPLBACKEND": "Agg",
    }
    # The process's own output goes to a file outside the job directory, capped by RLIMIT_FSIZE.
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            _command(workdir, bwrap, limits, uid),
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_preexec(limits),
        )
        timed_out = False
        try:
            proc.wait(timeout=limits.wall_seconds)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(proc.pid)
            proc.wait()
        _kill_group(proc.pid)  # whatever the submission left running in its session
        log.seek(0)
        text = log.read(OUTPUT_CAP).decode("utf-8", "replace")
    return Run(workdir, proc.returncode, timed_out, text, bwrap is not None)


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, 9)
    except (ProcessLookupError, PermissionError):
        pass
