"""What the oracle tests of ``solutions/`` share: hypothesis settings and strategies, and PyTorch tensors."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

# Multiples of 1/8: sums of products are exact in float64 and float32, so any difference is a real bug.
EIGHTHS = st.integers(-32, 32).map(lambda k: k / 8)


def assert_close(actual, expected, dtype=np.float64, atol32=1e-6):
    """``actual`` is an array of ``dtype`` equal to ``expected`` (tolerances by dtype; float32 layers that
    sum more products want a looser ``atol32``)."""
    assert isinstance(actual, np.ndarray) and actual.dtype == dtype
    rtol, atol = (1e-8, 1e-12) if dtype == np.float64 else (1e-5, atol32)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)


def assert_close_long_sums(actual, expected, dtype=np.float64):
    """:func:`assert_close` for float32 layers whose outputs sum many products (backward and transposed
    convolutions): a looser float32 ``atol``."""
    assert_close(actual, expected, dtype, atol32=1e-5)


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


def torch_conv2d(x, weight, bias=None, stride=1, padding=0):
    """``torch.nn.functional.conv2d`` in float64, as a numpy array."""
    import torch.nn.functional as F

    bias = None if bias is None else tensor(bias)
    return F.conv2d(tensor(x), tensor(weight), bias, stride=stride, padding=padding).numpy()


def torch_maxpool(x, kernel_size, stride, dout):
    """PyTorch's max pooling in float64: the output, the indices (flat in each H x W plane) and the input
    gradient for ``dout`` (autograd sends it to the first maximum of each window)."""
    import torch.nn.functional as F

    xt = tensor(x, requires_grad=True)
    out, indices = F.max_pool2d(xt, kernel_size, stride, return_indices=True)
    out.backward(tensor(dout))
    return out.detach().numpy(), indices.numpy(), xt.grad.numpy()


def torch_conv2d_backward(x, weight, stride, padding, dout):
    """PyTorch autograd through ``conv2d`` (with a bias) in float64: (dx, dweight, dbias) for ``dout``."""
    import torch.nn.functional as F

    xt, wt = tensor(x, requires_grad=True), tensor(weight, requires_grad=True)
    bt = tensor(np.zeros(np.shape(weight)[0]), requires_grad=True)
    F.conv2d(xt, wt, bt, stride=stride, padding=padding).backward(tensor(dout))
    return xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()


def torch_conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0):
    """``torch.nn.functional.conv_transpose2d`` in float64, as a numpy array."""
    import torch.nn.functional as F

    bias = None if bias is None else tensor(bias)
    out = F.conv_transpose2d(
        tensor(x), tensor(weight), bias, stride=stride, padding=padding, output_padding=output_padding
    )
    return out.numpy()
