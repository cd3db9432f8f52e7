"""The runner's wire format and how it calls student functions."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.engine import runner

arrays = hnp.arrays(
    st.sampled_from([np.float64, np.float32, np.int64, np.bool_]), hnp.array_shapes(max_dims=4)
)
leaves = st.one_of(st.none(), st.integers(-(2**40), 2**40), st.floats(), st.booleans(), arrays)
values = st.recursive(
    leaves, lambda inner: st.one_of(st.lists(inner, max_size=3), st.tuples(inner, inner)), max_leaves=6
)


def same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return (
            type(b) is np.ndarray
            and a.dtype == b.dtype
            and a.shape == b.shape
            and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
        )
    if isinstance(a, tuple | list):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and a != a:
        return type(b) is float and b != b
    return type(a) is type(b) and a == b


@given(values)
def test_plain_values_survive_the_round_trip(value):
    assert same(value, runner.normalise(value))


def test_hostile_values_become_plain_data():
    class Liar(np.ndarray):
        def __eq__(self, other):  # claims equality with everything
            return True

    liar = np.arange(3.0).view(Liar)
    assert type(runner.normalise(liar)) is np.ndarray
    assert isinstance(runner.normalise(np.array([object()])), runner.Unsupported)
    assert isinstance(runner.normalise(lambda: 1), runner.Unsupported)
    assert isinstance(runner.normalise(np.int32(3)), np.integer)  # numpy ints stay distinguishable from int


def test_run_case_records_results_errors_and_mutation():
    def mutate(x):
        x[0] = 99.0
        return x.sum()

    def leave(code):
        raise SystemExit(code)

    funcs = {"mutate": mutate, "leave": leave}
    record = runner.run_case(funcs, "mutate", "call", [np.zeros(3)])
    assert record["mutated"] and record["ok"] == 99.0
    record = runner.run_case(funcs, "leave", "call", [3])
    assert record["raised"][0] == "SystemExit" and not record["mutated"]


def test_load_cells_survives_broken_cells():
    namespace, errors = runner.load_cells(
        ["def f():\n    return 1", "1/0", "def g(:", "def h():\n    return f()"]
    )
    assert namespace["h"]() == 1
    assert [(e["cell"], e["type"], e["line"]) for e in errors] == [
        (1, "ZeroDivisionError", 1),
        (2, "SyntaxError", 1),
    ]


@settings(deadline=None, max_examples=60)
@given(
    st.integers(1, 2),
    st.integers(2, 6),
    st.integers(2, 6),
    st.integers(1, 3),
    st.integers(1, 3),
    st.data(),
)
def test_numerical_gradient_of_max_pooling_matches_autograd(channels, h, w, k, s, data):
    """Distinct values 0.01 apart (as in the graded cases): the centred differences of the reference
    forward pass equal PyTorch's autograd gradient of max_pool2d."""
    import torch

    import solutions

    k = min(k, h, w)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    x = rng.permutation(channels * h * w).reshape(1, channels, h, w) / 100.0
    dout_shape = (1, channels, (h - k) // s + 1, (w - k) // s + 1)
    dout = np.round(rng.normal(size=dout_shape), 2)
    numeric = runner.numerical_gradient(solutions.maxpool2d_forward, x, k, s, dout)
    xt = torch.tensor(x, requires_grad=True)
    torch.nn.functional.max_pool2d(xt, k, s).backward(torch.tensor(dout))
    np.testing.assert_allclose(numeric, xt.grad.numpy(), rtol=1e-6, atol=1e-9)


def test_numerical_gradient_is_none_where_the_forward_pass_has_a_kink():
    import solutions

    tie = np.array([[[[1.0, 1.0], [0.0, 0.5]]]])
    assert runner.numerical_gradient(solutions.maxpool2d_forward, tie, 2, None, np.ones((1, 1, 1, 1))) is None
    unique = np.array([[[[1.0, 0.9], [0.0, 0.5]]]])
    grad = runner.numerical_gradient(solutions.maxpool2d_forward, unique, 2, None, np.full((1, 1, 1, 1), 3.0))
    np.testing.assert_allclose(grad, [[[[3.0, 0.0], [0.0, 0.0]]]], atol=1e-9)
