"""Chapter 08's network trained with ``solutions`` and with PyTorch (CPU), from the same initial weights
on the same batches: conv(1->8, 3x3, pad 1) -> ReLU -> max pool 2 -> conv(8->16) -> ReLU -> max pool 2 ->
linear -> softmax cross-entropy, SGD with momentum, float64, batches of 64 digits.

Two rows: the first 20 steps' losses must agree to 1e-6 relative (the whole pipeline, forward and backward,
is the same computation), and one epoch with ``solutions`` must take at most 1.5 times PyTorch's time.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

import solutions
from benchmarks.timing import Row, compare

DIGITS = Path(__file__).resolve().parents[1] / "chapters" / "08_backprop" / "digits.npz"
BATCH, RATE, MOMENTUM = 64, 0.05, 0.9
LOSS_RTOL = 1e-6


def data():
    """The chapter's training split (the same seeded permutation), pixels in [0, 1]."""
    with np.load(DIGITS, allow_pickle=False) as digits:
        images = digits["images"][:, None].astype(np.float64) / 16
        labels = digits["labels"].astype(np.int64)
    train = np.random.default_rng(0).permutation(len(labels))[len(labels) // 5 :]
    return images[train], labels[train]


def initial_params(seed=1):
    r = np.random.default_rng(seed)
    return {
        "w1": r.normal(0, np.sqrt(2 / 9), (8, 1, 3, 3)),
        "b1": np.zeros(8),
        "w2": r.normal(0, np.sqrt(2 / 72), (16, 8, 3, 3)),
        "b2": np.zeros(16),
        "w3": r.normal(0, np.sqrt(2 / 64), (64, 10)),
        "b3": np.zeros(10),
    }


def batches(images, labels, seed=2):
    order = np.random.default_rng(seed).permutation(len(labels))
    return [(images[order[i : i + BATCH]], labels[order[i : i + BATCH]]) for i in range(0, len(order), BATCH)]


def numpy_step(p, x, y):
    """Loss and gradients of one batch with the reference layers."""
    a1 = solutions.conv2d(x, p["w1"], p["b1"], padding=1)
    m1, c1 = solutions.maxpool2d_forward(np.maximum(a1, 0), 2)
    a2 = solutions.conv2d(m1, p["w2"], p["b2"], padding=1)
    m2, c2 = solutions.maxpool2d_forward(np.maximum(a2, 0), 2)
    flat = m2.reshape(len(x), -1)
    z = flat @ p["w3"] + p["b3"]
    z -= z.max(axis=1, keepdims=True)
    prob = np.exp(z)
    prob /= prob.sum(axis=1, keepdims=True)
    rows = np.arange(len(x))
    loss = -np.mean(np.log(prob[rows, y]))
    dz = prob
    dz[rows, y] -= 1
    dz /= len(x)
    g = {"w3": flat.T @ dz, "b3": dz.sum(axis=0)}
    da2 = solutions.maxpool2d_backward((dz @ p["w3"].T).reshape(m2.shape), c2) * (a2 > 0)
    dm1, g["w2"], g["b2"] = solutions.conv2d_backward(da2, m1, p["w2"], 1, 1)
    da1 = solutions.maxpool2d_backward(dm1, c1) * (a1 > 0)
    _, g["w1"], g["b1"] = solutions.conv2d_backward(da1, x, p["w1"], 1, 1)
    return loss, g


def train_numpy(params, steps):
    p = {k: v.copy() for k, v in params.items()}
    velocity = {k: np.zeros_like(v) for k, v in p.items()}
    losses = []
    for x, y in steps:
        loss, g = numpy_step(p, x, y)
        for k in p:
            velocity[k] = MOMENTUM * velocity[k] - RATE * g[k]
            p[k] += velocity[k]
        losses.append(float(loss))
    return losses


def train_torch(params, steps):
    p = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    velocity = {k: torch.zeros_like(v) for k, v in p.items()}
    losses = []
    for x, y in steps:
        h = F.max_pool2d(F.relu(F.conv2d(torch.from_numpy(x), p["w1"], p["b1"], padding=1)), 2)
        h = F.max_pool2d(F.relu(F.conv2d(h, p["w2"], p["b2"], padding=1)), 2)
        loss = F.cross_entropy(h.reshape(len(x), -1) @ p["w3"] + p["b3"], torch.from_numpy(y))
        for v in p.values():
            v.grad = None
        loss.backward()
        with torch.no_grad():
            for k, v in p.items():
                velocity[k] = MOMENTUM * velocity[k] - RATE * v.grad
                v += velocity[k]
        losses.append(float(loss.detach()))
    return losses


class AgreementRow(Row):
    """A row judged by the agreement of the two sides' losses; its ratio only reports their time."""

    @property
    def passed(self) -> bool:
        return self.extra["max_relative_loss_difference"] <= LOSS_RTOL


def network_rows(runs: int, smoke: bool = False) -> list[Row]:
    images, labels = data()
    params = initial_params()
    steps = batches(images, labels)
    first = steps[:20]
    ours_losses, torch_losses = train_numpy(params, first), train_torch(params, first)
    difference = max(abs(a - b) / abs(b) for a, b in zip(ours_losses, torch_losses, strict=True))
    a, b = compare(lambda: train_numpy(params, first), lambda: train_torch(params, first), runs)
    rows = [
        AgreementRow(
            f"CNN on digits: first 20 steps' losses agree (<= {LOSS_RTOL:g} relative)",
            a,
            b,
            "torch autograd",
            None,
            {"max_relative_loss_difference": difference, "losses": ours_losses},
        )
    ]
    epoch = steps[:2] if smoke else steps
    a, b = compare(lambda: train_numpy(params, epoch), lambda: train_torch(params, epoch), runs)
    name = f"CNN on digits: one epoch ({len(epoch)} batches of {BATCH}), forward+backward+SGD"
    rows.append(Row(name, a, b, "torch autograd", 1.5, {"steps": len(epoch)}))
    return rows
