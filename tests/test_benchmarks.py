"""Benchmarks are not tests, but each one runs once on tiny inputs so that none can rot."""

from __future__ import annotations

import json

import pytest

from benchmarks.__main__ import main

pytestmark = pytest.mark.slow


def test_every_benchmark_runs_and_reports(tmp_path):
    document = main(smoke=True, output=tmp_path)
    names = [row["name"] for row in document["rows"]]
    for expected in (
        "conv2d float64",
        "conv2d float32",
        "maxpool forward+backward",
        "locally_connected2d",
        "dilated_correlate2d",
        "conv1x1",
        "avgpool2d",
        "CNN on digits: first 20 steps' losses agree",
        "CNN on digits: one epoch",
        "grade a class",
        "grade a class of 1 on a 2-worker Dask cluster",
    ):
        assert any(name.startswith(expected) for name in names), expected
    (agreement,) = [row for row in document["rows"] if "max_relative_loss_difference" in row]
    assert agreement["passed"] and agreement["max_relative_loss_difference"] <= 1e-6, "chapter 08's network"
    for row in document["rows"]:
        assert row["ours"]["median"] > 0 and (row["peer"] is None or row["peer"]["median"] > 0)
    assert json.loads((tmp_path / "results.json").read_text())["header"]["blas"]
    assert (tmp_path / "scaling.png").stat().st_size > 1000
    assert set(document["section_seconds"]) == {
        "conv2d",
        "max pooling",
        "other layers",
        "CNN training",
        "conv2d scaling",
        "release for grading",
        "class grading",
        "cluster grading",
    }, "every section timed (the book is left out of smoke runs)"
    grading = document["scaling"]["grading"]
    assert [r["submissions"] for r in grading if r.get("nbgrader_seconds", 0) > 0] == [1], "the peer's point"
