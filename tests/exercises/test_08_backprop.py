"""Chapter 08 end to end: model answers, stubs, known wrong answers, unusual correct answers."""

from __future__ import annotations

import ast

import nbformat
import pytest
from helpers import (
    assert_unusual_answer_keeps_full_marks,
    assert_wrong_answer_diagnosed,
    changed_in,
    solution_cells,
    source_notebook,
)
from visible_cells import run_visible, visible_source

CHAPTER = "08_backprop"
PASTED = ("earlier_conv2d", "earlier_maxpool2d")  # ungraded cells for the chapter 04 and 07 layers
GIVEN = ("check-shapes",)  # the given helper the visible tests call


MODEL = solution_cells(source_notebook(CHAPTER))  # each wrong answer below changes one thing in one of these


def changed(name: str, old: str, new: str) -> str:
    return changed_in(MODEL, name, old, new)


# The first lines of every conv2d_backward below: arrays, shapes and the checks the docstring states.
HEAD = """
def conv2d_backward(dout, x, weight, stride=1, padding=0):
    dout = np.asarray(dout, dtype=float)
    x = np.asarray(x, dtype=float)
    weight = np.asarray(weight, dtype=float)
    if x.ndim != 4 or weight.ndim != 4:
        raise ValueError("x and weight must be 4-D")
    N, C, H, W = x.shape
    F, Cw, kh, kw = weight.shape
    if C != Cw:
        raise ValueError("channel mismatch")
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    Ho, Wo = (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
    if dout.shape != (N, F, Ho, Wo):
        raise ValueError("dout has the wrong shape")
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    windows = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
"""

IM2COL = (
    HEAD
    + """
    columns = windows.transpose(0, 2, 3, 1, 4, 5).reshape(N * Ho * Wo, C * kh * kw)
    g = dout.transpose(0, 2, 3, 1).reshape(N * Ho * Wo, F)
    dweight = (g.T @ columns).reshape(F, C, kh, kw)
    dcolumns = (g @ weight.reshape(F, -1)).reshape(N, Ho, Wo, C, kh, kw)
    dxp = np.zeros_like(xp)
    for m in range(kh):
        for l in range(kw):
            dxp[:, :, m:m + sh * Ho:sh, l:l + sw * Wo:sw] += dcolumns[..., m, l].transpose(0, 3, 1, 2)
    return dxp[:, :, ph:ph + H, pw:pw + W], dweight, dout.sum(axis=(0, 2, 3))
"""
)

ADD_AT = (
    HEAD
    + """
    n, c, i, j, m, l = np.ix_(range(N), range(C), range(Ho), range(Wo), range(kh), range(kw))
    dxp = np.zeros_like(xp)
    np.add.at(dxp, (n, c, i * sh + m, j * sw + l), np.einsum("nfij,fcml->ncijml", dout, weight))
    dweight = np.zeros_like(weight)
    for a in range(Ho):
        for b in range(Wo):
            dweight += np.einsum("nf,ncml->fcml", dout[:, :, a, b], windows[:, :, a, b])
    return dxp[:, :, ph:ph + H, pw:pw + W], dweight, dout.sum(axis=(0, 2, 3))
"""
)

EINSUM = (
    HEAD
    + """
    dweight = np.einsum("nfij,ncijml->fcml", dout, windows)
    dxp = np.zeros_like(xp)
    for a in range(Ho):
        for b in range(Wo):
            back = np.einsum("nf,fcml->ncml", dout[:, :, a, b], weight)
            dxp[:, :, a * sh:a * sh + kh, b * sw:b * sw + kw] += back
    return dxp[:, :, ph:ph + H, pw:pw + W], dweight, np.einsum("nfij->f", dout)
"""
)

# The student's chapter 04 conv2d with four nested loops, pasted in: the gradient check uses it.
FOUR_LOOP_CONV2D = """
def conv2d(x, weight, bias=None, stride=1, padding=0):
    x = np.asarray(x, dtype=float)
    weight = np.asarray(weight, dtype=float)
    N, C, H, W = x.shape
    F, _, kh, kw = weight.shape
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    out = np.zeros((N, F, (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1))
    for n in range(N):
        for f in range(F):
            for i in range(out.shape[2]):
                for j in range(out.shape[3]):
                    out[n, f, i, j] = np.sum(xp[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw] * weight[f])
            if bias is not None:
                out[n, f] += bias[f]
    return out
"""

STUB_CONV2D = "def conv2d(x, weight, bias=None, stride=1, padding=0):\n    raise NotImplementedError()\n"

DX_LINE = "dxp[:, :, rows, cols] += np.tensordot(g, weight, axes=([1], [0]))"
DW_LINE = "dweight += np.tensordot(g, xp[:, :, rows, cols], axes=([0], [0]))"
DOUBLED_CONV2D = changed("earlier_conv2d", "    return out", "    return 2 * out")

WRONG = {
    "correlation instead of convolution in dx": (
        "conv2d_backward",
        {
            "conv2d_backward": changed(
                "conv2d_backward", DX_LINE, DX_LINE.replace("(g, weight,", "(g, weight[:, :, ::-1, ::-1],")
            )
        },
        "kernel not flipped in dx (correlation instead of convolution)",
    ),
    "stride ignored in dx": (
        "conv2d_backward",
        {
            "conv2d_backward": changed(
                "conv2d_backward", "dxp[:, :, rows, cols] +=", "dxp[:, :, i:i + kh, j:j + kw] +="
            )
        },
        "stride ignored in dx",
    ),
    "padding not cropped": (
        "conv2d_backward",
        {"conv2d_backward": changed("conv2d_backward", "dx = dxp[:, :, ph:ph + H, pw:pw + W]", "dx = dxp")},
        "padding not cropped from dx",
    ),
    "dweight of the last image only": (
        "conv2d_backward",
        {
            "conv2d_backward": changed(
                "conv2d_backward",
                DW_LINE,
                "dweight += np.multiply.outer(g[-1], xp[-1, :, rows, cols])",
            )
        },
        "dweight not summed over the batch",
    ),
    "dweight with F and C swapped": (
        "conv2d_backward",
        {
            "conv2d_backward": changed(
                "conv2d_backward",
                DW_LINE,
                "dweight += np.tensordot(xp[:, :, rows, cols], g, axes=([0], [0])).transpose(0, 3, 1, 2)",
            ).replace("dweight = np.zeros_like(weight)", "dweight = np.zeros((C, F, kh, kw))")
        },
        "dweight with F and C swapped",
    ),
    "dbias summed over the wrong axes": (
        "conv2d_backward",
        {"conv2d_backward": changed("conv2d_backward", "dout.sum(axis=(0, 2, 3))", "dout.sum(axis=(2, 3))")},
        "dbias summed over the wrong axes",
    ),
    "conv2d wrong, backward its exact gradient": (
        "conv2d_backward",
        {
            "earlier_conv2d": DOUBLED_CONV2D,
            "conv2d_backward": changed(
                "conv2d_backward",
                "dout = np.asarray(dout, dtype=float)",
                "dout = 2 * np.asarray(dout, dtype=float)",
            ),
        },
        "conv2d is wrong (your backward pass is its exact gradient)",
    ),
    "backward right, but not the gradient of the student's conv2d": (
        "conv2d_backward",
        {"earlier_conv2d": DOUBLED_CONV2D},
        "gradient disagrees with your own forward pass",
    ),
}

UNUSUAL = {
    "im2col and matmul": ("conv2d_backward", {"conv2d_backward": IM2COL}),
    "np.add.at scatter": ("conv2d_backward", {"conv2d_backward": ADD_AT}),
    "einsum": ("conv2d_backward", {"conv2d_backward": EINSUM}),
    "a pasted four-loop conv2d": ("conv2d_backward", {"earlier_conv2d": FOUR_LOOP_CONV2D}),
    "no conv2d pasted (its stub)": ("conv2d_backward", {"earlier_conv2d": STUB_CONV2D}),
}


@pytest.mark.slow  # the released course: nbgrader and the chapters run
def test_release_keeps_no_earlier_chapter_answer(course):
    """The cells for the chapter 04 and 07 layers are stubs in the release: students paste their own."""
    released = solution_cells(course / "release" / CHAPTER / f"{CHAPTER}.ipynb")
    for name in PASTED:
        assert released[name].count("raise NotImplementedError()") == MODEL[name].count("def ")
        assert "np.tensordot" not in released[name] and "argmax" not in released[name]


@pytest.mark.parametrize("label", sorted(WRONG))
def test_wrong_answer_loses_points_with_diagnosis(label, tmp_path):
    name, answers, diagnosis = WRONG[label]
    assert_wrong_answer_diagnosed(CHAPTER, name, answers, diagnosis, tmp_path, first_only=False)


@pytest.mark.parametrize("label", sorted(UNUSUAL))
def test_unusual_correct_answer_keeps_full_marks(label, tmp_path):
    name, answers = UNUSUAL[label]
    assert_unusual_answer_keeps_full_marks(CHAPTER, name, answers, tmp_path)


def test_driver_differentiates_the_students_own_conv2d():
    """The numerical gradients come from the notebook's conv2d (here PyTorch's, as a student's would be
    called), and are None when there is none or it is a stub: then only the reference counts."""
    import numpy as np
    from oracles import torch_conv2d, torch_conv2d_backward

    from autograder.engine import runner

    rng = np.random.default_rng(5)
    dout, x, weight = (
        rng.normal(size=(2, 3, 3, 3)),
        rng.normal(size=(2, 2, 6, 5)),
        rng.normal(size=(3, 2, 3, 3)),
    )
    args = (dout, x, weight, (2, 1), (1, 0))

    def backward(*a):
        return "the student's gradients"

    funcs = {"conv2d_backward": backward, "conv2d": torch_conv2d}
    returned, numerical = runner.drive_conv_backward(funcs, "conv2d_backward", args)
    assert returned == "the student's gradients"
    for got, want in zip(numerical, torch_conv2d_backward(x, weight, (2, 1), (1, 0), dout), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)

    def stub(*a):
        raise NotImplementedError()

    assert runner.drive_conv_backward({**funcs, "conv2d": stub}, "conv2d_backward", args)[1] is None
    assert runner.drive_conv_backward({"conv2d_backward": backward}, "conv2d_backward", args)[1] is None


# -- the visible tests and the given helpers, run with wrong answers in place --------------------------


def cells_by_id() -> dict[str, nbformat.NotebookNode]:
    nb = nbformat.read(source_notebook(CHAPTER), as_version=4)
    return {cell.get("id"): cell for cell in nb.cells}


def notebook_namespace(answers: dict[str, str]) -> dict:
    """A namespace as the student's notebook has it above the exercises: the preamble, the given
    check_shapes helper and every model answer, with ``answers`` (grade_id: source) in their place."""
    import matplotlib

    matplotlib.use("Agg")
    cells = cells_by_id()
    namespace: dict = {}
    exec(cells["cell-00"].source, namespace)  # noqa: S102 - the course's own notebook
    exec(cells["check-shapes"].source, namespace)  # noqa: S102
    for source in {**MODEL, **answers}.values():
        exec(source, namespace)  # noqa: S102
    return namespace


# One wrong answer per row, each a mistake the visible cell must catch with an AssertionError.
VISIBLE_MISTAKES = {
    "conv2d_backward: kernel flipped in dx": (
        "conv2d_backward",
        changed("conv2d_backward", DX_LINE, DX_LINE.replace("(g, weight,", "(g, weight[:, :, ::-1, ::-1],")),
    ),
    "conv2d_backward: stride ignored in dx": (
        "conv2d_backward",
        changed("conv2d_backward", "dxp[:, :, rows, cols] +=", "dxp[:, :, i:i + kh, j:j + kw] +="),
    ),
    "conv2d_backward: padding not cropped": (
        "conv2d_backward",
        changed("conv2d_backward", "dx = dxp[:, :, ph:ph + H, pw:pw + W]", "dx = dxp"),
    ),
    "conv2d_backward: dweight of the last image only": (
        "conv2d_backward",
        changed("conv2d_backward", DW_LINE, "dweight += np.multiply.outer(g[-1], xp[-1, :, rows, cols])"),
    ),
    "conv2d_backward: dout of the wrong shape accepted": (
        "conv2d_backward",
        changed("conv2d_backward", "if dout.shape != (N, F, Ho, Wo):", "if dout.ndim != 4:"),
    ),
}


@pytest.mark.parametrize("label", sorted(VISIBLE_MISTAKES))
def test_visible_tests_catch_the_mistake(label):
    name, answer = VISIBLE_MISTAKES[label]
    with pytest.raises(AssertionError):
        run_visible(CHAPTER, name, answer, given=GIVEN)


def test_visible_tests_pass_with_the_model_answer(capsys):
    name = "conv2d_backward"
    run_visible(CHAPTER, name, given=GIVEN)
    assert "all visible tests passed" in capsys.readouterr().out


def test_paste_check_says_what_to_paste_and_still_catches_a_wrong_layer(capsys):
    """With the stubs of the release, the check of the pasted layers prints one line saying what to paste
    where; with a pasted layer that is wrong, it fails with its teaching message."""
    stubs = {
        "earlier_conv2d": STUB_CONV2D,
        "earlier_maxpool2d": "def maxpool2d_forward(x, kernel_size, stride=None):\n"
        "    raise NotImplementedError()\n\n\n"
        "def maxpool2d_backward(dout, cache):\n    raise NotImplementedError()\n",
    }
    check = visible_source(CHAPTER, "earlier_layers")
    exec(check, notebook_namespace(stubs))  # noqa: S102
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and "conv2d" in lines[0] and "max pooling" in lines[0], lines
    assert "first cell above" in lines[0] and "second cell above" in lines[0]
    exec(check, notebook_namespace({"earlier_conv2d": STUB_CONV2D}))  # noqa: S102
    only = capsys.readouterr().out.strip()
    assert "conv2d" in only and "max pooling" not in only
    with pytest.raises(AssertionError, match="conv2d"):
        exec(check, notebook_namespace({"earlier_conv2d": DOUBLED_CONV2D}))  # noqa: S102


def test_the_network_names_the_function_whose_result_has_the_wrong_shape():
    """A conv2d_backward whose dx keeps the padding stops the network's backward pass with a message
    naming conv2d_backward, not with a broadcast error inside maxpool2d_backward."""
    import numpy as np

    cells = cells_by_id()
    wrong = VISIBLE_MISTAKES["conv2d_backward: padding not cropped"][1]
    for answers, stops in (({}, False), ({"conv2d_backward": wrong}, True)):
        namespace = notebook_namespace(answers)
        tree = ast.parse(cells["cell-34"].source)  # the network's functions, not its training
        tree.body = [node for node in tree.body if isinstance(node, ast.FunctionDef | ast.Import)]
        exec(compile(tree, "network", "exec"), namespace)  # noqa: S102
        rng = np.random.default_rng(0)
        args = (namespace["init_params"](), rng.random((3, 1, 8, 8)), np.array([0, 1, 2]))
        if not stops:
            loss, grads = namespace["loss_and_gradients"](*args)
            assert set(grads) == {"w1", "b1", "w2", "b2", "w3", "b3"} and loss > 0
            continue
        with pytest.raises(AssertionError, match="fix conv2d_backward"):
            namespace["loss_and_gradients"](*args)
