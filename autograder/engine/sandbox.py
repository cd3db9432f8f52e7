"""Run :mod:`autograder.runner` on a job in a separate, limited process.

The job directory is private to one submission and holds only the runner, the job and, afterwards,
the results. Limits: wall clock, CPU time, address space, file size, number of processes. When
``bwrap`` (bubblewrap) is installed the process also gets no network, its own PID namespace (nothing
it starts outlives it), an unprivileged user of its own when the grader runs as root, and a view of
the operating system and the Python installation only: not the course repository, the submissions,
the gradebook, home directories or the temporary files of other gradings.
Grading needs the sandbox: :func:`probe` starts it once before anything is graded and, if it cannot
start, stops with bubblewrap's own words and the fix, so that a broken sandbox is never recorded as
students' zeros. Only an explicit ``isolation="process"`` runs the same limits in a plain subprocess
(``"auto"``: bubblewrap where it starts, else a plain subprocess), and every result then says so.
"""

from __future__ import annotations

import functools
import itertools
import os
import re
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path

from autograder.engine import runner
from autograder.errors import UsageError

RUNNER = Path(runner.__file__)
OUTPUT_CAP = 20_000  # characters of the sandbox's own stdout/stderr kept for the report
OUTPUT_TAIL = 2_000  # characters of it shown to the instructor when the runner fails
FIRST_UID = 200_000  # sandboxes run as unprivileged uids from here on, one per sandbox
UIDS_PER_PROCESS = 4096  # uids a grading process cycles through before reusing one
PROCESS_SLOTS = 4096  # grading processes (by pid) that get disjoint uid ranges
_uids = itertools.count()
ISOLATIONS = ("bwrap", "process", "auto")
INSIDE = "/tmp/sandbox"  # the job directory as the sandboxed process sees it
# For a process that shares the cores with others of its kind (sandboxes, one kernel per core): numpy's
# OpenBLAS and PyTorch's OpenMP would each start a thread per core, and the threads wait for a free core.
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@dataclass(frozen=True)
class Limits:
    wall_seconds: float = 60.0
    exercise_seconds: float = 10.0
    memory_mb: int = 2048
    file_mb: int = 16
    processes: int = 64


@dataclass
class Run:
    """What a run of the runner left: the result files it wrote (name to bytes, read once, see
    :func:`result_files`), how the process ended and its own output. Plain data: it crosses from a
    Dask worker to the machine that judges."""

    files: dict[str, bytes]
    returncode: int | None
    timed_out: bool
    output: str
    isolated: bool  # True under bubblewrap

    def tail(self) -> str:
        return self.output[-OUTPUT_TAIL:]


# The files the runner writes (see :mod:`autograder.engine.runner`): nothing else is read back.
RESULT = re.compile(r"^(cells\.json|result-[A-Za-z_][A-Za-z0-9_]*(\.case\d{1,4}|\.stop)?\.(json|npz))$")
MAX_RESULT_BYTES = 64 * 2**20  # all result files of one submission; the sandbox caps each at file_mb


def result_files(workdir: Path) -> dict[str, bytes]:
    """The result files the runner wrote in ``workdir``: regular files only (a symlink planted by the
    submission would otherwise read the grader's own files), named as the runner names them, size-capped."""
    files, total = {}, 0
    for name in sorted(os.listdir(workdir)):
        if not RESULT.match(name):
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
    submission must not use up the processes of another graded at the same time. Each grading
    process has its own range of uids and cycles through it (sandboxes of one process run at most
    a few at a time, far fewer than the range)."""
    slot = os.getpid() % PROCESS_SLOTS
    return FIRST_UID + slot * UIDS_PER_PROCESS + next(_uids) % UIDS_PER_PROCESS


class SandboxUnavailable(UsageError, RuntimeError):
    """The sandbox cannot start on this machine: the grader's problem, never the student's."""


FIX = (
    "Install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap) on a machine or container that "
    "allows unprivileged user namespaces (Ubuntu 24.04: an AppArmor profile for bwrap, or "
    "sysctl kernel.apparmor_restrict_unprivileged_userns=0; Docker: run the grader with --privileged "
    "or a seccomp profile that allows unshare). Or, only where each submission already runs in a "
    "throw-away container, grade with --isolation process (resource limits only; every result says so)."
)


@functools.cache
def _probe_bwrap(bwrap: str) -> str | None:
    """Start the sandbox once with a trivial command; None if it works, else what went wrong."""
    workdir = Path(tempfile.mkdtemp(prefix="grade-probe-"))
    try:
        argv = _command(workdir, bwrap, Limits(), sandbox_uid())
        argv = argv[: argv.index("--") + 1] + [sys.executable, "-I", "-c", "pass"]
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if proc.returncode != 0:
        return (proc.stderr or proc.stdout).strip()[-OUTPUT_TAIL:] or f"exit status {proc.returncode}"
    return None


def probe(isolation: str = "bwrap") -> bool:
    """Check, once per process, that student code can be isolated as asked; returns whether it runs
    under bubblewrap. Raises :class:`SandboxUnavailable` (with bubblewrap's words and the fix) when
    ``isolation="bwrap"`` and the sandbox cannot start."""
    if isolation not in ISOLATIONS:
        raise ValueError(f"isolation must be one of {', '.join(ISOLATIONS)}, not {isolation!r}")
    if isolation == "process":
        return False
    bwrap = bwrap_path()
    problem = "bubblewrap (bwrap) is not installed." if bwrap is None else _probe_bwrap(bwrap)
    if problem is None:
        return True
    if isolation == "auto":
        return False
    raise SandboxUnavailable(
        f"The grading sandbox cannot start, so nothing was graded: {problem}\nFix: {FIX}"
    )


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


def run(job: dict, arrays: dict, limits: Limits, *, bubblewrap: bool = True, in_process: bool = False) -> Run:
    """Write the job to a fresh private directory, run the runner on it under bubblewrap or (only if
    ``bubblewrap`` is False: see :func:`probe`) in a plain subprocess with the same limits, read back
    its result files and delete the directory. ``in_process`` (for the tests' trusted answers only)
    runs the same runner in a forked child of this process, with the same limits but the memory one
    (this process's own address space may already exceed it): no interpreter to start."""
    workdir = Path(tempfile.mkdtemp(prefix="grade-"))
    try:
        runner._write(str(workdir / "job"), {**job, "time_limit": limits.exercise_seconds}, arrays)
        if in_process:
            returncode, timed_out, text = _forked(workdir, limits)
            return Run(result_files(workdir), returncode, timed_out, text, False)
        shutil.copy(RUNNER, workdir / "runner.py")
        bwrap = bwrap_path() if bubblewrap else None
        if bubblewrap and bwrap is None:
            raise SandboxUnavailable(f"bubblewrap (bwrap) is not installed.\nFix: {FIX}")
        uid = sandbox_uid()
        if bwrap is not None and os.geteuid() == 0:
            for path in [workdir, *workdir.iterdir()]:
                os.chown(path, uid, uid)
        env = {
            "PATH": os.defpath,
            **ONE_THREAD,
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
        return Run(result_files(workdir), proc.returncode, timed_out, text, bwrap is not None)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _forked(workdir: Path, limits: Limits) -> tuple[int | None, bool, str]:
    """:func:`runner.main` on ``workdir`` in a forked child of this process, in a session of its own
    and under the limits but the memory one: its exit status, whether it was stopped at the wall-clock
    limit, and its output."""
    with tempfile.TemporaryFile() as log:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork() in a process with threads
            pid = os.fork()
        if pid == 0:
            status = 1
            try:
                os.dup2(log.fileno(), 1)
                os.dup2(log.fileno(), 2)
                os.setsid()
                _limit(resource.RLIMIT_CPU, int(limits.wall_seconds) + 1)
                _limit(resource.RLIMIT_FSIZE, limits.file_mb * 2**20)
                status = runner.main(str(workdir))
            except BaseException:  # noqa: BLE001 - said in the output, like a subprocess's crash
                traceback.print_exc()
            finally:
                os._exit(status)
        deadline, timed_out, status = time.monotonic() + limits.wall_seconds, False, None
        while status is None:
            done, code = os.waitpid(pid, os.WNOHANG)
            if done:
                status = os.waitstatus_to_exitcode(code)
            elif time.monotonic() > deadline:
                timed_out = True
                _kill_group(pid)
                status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
            else:
                time.sleep(0.005)
        _kill_group(pid)
        log.seek(0)
        return status, timed_out, log.read(OUTPUT_CAP).decode("utf-8", "replace")


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
