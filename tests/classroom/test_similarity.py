"""The similarity report: what students wrote is compared, renamed copies still match, size matters."""

from __future__ import annotations

import re

import nbformat
from helpers import source_notebook

from autograder.__main__ import main as cli
from autograder.classroom import similarity

CH = "03_padding"

# A 20-line answer with a helper function: the "copied" material.
HELPER = '''
def window_sum(padded, kernel, top, left):
    """Sum of one window times the kernel."""
    total = 0.0
    for m in range(kernel.shape[0]):
        for n in range(kernel.shape[1]):
            total += padded[top + m, left + n] * kernel[m, n]
    return total
'''
BODY = """
    image = np.asarray(image, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError("image and kernel must be 2-D")
    rows, cols = (padding, padding) if isinstance(padding, int) else padding
    step_r, step_c = (stride, stride) if isinstance(stride, int) else stride
    padded = np.zeros((image.shape[0] + 2 * rows, image.shape[1] + 2 * cols))
    padded[rows:rows + image.shape[0], cols:cols + image.shape[1]] = image
    out_h = (padded.shape[0] - kernel.shape[0]) // step_r + 1
    out_w = (padded.shape[1] - kernel.shape[1]) // step_c + 1
    result = np.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            result[i, j] = window_sum(padded, kernel, i * step_r, j * step_c)
    return result
"""
RENAMES = {
    "window_sum": "dot_at",
    "padded": "big",
    "total": "acc",
    "m": "u",
    "n": "v",
    "top": "y0",
    "left": "x0",
    "rows": "ph",
    "cols": "pw",
    "step_r": "sy",
    "step_c": "sx",
    "out_h": "ho",
    "out_w": "wo",
    "result": "res",
    "i": "y",
    "j": "x",
}
# Another student's own answer to the same exercise: same task, their own structure.
OTHER = """
    img = np.pad(np.asarray(image, dtype=float), padding)
    k = np.asarray(kernel, dtype=float)
    s = stride
    h = (img.shape[0] - k.shape[0]) // s + 1
    w = (img.shape[1] - k.shape[1]) // s + 1
    return np.array([[np.sum(img[a * s:a * s + k.shape[0], b * s:b * s + k.shape[1]] * k)
                      for b in range(w)] for a in range(h)])
"""


def given(name: str) -> str:
    nb = nbformat.read(source_notebook(CH), as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == name)
    return similarity.given_code(cell.source)


def rename(code: str) -> str:
    return re.sub(r"\b(" + "|".join(RENAMES) + r")\b", lambda m: RENAMES[m[1]], code)


def submit(submitted, student: str, answers: dict[str, str]) -> None:
    """A submission that starts from the stubs and fills in ``answers`` (whole cell sources)."""
    nb = nbformat.read(source_notebook(CH), as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            stub = (
                similarity.given_code(cell.source) + "\n    # YOUR CODE HERE\n    raise NotImplementedError()"
            )
            cell.source = answers.get(meta["grade_id"], stub)
    folder = submitted / student / CH
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{CH}.ipynb")


def ranked(submitted):
    _, pairs = similarity.main(submitted, chapter=CH)
    return [(p.a, p.b) for p in pairs], {(p.a, p.b): p for p in pairs}


def test_renamed_variables_and_reordered_functions_still_match(tmp_path):
    sub = tmp_path / "submitted"
    original = HELPER + "\n" + given("correlate2d_padded") + BODY
    disguised = given("correlate2d_padded") + rename(BODY) + "\n" + rename(HELPER)  # helper moved below
    written = rename(BODY) + rename(HELPER)
    assert "window_sum" not in written and "padded[" not in written  # every name changed
    submit(sub, "ada", {"correlate2d_padded": original})
    submit(sub, "bob", {"correlate2d_padded": disguised})
    submit(sub, "cyd", {"correlate2d_padded": given("correlate2d_padded") + OTHER})
    order, pairs = ranked(sub)
    assert order[0] == ("ada", "bob")
    (match,) = pairs[("ada", "bob")].matches
    assert match.exercise == "correlate2d_padded" and min(match.similarity) > 0.8, match.similarity
    assert "<mark>" in match.marked[0] and "<mark>" in match.marked[1]
    other = pairs.get(("ada", "cyd"))
    assert other is None or other.overlap < match.overlap / 3


def test_short_independent_answers_rank_below_a_long_copy(tmp_path):
    sub = tmp_path / "submitted"
    head = given("output_size")
    # Written apart, alike because the formula is the formula: the same return line, other checks.
    short_c = """
    if kernel_size < 1 or stride < 1:
        raise ValueError("kernel_size and stride must be >= 1")
    return (input_size + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1
"""
    short_d = """
    if stride < 1:
        raise ValueError(f"stride must be positive, got {stride}")
    return (input_size + 2*padding - dilation*(kernel_size-1) - 1)//stride + 1
"""
    copied = HELPER + "\n" + given("correlate2d_padded") + BODY
    submit(sub, "ann", {"correlate2d_padded": copied})
    submit(sub, "ben", {"correlate2d_padded": copied})
    submit(sub, "cat", {"output_size": head + short_c})
    submit(sub, "dan", {"output_size": head + short_d})
    order, pairs = ranked(sub)
    short = pairs[("cat", "dan")].matches[0]
    assert short.exercise == "output_size" and max(short.similarity) > 0.4  # a large share of little code
    assert order[0] == ("ann", "ben") and order.index(("cat", "dan")) > 0
    assert pairs[("ann", "ben")].overlap > 5 * pairs[("cat", "dan")].overlap


def test_starter_code_is_never_shared(tmp_path):
    sub = tmp_path / "submitted"
    submit(sub, "ann", {})
    submit(sub, "ben", {})
    submit(sub, "cat", {"output_size": given("output_size") + "\n    return 1\n"})
    (sub / "dan" / CH).mkdir(parents=True)
    (sub / "dan" / CH / f"{CH}.ipynb").write_text("{ not a notebook")
    order, _ = ranked(sub)
    assert order == []
    stub = given("pad2d") + "\n    # YOUR CODE HERE\n    raise NotImplementedError()"
    assert similarity.written(stub, given("pad2d")) == ""


def test_command_writes_the_html_report(tmp_path):
    sub = tmp_path / "submitted"
    copied = HELPER + "\n" + given("correlate2d_padded") + BODY
    submit(sub, "ann", {"correlate2d_padded": copied})
    submit(sub, "ben <b>", {"correlate2d_padded": copied})
    assert cli(["similarity", str(sub), "--chapter", CH]) == 0
    page = (tmp_path / "similarity" / f"{CH}.html").read_text()
    assert "ann &amp; ben &lt;b&gt;" in page and "<mark>" in page
    assert "not a verdict" in page
