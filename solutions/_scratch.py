"""Reusable scratch buffers for the temporaries of the fast paths.

A fresh multi-megabyte array from numpy comes from the C allocator, which hands large blocks back to the
operating system when they are freed; the next call then pays a page fault for every 4 KiB it touches.
Measured here for conv2d on (8, 16, 32, 32) x (32, 16, 3, 3) in float64: about 1500 faults and 4 ms of
kernel time per call, on top of 1 ms of work. Temporaries that never leave a function are therefore
taken from a buffer that stays allocated between calls, one per thread (so that concurrent calls never
share one) and per name. Results handed back to the caller are always fresh arrays.
"""

from __future__ import annotations

import threading

import numpy as np

MAX_BYTES = 64 << 20  # larger temporaries are allocated afresh rather than kept

_local = threading.local()


def buffer(name, shape, dtype):
    """An uninitialised array of ``shape`` and ``dtype``, backed by this thread's buffer ``name``.

    The contents are whatever the last user left there. The array is only valid until the next
    ``buffer(name, ...)`` call in the same thread, so a caller must be done with it before it returns.
    """
    dtype = np.dtype(dtype)
    size = int(np.prod(shape, dtype=np.int64))
    nbytes = size * dtype.itemsize
    if nbytes > MAX_BYTES:
        return np.empty(shape, dtype=dtype)
    buffers = _local.__dict__.setdefault("buffers", {})
    raw = buffers.get(name)
    if raw is None or raw.nbytes < nbytes:
        raw = buffers[name] = np.empty(nbytes, dtype=np.uint8)
    return raw[:nbytes].view(dtype).reshape(shape)
