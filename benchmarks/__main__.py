"""``make bench``: our code against the peers users would otherwise pick, in the same run.

Prints a table (median and min-max of each side, the ratio ours / peer, the goal) and writes
``_build/bench/results.json`` and ``_build/bench/scaling.png``. ``--smoke`` runs every benchmark
once on tiny inputs: the test suite uses it so that the benchmarks cannot rot.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from autograder.publishing import ROOT


def header() -> dict:
    import numpy as np
    import torch
    from threadpoolctl import threadpool_info

    blas = [f"{i['internal_api']} {i.get('version')} ({i['num_threads']} threads)" for i in threadpool_info()]
    return {
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "numpy": np.__version__,
        "blas": ", ".join(blas),
        "torch": f"{torch.__version__} ({torch.get_num_threads()} threads)",
    }


def table(rows) -> str:
    lines = [
        f"{'benchmark':<58} {'ours median [min-max] s':>28} {'peer median [min-max] s':>28} {'ratio':>7} "
        f"{'goal':>6}  result"
    ]
    for row in rows:
        o, p = row.ours, row.peer
        ours = f"{o.median:.4g} [{o.low:.3g}-{o.high:.3g}]"
        peer = f"{p.median:.4g} [{p.low:.3g}-{p.high:.3g}]" if p else "-"
        ratio = f"{row.ratio:.2f}" if row.ratio is not None else "-"
        goal = f"<={row.goal:g}" if row.goal is not None else "-"
        verdict = {True: "pass", False: "FAIL", None: ""}[row.passed]
        extra = (
            f"  {row.extra['gflops']:.1f} GFLOP/s, {row.extra['fraction_of_matmul_peak']:.0%} of matmul"
            if "gflops" in row.extra
            else f"  losses differ by {row.extra['max_relative_loss_difference']:.1e} at most"
            if "max_relative_loss_difference" in row.extra
            else ""
        )
        if "scheduler_overhead_per_submission" in row.extra:
            e = row.extra
            extra = (
                f"  scheduler: {e['scheduler_fixed_seconds']:+.2f} s once, "
                f"{e['scheduler_overhead_per_submission']:+.3f} s per submission"
            )
        lines.append(f"{row.name:<58} {ours:>28} {peer:>28} {ratio:>7} {goal:>6}  {verdict}{extra}")
    return "\n".join(lines)


def plot(conv_scaling, class_scaling, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    sizes = [r["size"] ** 2 for r in conv_scaling]
    a.loglog(sizes, [r["ours"] for r in conv_scaling], "o-", color="#4C72B0", label="solutions.conv2d")
    a.loglog(sizes, [r["peer"] for r in conv_scaling], "s--", color="#DD8452", label="torch conv2d")
    a.set(title="conv2d, 8->16 channels, 3x3", xlabel="pixels per image", ylabel="seconds")
    a.legend()
    subs = [r["submissions"] for r in class_scaling]
    b.loglog(subs, [r["seconds"] for r in class_scaling], "o-", color="#4C72B0", label="autograder --jobs 2")
    peer = [(r["submissions"], r["nbgrader_seconds"]) for r in class_scaling if "nbgrader_seconds" in r]
    if peer:
        b.loglog(*zip(*peer, strict=True), "s", color="#DD8452", label="nbgrader autograde")
    b.set(title="grading a class (chapter 01), ours vs nbgrader", xlabel="submissions", ylabel="seconds")
    b.legend(loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=96)
    plt.close(fig)


def main(*, smoke: bool = False, output: str | Path = ROOT / "_build" / "bench") -> dict:
    import torch

    from benchmarks import grading, kernels, network

    torch.set_num_threads(2)
    output = Path(output)
    # Rows with a goal get 11 samples a side; the scaling curve, which only reports, gets 5.
    runs, curve_runs, factor = (1, 1, 8) if smoke else (11, 5, 1)
    info = header()
    print("\n".join(f"{k:>7}: {v}" for k, v in info.items()), flush=True)
    sections = {}

    def timed(name, fn, *args, **kwargs):
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        sections[name] = round(time.perf_counter() - start, 1)
        print(f"  {name}: {sections[name]} s", flush=True)
        return result

    rows = timed("conv2d", kernels.conv_rows, runs, factor)
    rows += timed("max pooling", kernels.pool_rows, runs, factor)
    rows += timed("other layers", kernels.other_rows, runs, factor)
    rows += timed("CNN training", network.network_rows, runs, smoke)
    conv_scaling = timed(
        "conv2d scaling", kernels.scaling_rows, curve_runs, (16, 32) if smoke else (32, 64, 128, 256, 512)
    )
    with tempfile.TemporaryDirectory() as tmp:
        template = timed("release for grading", grading.template, Path(tmp))
        class_rows, class_scaling = timed(
            "class grading",
            grading.class_rows,
            template,
            sizes=(1,) if smoke else (10, 30, 100),
            peer_size=1 if smoke else 30,
        )
        rows += class_rows
        rows += timed("cluster grading", grading.cluster_rows, template, size=1 if smoke else 30)
    if not smoke:
        rows += timed("book", grading.book_rows)
    print(table(rows))
    document = {
        "header": info,
        "rows": [r.as_dict() for r in rows],
        "scaling": {"conv2d": conv_scaling, "grading": class_scaling},
        "section_seconds": sections,
    }
    output.mkdir(parents=True, exist_ok=True)
    (output / "results.json").write_text(json.dumps(document, indent=2))
    plot(conv_scaling, class_scaling, output / "scaling.png")
    print(f"results in {output / 'results.json'}, plot in {output / 'scaling.png'}")
    return document


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="each benchmark once, on tiny inputs")
    parser.add_argument(
        "--output", default=ROOT / "_build" / "bench", help="where results.json and the plot go"
    )
    args = parser.parse_args()
    main(smoke=args.smoke, output=args.output)
    sys.exit(0)
