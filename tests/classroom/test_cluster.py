"""Class grading on a Dask cluster: the same grades as a local run, a lost worker or scheduler loses
nothing, a worker that cannot grade stops the run on its first task, and nothing but result files
comes back from one."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import ROOT, grade_class_command, make_class

from autograder.classroom import batch, cluster
from autograder.engine import sandbox

CLASS = 24  # submissions: every kind of make_class, and enough left when the scheduler is killed


def ledger(course: Path) -> dict[str, tuple[float, list]]:
    """student -> (score, each test's name, score and feedback), as recorded."""
    with sqlite3.connect(course / "gradebook.db") as db:
        rows = db.execute("SELECT student, score, results FROM autograder_results").fetchall()
    return {
        s: (score, [(t["name"], t["score"], t["output"]) for t in json.loads(doc)["tests"]])
        for s, score, doc in rows
    }


def recorded_count(course: Path) -> int:
    try:
        with sqlite3.connect(course / "gradebook.db", timeout=1) as db:
            return db.execute("SELECT count(*) FROM autograder_results").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet, or being written
        return 0


class Cluster:
    """A Dask scheduler and workers as separate processes, on the loopback interface only."""

    def __init__(self, tmp: Path, workers: int):
        self.env = {**os.environ, "PYTHONPATH": str(ROOT)}
        info = tmp / "scheduler.json"
        self.scheduler = self._start(
            "dask_scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", info
        )
        deadline = time.monotonic() + 60
        while not info.exists() or not info.read_text().strip():
            assert time.monotonic() < deadline and self.scheduler.poll() is None, (
                "the scheduler did not start"
            )
            time.sleep(0.1)
        self.address = json.loads(info.read_text())["address"]
        assert self.address.startswith("tcp://127.0.0.1:")
        self.workers = [
            self._start(
                "dask_worker",
                self.address,
                "--nthreads",
                "1",
                "--no-nanny",
                "--no-dashboard",
                "--host",
                "127.0.0.1",
                "--name",
                f"w{i}",
            )  # fmt: skip
            for i in range(workers)
        ]
        # From another process, so that this one has none of distributed's threads.
        client = f"from distributed import Client; Client({self.address!r}, timeout=60)"
        wait = f"{client}.wait_for_workers({workers}, 60)"
        subprocess.run(
            [sys.executable, "-c", wait], env=self.env, check=True, timeout=120, capture_output=True
        )

    def _start(self, module: str, *args) -> subprocess.Popen:
        cmd = [sys.executable, "-m", f"distributed.cli.{module}", *map(str, args)]
        return subprocess.Popen(cmd, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def close(self) -> None:
        for proc in [*self.workers, self.scheduler]:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in [*self.workers, self.scheduler]:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_for(course: Path, count: int, run: subprocess.Popen) -> int:
    deadline = time.monotonic() + 180
    while (found := recorded_count(course)) < count:
        assert run.poll() is None, run.communicate()
        assert time.monotonic() < deadline, f"fewer than {count} grades recorded through the cluster"
        time.sleep(0.05)
    return found


@pytest.mark.slow
@pytest.mark.xdist_group("class")  # compared with the class graded locally, which that group shares
def test_lost_workers_and_a_lost_scheduler_lose_no_grade_and_end_as_a_local_run(tmp_path, graded_class):
    local, _, _ = graded_class  # the same submissions and more, graded locally with two jobs
    remote = tmp_path / "remote"
    kinds = make_class(remote / "submitted", CLASS)
    assert {"honest", "exits", "hogs memory", "broken file"} <= set(kinds.values())
    cmd = grade_class_command(remote / "submitted")
    pipes = {"cwd": ROOT, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    (tmp_path / "first").mkdir()
    dask = Cluster(tmp_path / "first", workers=2)
    try:
        run = subprocess.Popen([*cmd, "--scheduler", dask.address], **pipes)
        wait_for(remote, 4, run)
        dask.workers[0].kill()  # mid-run: its sandboxes die with it, the scheduler re-runs its tasks
        at_worker_kill = recorded_count(remote)
        wait_for(remote, at_worker_kill + 5, run)  # grading goes on with the other worker
        dask.scheduler.kill()
        at_scheduler_kill = recorded_count(remote)
        out, err = run.communicate(timeout=300)
    finally:
        dask.close()
    assert at_scheduler_kill < CLASS, "the scheduler was lost before the class was graded"
    assert run.returncode == 2 and "run the same command again to grade the rest" in err, (out, err)
    kept = recorded_count(remote)
    assert at_scheduler_kill <= kept < CLASS
    (tmp_path / "second").mkdir()
    dask = Cluster(tmp_path / "second", workers=2)
    try:
        again = subprocess.run([*cmd, "--scheduler", dask.address], timeout=300, **pipes)
    finally:
        dask.close()
    assert again.returncode == 0, again.stderr
    assert f"graded {CLASS - kept}, unchanged {kept}, failed 0" in again.stdout, again.stdout
    here = ledger(local)
    assert ledger(remote) == {student: here[student] for student in kinds}
    assert len(ledger(remote)) == CLASS


def test_a_worker_without_bubblewrap_stops_the_run_on_its_first_task(tmp_path, monkeypatch):
    from distributed import LocalCluster

    make_class(tmp_path / "submitted", 4)
    monkeypatch.setattr(sandbox, "bwrap_path", lambda: None)  # the (in-process) worker has no bwrap
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0") as dask:
        with pytest.raises(
            cluster.ClusterError, match=r"cannot isolate student code.*bubblewrap \(bwrap\) is not"
        ):
            batch.main(tmp_path / "submitted", scheduler=dask.scheduler_address, progress=False)
    with sqlite3.connect(tmp_path / "gradebook.db") as db:
        assert db.execute("SELECT count(*) FROM autograder_results").fetchone()[0] == 0  # no 0 for anyone


def test_a_worker_with_another_grader_version_is_refused():
    with pytest.raises(cluster.WorkerSetupError, match="another version of the grader"):
        cluster.check_machine("bwrap", "0" * 64)
    assert cluster.check_machine("process", cluster.WORKER_DIGEST) is False  # needs no bubblewrap


def test_process_only_isolation_is_said_in_every_result(tmp_path):
    make_class(tmp_path / "submitted", 2)
    summary = batch.main(tmp_path / "submitted", isolation="process", progress=False)
    assert len(summary.graded) == 2
    with sqlite3.connect(tmp_path / "gradebook.db") as db:
        outputs = [
            json.loads(doc)["output"] for (doc,) in db.execute("SELECT results FROM autograder_results")
        ]
    assert len(outputs) == 2 and all("process isolation, chosen by the instructor" in o for o in outputs), (
        outputs
    )


def test_only_regular_result_files_come_back_from_a_worker(tmp_path):
    (tmp_path / "result-conv2d.json").write_text("{}")
    (tmp_path / "result-conv2d.npz").write_bytes(b"npz")
    (tmp_path / "secret").write_text("the worker's own file")
    (tmp_path / "result-pad2d.json").symlink_to(tmp_path / "secret")  # planted by a submission
    (tmp_path / "job.json").write_text("{}")
    (tmp_path / "result-a.npz").mkdir()
    assert sandbox.result_files(tmp_path) == {"result-conv2d.json": b"{}", "result-conv2d.npz": b"npz"}
