"""Benchmarks are not tests (``make bench`` runs them): what is checked here is the code that turns
measurements into the table, the JSON and the plot, on rows whose numbers are known, plus one tiny run
of the kernel sections, which cost a second (the class, cluster and CNN sections are left to
``make bench``: they start nbgrader, a Dask cluster and a training run)."""

from __future__ import annotations

import json

import pytest

from benchmarks import kernels
from benchmarks.__main__ import plot, table
from benchmarks.timing import Row, Stats, compare


def _rows():
    return [
        Row("fast layer", Stats([1.0, 2.0, 4.0]), Stats([1.0, 1.0, 1.0]), "peer", goal=3.0),
        Row("slow layer", Stats([9.0, 8.0, 10.0]), Stats([2.0, 2.0, 2.0]), "peer", goal=3.0),
        Row("alone", Stats([0.5])),
        Row(
            "network",
            Stats([2.0]),
            Stats([1.0]),
            "torch",
            extra={"max_relative_loss_difference": 2.5e-7},
        ),
        Row(
            "cluster",
            Stats([3.0]),
            Stats([1.5]),
            "local",
            extra={"scheduler_fixed_seconds": 1.25, "scheduler_overhead_per_submission": 0.05},
        ),
    ]


def test_rows_compute_their_ratio_and_verdict_from_medians():
    fast, slow, alone, *_ = _rows()
    assert fast.ours.median == 2.0 and fast.ours.low == 1.0 and fast.ours.high == 4.0
    assert fast.ratio == 2.0 and fast.passed is True
    assert slow.ratio == 4.5 and slow.passed is False
    assert alone.ratio is None and alone.passed is None
    document = json.loads(json.dumps([r.as_dict() for r in _rows()]))
    assert document[0] == {
        "name": "fast layer",
        "ours": {"median": 2.0, "min": 1.0, "max": 4.0, "runs": 3},
        "peer": {"median": 1.0, "min": 1.0, "max": 1.0, "runs": 3},
        "peer_name": "peer",
        "ratio": 2.0,
        "goal": 3.0,
        "passed": True,
    }
    assert document[3]["max_relative_loss_difference"] == 2.5e-7, "extra fields are flattened into the row"


def test_table_prints_one_line_per_row_with_ratio_goal_and_verdict():
    lines = table(_rows()).splitlines()
    assert len(lines) == 6 and lines[0].split()[0] == "benchmark"
    fast, slow, alone, network, cluster = lines[1:]
    assert fast.startswith("fast layer") and " 2.00 " in fast and "<=3" in fast
    assert fast.rstrip().endswith("pass")
    assert " 4.50 " in slow and "FAIL" in slow
    assert alone.split()[-2:] == ["-", "-"], "no peer: no ratio, no goal"
    assert "losses differ by 2.5e-07 at most" in network
    assert "scheduler: +1.25 s once, +0.050 s per submission" in cluster


def test_plot_draws_both_panels(tmp_path):
    conv = [{"size": 16, "ours": 0.01, "peer": 0.02}, {"size": 32, "ours": 0.04, "peer": 0.05}]
    grading = [
        {"submissions": 1, "seconds": 2.0, "nbgrader_seconds": 30.0},
        {"submissions": 10, "seconds": 4.0},
    ]
    plot(conv, grading, tmp_path / "scaling.png")
    assert (tmp_path / "scaling.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_compare_alternates_and_counts_samples(monkeypatch):
    monkeypatch.setattr("benchmarks.timing.PAUSE", 0.0)
    calls = []
    ours, peer = compare(lambda: calls.append("o"), lambda: calls.append("p"), runs=3)
    assert len(ours.samples) == len(peer.samples) == 3
    assert calls[:2] == ["o", "p"], "one warm-up call of each first"


@pytest.mark.parametrize("section", [kernels.conv_rows, kernels.pool_rows, kernels.other_rows])
def test_kernel_sections_run_on_tiny_inputs(section):
    rows = section(1, 8)
    assert rows and all(r.ours.median > 0 and r.peer is not None and r.peer.median > 0 for r in rows)
    assert all(r.goal is not None for r in rows), "every kernel row is measured against a goal"
