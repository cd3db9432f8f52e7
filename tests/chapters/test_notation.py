"""One letter, one meaning: chapters, reference package and grader texts follow intro.md's notation.

The table in ``intro.md`` gives ``e`` to the example (image) of a batch, ``n`` to a length along one axis,
and ``(m, l)`` to a kernel position; chapter 1 alone writes the kernel column ``n``, as its lecture notes do.
These tests read every cell of every chapter (markdown and code, model answers included), every module of
``solutions/`` and of the grader's exercises, and the glossary, and look for the old uses of the letters.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from helpers import ROOT, SOURCES

CHAPTER_01 = ("chapters/01_convolution/", "solutions/correlation.py", "autograder/engine/exercises/ch01_")

# n as the index of the image in an NCHW array: the first of four indices, the loop over the batch, the
# sum over the batch's images
BATCH_N = [
    r"\[\(?n,\s*[a-z:(*]",  # out[n, f, i, j], x[n, :, i, j], x_{pad}[n, c, ...]
    r"^\s*n, [a-z:], i \* sh",  # the index of a slice that runs over two lines: x[\n n, :, i * sh:...]
    r"\[[a-z], n, i, j\]",  # the channels-first grad[g, n, i, j]
    r"\bfor n(, c, i, j)? in (range\((N|len\(x\)|x\.shape\[0\])\)|np\.ndindex)",
    r"\bn, c = np\.indices",
    r"\b(sum|loop) over n\b",
    r"\\sum_\{n,",  # \sum_{n, i, j}
    r"`n`, `f`",  # "four loops, over `n`, `f`, `i` and `j`"
]

# n as a kernel column, which chapter 1 alone writes
KERNEL_N = [
    r"\(m,\s*n\)",  # K(m, n), tap (m, n)
    r"\[m,\s*n\]",  # kernel[m, n]
    r"\bm,\s*n of\b",  # sum over m, n of
    r"\\sum_(n\b|\{n\}|\{m,\s*n\})",  # \sum_n, \sum_{n}, \sum_{m, n}
    r"\bd\s*\\?,?\s*\*?\s*n\b",  # j + d n, j + d*n, j + d\,n
    r"\bn \* d(ilation)?\b|\bdw\s*\*\s*n\b",  # j + n * d, n * dilation, dw*n
    r"\bsw \+ n\b",  # padded[i sh + m, j sw + n]
    r"\bfor (m, )?n in (range\(kw\)|np\.ndindex\(kernel)",
]


def texts() -> list[tuple[str, str]]:
    """(where, text) for every chapter cell, reference module, exercise module and the glossary."""
    found = []
    for path in SOURCES:
        nb = nbformat.read(path, as_version=4)
        where = path.relative_to(ROOT).as_posix()
        found += [(f"{where} cell {i}", cell.source) for i, cell in enumerate(nb.cells)]
    for folder in ("solutions", "autograder/engine/exercises"):
        found += [
            (p.relative_to(ROOT).as_posix(), p.read_text()) for p in sorted((ROOT / folder).glob("*.py"))
        ]
    return found + [("glossary.md", (ROOT / "glossary.md").read_text())]


def uses(patterns: list[str], text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if any(re.search(p, line) for p in patterns)]


@pytest.mark.parametrize(
    ("line", "batch", "kernel"),
    [
        ("out[n, f, i, j] = np.sum(window * weight[f])", True, False),
        ("    for n in range(N):", True, False),
        ("dweight = sum over n, i, j of dout[n, f, i, j]", True, False),
        (r"\frac{\partial L}{\partial b[f]} = \sum_{n, i, j} \text{dout}", True, False),
        ("n, c = np.indices(x_shape[:2])", True, False),
        ("                        n, :, i * sh:i * sh + kh, j * sw:j * sw + kw", True, False),
        ("canvas[o, n, i*sh + m, j*sw + l] += sum over g of grad[g, n, i, j]", True, False),
        ("Why not four loops, over `n`, `f`, `i` and `j`?", True, False),
        (r"S(i, j) = \sum_{m} \sum_{n} I(i + d\,m,\ j + d\,n)\, K(m, n),", False, True),
        ("sum over m, n of image[i + d m, j + d n] * kernel[m, n]", False, True),
        ("        for n in range(kw):", False, True),
        ("Tap (m, n) reads image[i + m * d, j + n * d].", False, True),
        # what stays: n as a length, e as the example, (m, l) as the kernel position
        (r"\lfloor (n + 2p - d(k - 1) - 1) / s \rfloor + 1", False, False),
        ("n, c, h, w = x.shape", False, False),
        ("for ax, (n, k, s) in zip(axes, [(7, 3, 2), (8, 3, 2)]):", False, False),
        ("out[e, f, i, j] = np.sum(window * weight[f])", False, False),
        ("    for e in range(N):", False, False),
        (r"S(i, j) = \sum_{m} \sum_{l} I(i + d\,m,\ j + d\,l)\, K(m, l),", False, False),
        ("(n - 1) * s - 2p + d(k - 1) + 1, plus output_padding", False, False),
    ],
)
def test_the_patterns_tell_the_meanings_apart(line, batch, kernel):
    assert bool(uses(BATCH_N, line)) == batch
    assert bool(uses(KERNEL_N, line)) == kernel


def test_the_batch_index_is_e_everywhere():
    """No chapter, reference docstring or grader text indexes a batch with n, the letter of a length."""
    found = {where: hits for where, text in texts() if (hits := uses(BATCH_N, text))}
    assert not found, found


def test_the_kernel_column_is_l_outside_chapter_01():
    found = {
        where: hits
        for where, text in texts()
        if not where.startswith(CHAPTER_01) and (hits := uses(KERNEL_N, text))
    }
    assert not found, found


def test_chapter_01_says_why_later_chapters_write_l():
    """Chapter 1 keeps its lecture notes' (m, n) and says, once, why the later chapters write l."""
    cells = dict(texts())
    chapter_01 = [text for where, text in cells.items() if where.startswith(CHAPTER_01[0])]
    said = [text for text in chapter_01 if re.search(r"later chapters write \$l\$", " ".join(text.split()))]
    assert len(said) == 1, "chapter 01 says once that later chapters write l for the kernel column"
    assert re.search(r"\$n\$ (becomes|is) (a|the) length", " ".join(said[0].split()))


def test_the_notation_table_has_one_row_per_letter():
    intro = (ROOT / "intro.md").read_text()
    table = intro[intro.index("## Notation") :].split("\n## ")[0]
    rows = {
        row.split("|")[1].strip(): row.split("|")[2] for row in table.splitlines() if row.startswith("| $")
    }
    assert "[e, c, u, v]" in rows["$e$"] and "batch" in rows["$e$"]
    assert "length along one axis" in rows["$n$"] and "batch" not in rows["$n$"]
    assert "$m$, $n$" in rows["$m$, $l$"] and "chapter 1" in rows["$m$, $l$"]
    chapter_04 = "\n".join(
        " ".join(cell.source.split())
        for cell in nbformat.read(ROOT / "chapters/04_channels/04_channels.ipynb", as_version=4).cells
        if cell.cell_type == "markdown"
    )
    assert "$n$ indexes" not in chapter_04 and "$e$ indexes the examples" in chapter_04


# the other rows of the table: p is padding, an input position is (u, v); d is the dilation, r the receptive
# field, k the kernel size and K a kernel; shapes are written in NCHW order
OTHER_ROWS = [
    r"\(p, ?q\)|\[[a-z], [a-z], p, q\]",  # (p, q) as an input position
    r"\br_\{?[iLn1]\b",  # r_i as a dilation rate
    r"\$K\$ the kernel size",
    r"H x W x C|H \\times W \\times C|3 x 3 x C",
]


def test_the_other_rows_of_the_table_hold_in_every_cell():
    found = {where: hits for where, text in texts() if (hits := uses(OTHER_ROWS, text))}
    assert not found, found
