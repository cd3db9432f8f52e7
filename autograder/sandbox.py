"""Run :mod:`autograder.runner` on a job in a separate, limited process.

The job directory is private to one submission and holds only the runner, the job and, afterwards,
the results. Limits: wall clock, CPU time, address space, file size. When ``bwrap`` (bubblewrap) is
installed the process also gets no network, its own PID namespace and no view of the course
repository; without it, the same limits apply to a plain subprocess and the results say so.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from autograder import runner

RUNNER = Path(runner.__file__)
OUTPUT_CAP = 20_000  # bytes of the sandbox's own stdout/stderr kept


@dataclass(frozen=True)
class Limits:
    wall_seconds: float = 60.0
    exercise_seconds: float = 10.0
    memory_mb: int = 2048
    file_mb: int = 64


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


def _preexec(limits: Limits):
    def apply():
        os.setsid()
        mem = limits.memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        cpu = int(limits.wall_seconds) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        size = limits.file_mb * 2**20
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def _command(workdir: Path, bwrap: str | None) -> list[str]:
    python = [sys.executable, "-I", "runner.py", "."]
    if bwrap is None:
        return python
    hidden = {Path(tempfile.gettempdir()), Path(__file__).resolve().parents[1], Path.home()}
    visible = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    argv = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    for path in sorted(hidden):
        argv += ["--tmpfs", str(path)]
    for path in sorted(visible):
        argv += ["--ro-bind", str(path), str(path)]
    argv += [
        "--bind",
        str(workdir),
        "/tmp/sandbox",
        "--chdir",
        "/tmp/sandbox",
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        "--setenv",
        "HOME",
        "/tmp/sandbox",
        "--setenv",
        "TMPDIR",
        "/tmp/sandbox",
    ]
    return argv + ["--", *python[:-1], "/tmp/sandbox"]


def run(job: dict, arrays: dict, limits: Limits, *, isolate: bool = True) -> Run:
    """Write the job to a fresh private directory and run the runner on it."""
    workdir = Path(tempfile.mkdtemp(prefix="grade-"))
    runner._write(str(workdir / "job"), {**job, "time_limit": limits.exercise_seconds}, arrays)
    shutil.copy(RUNNER, workdir / "runner.py")
    bwrap = bwrap_path() if isolate else None
    env = {
        "PATH": os.defpath,
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "MPLBACKEND": "Agg",
    }
    proc = subprocess.Popen(
        _command(workdir, bwrap),
        cwd=workdir,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        preexec_fn=_preexec(limits),
    )
    timed_out = False
    try:
        out, _ = proc.communicate(timeout=limits.wall_seconds)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(proc.pid, 9)
        out, _ = proc.communicate()
    text = out[:OUTPUT_CAP].decode("utf-8", "replace")
    return Run(workdir, proc.returncode, timed_out, text, bwrap is not None)
