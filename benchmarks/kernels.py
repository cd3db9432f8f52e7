"""The reference package against PyTorch (CPU, 2 threads) on the same inputs."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

import solutions
from benchmarks.timing import Row, alone, compare

CONV_SHAPES = [  # (x shape, weight shape, stride, padding)
    ((8, 16, 32, 32), (32, 16, 3, 3), 1, 1),
    ((1, 3, 224, 224), (64, 3, 7, 7), 2, 3),
    ((32, 64, 16, 16), (64, 64, 1, 1), 1, 0),
]
POOL_CASES = [((32, 64, 32, 32), 2, 2), ((32, 64, 32, 32), 3, 2)]


def _scale(shape, factor):
    """Shrink the batch and spatial sizes (smoke runs), keeping channels and kernels."""
    if factor == 1:
        return shape
    n, c, h, w = shape
    return (1, c, max(8, h // factor), max(8, w // factor))


def matmul_gflops(dtype, size: int = 1024, runs: int = 5) -> float:
    """numpy's own large-matmul speed: the ceiling for an im2col convolution on this machine."""
    a = np.random.default_rng(0).standard_normal((size, size)).astype(dtype)
    stats = alone(lambda: a @ a, runs)
    return 2 * size**3 / stats.median / 1e9


def conv_rows(runs: int, factor: int = 1) -> list[Row]:
    rng = np.random.default_rng(0)
    rows = []
    for dtype, goal in ((np.float64, 1.0), (np.float32, 2.5)):
        peak = matmul_gflops(dtype, 1024 // factor, runs)
        for xs, ws, stride, padding in CONV_SHAPES:
            xs = _scale(xs, factor)
            x, w = rng.standard_normal(xs).astype(dtype), rng.standard_normal(ws).astype(dtype)
            tx, tw = torch.from_numpy(x), torch.from_numpy(w)
            ours, peer = compare(
                lambda x=x, w=w, s=stride, p=padding: solutions.conv2d(x, w, stride=s, padding=p),
                lambda tx=tx, tw=tw, s=stride, p=padding: F.conv2d(tx, tw, stride=s, padding=p),
                runs,
            )
            ho = (xs[2] + 2 * padding - ws[2]) // stride + 1
            wo = (xs[3] + 2 * padding - ws[3]) // stride + 1
            flops = 2 * xs[0] * ws[0] * ho * wo * ws[1] * ws[2] * ws[3]
            gflops = flops / ours.median / 1e9
            name = f"conv2d {np.dtype(dtype).name} {xs}x{ws} s{stride} p{padding}"
            extra = {"gflops": gflops, "fraction_of_matmul_peak": gflops / peak, "matmul_peak_gflops": peak}
            rows.append(Row(name, ours, peer, "torch conv2d", goal, extra))
    return rows


def pool_rows(runs: int, factor: int = 1) -> list[Row]:
    rng = np.random.default_rng(1)
    rows = []
    for shape, k, s in POOL_CASES:
        shape = _scale(shape, factor)
        x = rng.standard_normal(shape)

        def ours(x=x, k=k, s=s):
            out, cache = solutions.maxpool2d_forward(x, k, s)
            return solutions.maxpool2d_backward(np.ones_like(out), cache)

        def peer(x=x, k=k, s=s):
            tx = torch.from_numpy(x).requires_grad_()
            F.max_pool2d(tx, k, s).sum().backward()
            return tx.grad

        a, b = compare(ours, peer, runs)
        rows.append(
            Row(f"maxpool forward+backward {shape} k{k} s{s}", a, b, "torch max_pool2d + autograd", 2.0)
        )
    return rows


def other_rows(runs: int, factor: int = 1) -> list[Row]:
    """The remaining layers against their nearest PyTorch equivalent."""
    rng = np.random.default_rng(2)
    n, c, h, f, k = (4, 16, 32 // factor, 16, 3) if factor == 1 else (1, 4, 8, 4, 3)
    x = rng.standard_normal((n, c, h, h))
    ho = h - k + 1
    lc_w = rng.standard_normal((ho, ho, f, c, k, k))
    tx, tlc = torch.from_numpy(x), torch.from_numpy(lc_w)

    def torch_lc():
        cols = F.unfold(tx, k).view(n, c, k, k, ho, ho)  # the nearest equivalent: unfold + einsum
        return torch.einsum("ncmlij,ijfcml->nfij", cols, tlc)

    img = rng.standard_normal((1, 1, 8 * h, 8 * h))
    ker = rng.standard_normal((1, 1, 3, 3))
    w1 = rng.standard_normal((2 * f, c))
    cases = [
        (
            "locally_connected2d",
            lambda: solutions.locally_connected2d(x, lc_w),
            torch_lc,
            "torch unfold + einsum",
        ),
        (
            "dilated_correlate2d d=2",
            lambda: solutions.dilated_correlate2d(img[0, 0], ker[0, 0], 2),
            lambda: F.conv2d(torch.from_numpy(img), torch.from_numpy(ker), dilation=2),
            "torch conv2d(dilation=2)",
        ),
        (
            "conv1x1",
            lambda: solutions.conv1x1(x, w1),
            lambda: F.conv2d(tx, torch.from_numpy(w1[:, :, None, None])),
            "torch conv2d 1x1",
        ),
        ("avgpool2d k2", lambda: solutions.avgpool2d(x, 2), lambda: F.avg_pool2d(tx, 2), "torch avg_pool2d"),
    ]
    return [Row(name, *compare(ours, peer, runs), peer_name, 2.0) for name, ours, peer, peer_name in cases]


def scaling_rows(runs: int, sizes=(32, 64, 128, 256, 512)) -> list[dict]:
    """conv2d time as the image grows (8 -> 16 channels, 3x3, padding 1)."""
    rng = np.random.default_rng(3)
    w = rng.standard_normal((16, 8, 3, 3))
    out = []
    for size in sizes:
        x = rng.standard_normal((1, 8, size, size))
        ours, peer = compare(
            lambda x=x: solutions.conv2d(x, w, padding=1),
            lambda x=x: F.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding=1),
            runs,
        )
        out.append({"size": size, "ours": ours.median, "peer": peer.median})
    return out
