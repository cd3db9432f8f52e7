"""Timing ours against a peer in the same run, fairly.

Runs alternate (ours, peer, ours, peer...) so that drift in the machine's speed hits both alike. Before
each timed sample comes a short pause and an untimed call: numpy's BLAS and PyTorch's thread pools
keep spinning for a moment after they are used, and whichever ran last would otherwise slow the next
one down (measured here: up to 2.4x).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

PAUSE = 0.05  # seconds of quiet before each sample


@dataclass
class Stats:
    samples: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def low(self) -> float:
        return min(self.samples)

    @property
    def high(self) -> float:
        return max(self.samples)

    def as_dict(self) -> dict:
        return {"median": self.median, "min": self.low, "max": self.high, "runs": len(self.samples)}


@dataclass
class Row:
    name: str
    ours: Stats
    peer: Stats | None = None
    peer_name: str = ""
    goal: float | None = None  # the ratio ours / peer must not exceed this
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        return self.ours.median / self.peer.median if self.peer else None

    @property
    def passed(self) -> bool | None:
        return None if self.goal is None or self.ratio is None else self.ratio <= self.goal

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "ours": self.ours.as_dict(),
            "peer": self.peer.as_dict() if self.peer else None,
            "peer_name": self.peer_name,
            "ratio": self.ratio,
            "goal": self.goal,
            "passed": self.passed,
            **self.extra,
        }


def _sample(fn: Callable[[], object]) -> float:
    time.sleep(PAUSE)
    fn()  # untimed: wakes this library's thread pool
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def compare(ours: Callable[[], object], peer: Callable[[], object], runs: int) -> tuple[Stats, Stats]:
    """Alternating samples of ``ours`` and ``peer`` after one warm-up call of each."""
    ours()
    peer()
    a, b = [], []
    for _ in range(runs):
        a.append(_sample(ours))
        b.append(_sample(peer))
    return Stats(a), Stats(b)


def alone(fn: Callable[[], object], runs: int) -> Stats:
    fn()
    return Stats([_sample(fn) for _ in range(runs)])


def once(fn: Callable[[], object]) -> float:
    """Wall-clock seconds of one call (for whole commands, which are their own warm-up)."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start
