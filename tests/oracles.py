"""What the oracle tests of ``solutions/`` share: hypothesis settings and strategies, and PyTorch tensors."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

# Multiples of 1/8: sums of products are exact in float64 and float32, so any difference is a real bug.
EIGHTHS = st.integers(-32, 32).map(lambda k: k / 8)


def oracle_settings(max_examples: int):
    """Deadline and the too_slow health check off: timings on a busy CI machine are not what we test."""
    return settings(max_examples=max_examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def tensor(a, requires_grad=False):
    """A float64 PyTorch tensor (torch is imported here only when a test asks for one)."""
    import torch

    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def arrays(shape, dtype=np.float64):
    """Arrays of small integers (integer dtypes) or of EIGHTHS."""
    elements = st.integers(-5, 5) if np.dtype(dtype).kind == "i" else EIGHTHS
    return hnp.arrays(dtype, shape, elements=elements)


def int_or_pair(low, high):
    return st.one_of(st.integers(low, high), st.tuples(st.integers(low, high), st.integers(low, high)))


def as_pair(v):
    return v if isinstance(v, tuple) else (v, v)
