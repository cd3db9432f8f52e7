"""Timing ours against a peer in the same run, fairly.

Runs alternate (ours, peer, ours, peer...) so that drift in the machine's speed hits both alike. Before
each timed sample comes a short pause and an untimed call: numpy's BLAS and PyTorch's thread pools
keep spinning for a moment after they are used, and whichever ran last would otherwise slow the next
one down. Measured here: with a 50 ms pause, a 1 ms PyTorch 1x1 convolution run right after numpy took
28-32 ms in most samples (its threads waited for scheduler ticks while OpenBLAS's still spun); from
200 ms on, both ran at their solo speed.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

PAUSE = 0.25  # seconds of quiet before each sample


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


SAMPLE = 0.02  # seconds: a call faster than this is repeated within one sample (as timeit does)


def _calls_per_sample(fn: Callable[[], object]) -> int:
    """How many back-to-back calls make a sample of at least SAMPLE seconds. For sub-millisecond calls
    a single timed call measures the thread pool waking up more than the work."""
    start = time.perf_counter()
    fn()
    return max(1, math.ceil(SAMPLE / max(time.perf_counter() - start, 1e-7)))


def _sample(fn: Callable[[], object], number: int = 1) -> float:
    """Seconds per call, averaged over ``number`` back-to-back calls after a pause and an untimed call."""
    time.sleep(PAUSE)
    fn()  # untimed: wakes this library's thread pool
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def compare(ours: Callable[[], object], peer: Callable[[], object], runs: int) -> tuple[Stats, Stats]:
    """Alternating samples of ``ours`` and ``peer`` after one warm-up call of each."""
    ours()
    peer()
    n_ours, n_peer = _calls_per_sample(ours), _calls_per_sample(peer)
    a, b = [], []
    for _ in range(runs):
        a.append(_sample(ours, n_ours))
        b.append(_sample(peer, n_peer))
    return Stats(a), Stats(b)


def alone(fn: Callable[[], object], runs: int) -> Stats:
    fn()
    number = _calls_per_sample(fn)
    return Stats([_sample(fn, number) for _ in range(runs)])


def once(fn: Callable[[], object]) -> float:
    """Wall-clock seconds of one call (for whole commands, which are their own warm-up)."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start
