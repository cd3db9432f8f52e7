"""The student's notebook as good as the page: MyST turned into markdown Jupyter renders, and the outputs
of the cells that need no student code shipped, on small fixtures (the real chapters are checked in
tests/publishing/test_student_notebook.py)."""

from __future__ import annotations

import base64
import re
import textwrap

import matplotlib
import nbformat
import pytest

from autograder.publishing import jupyter, outputs, release

matplotlib.use("Agg")

BASE = "https://example.org/course/"
SITE = jupyter.Site(
    BASE,
    labels={"sec-train": ("chapters/02_b/02_b", "Training"), "fig-x": ("glossary", "")},
    references={"smith2020": ("Smith and Jones", "2020"), "doe2019": ("Doe et al.", "2019")},
    terms=frozenset({"Stride", "Receptive field"}),
)
REFS = f"{BASE}references.html"


def convert(markdown: str, chapter: str = "01_a") -> str:
    return jupyter.to_jupyter(textwrap.dedent(markdown).strip("\n"), SITE, chapter)


# Independent of the converter: what MyST looks like in text Jupyter shows as it is.
ROLE = re.compile(r"\{[A-Za-z][\w:.+-]*\}`")
DIRECTIVE = re.compile(r"^\s*(`{3,}|:{3,}|~{3,})\s*\{", re.M)
OPTION = re.compile(r"^\s*:[\w-]+:(\s|$)", re.M)
LABEL = re.compile(r"^\s*\([^()\s]+\)=\s*$", re.M)


def myst_in(text: str) -> list[str]:
    return [m[0] for pattern in (ROLE, DIRECTIVE, OPTION, LABEL) for m in pattern.finditer(text)]


# ------------------------------------------------------------------------------------------------------
# Boxes


def test_a_hint_becomes_a_details_box_that_jupyterlab_renders_markdown_in():
    text = convert("""
        Before.

        ```{admonition} Hint
        :class: dropdown
        The window at $(i, j)$ is a **slice**:

        $$
        y = \\sum_m x_m
        $$
        ```

        After.
        """)
    assert text == textwrap.dedent("""\
        Before.

        <details>
        <summary>Hint</summary>

        The window at $(i, j)$ is a **slice**:

        $$
        y = \\sum_m x_m
        $$

        </details>

        After.""")


def test_other_boxes_become_blockquotes_under_their_bold_title():
    assert (
        convert("""
        ```{admonition} Learning objectives
        :class: tip
        1. one;
           two

        2. three.
        ```
        """)
        == "> **Learning objectives**\n>\n> 1. one;\n>    two\n>\n> 2. three."
    )
    assert convert("```{note}\nRead this.\n```") == "> **Note**\n>\n> Read this."
    assert convert("```{warning} Careful\nhere.\n```") == "> **Warning**\n>\n> Careful\n> here."
    assert convert("```{seealso}\nChapter 3.\n```").startswith("> **See also**")


def test_colon_fences_yaml_options_and_nesting_are_boxes_too():
    text = convert("""
        ::::{admonition} Why `same` padding?
        ---
        class: dropdown
        ---
        :::{note}
        Inner.
        :::

        ```python
        x = {"cite": 1}
        ```
        ::::
        """)
    assert text == textwrap.dedent("""\
        <details>
        <summary>Why <code>same</code> padding?</summary>

        > **Note**
        >
        > Inner.

        ```python
        x = {"cite": 1}
        ```

        </details>""")
    assert convert(":::{tip}\n:class: dropdown\nShh.\n:::").startswith(
        "<details>\n<summary>Tip</summary>\n\n"
    )
    assert convert("```{dropdown} More\n:open:\nText\n```").startswith(
        "<details open>\n<summary>More</summary>"
    )


def test_a_box_inside_a_list_item_keeps_its_indent():
    text = convert("- item\n\n  ```{note}\n  Inside.\n  ```\n- next")
    assert text == "- item\n\n  > **Note**\n  >\n  > Inside.\n- next"


def test_code_blocks_and_math_are_kept_as_they_are():
    source = textwrap.dedent("""\
        ```python
        (label)=
        print("{cite}`key`")
        :class: dropdown
        ```

        $$
        \\begin{aligned} a &= b_{i} \\\\ c &= d \\end{aligned}
        $$

        Inline $x_{k}$, `{ref}` in code, and ``{cite}`x` `` in a double-backtick code span.""")
    assert convert(source) == source


# ------------------------------------------------------------------------------------------------------
# Roles, labels, links


def test_citations_become_authors_and_year_linked_to_the_references_page():
    assert (
        convert("See {cite}`smith2020`, section 2.") == f"See ([Smith and Jones, 2020]({REFS})), section 2."
    )
    assert (
        convert("{cite:p}`smith2020,doe2019`")
        == f"([Smith and Jones, 2020]({REFS}); [Doe et al., 2019]({REFS}))"
    )
    assert convert("{cite:t}`doe2019` showed") == f"[Doe et al. (2019)]({REFS}) showed"
    assert convert("{cite:p}`{see}smith2020{p. 3}`") == f"(see [Smith and Jones, 2020]({REFS}) p. 3)"
    with pytest.raises(jupyter.MystError, match="nobody2000"):
        convert("{cite}`nobody2000`")


def test_cross_references_go_to_the_page_and_anchor_on_the_site():
    url = f"{BASE}chapters/02_b/02_b.html#sec-train"
    assert convert("{ref}`the training section <sec-train>` says") == f"[the training section]({url}) says"
    assert convert("See {ref}`sec-train`.") == f"See [Training]({url})."
    assert convert("{ref}`a\nwrapped text <sec-train>`") == f"[a\nwrapped text]({url})"
    with pytest.raises(jupyter.MystError, match="no-such"):
        convert("{ref}`no-such`")
    with pytest.raises(jupyter.MystError, match="give the link's text"):
        convert("{ref}`fig-x`")  # a label with no section title


def test_downloads_terms_and_small_roles():
    assert convert("{download}`digits.npz <digits.npz>`: keep it") == "[digits.npz](digits.npz): keep it"
    assert convert("{download}`data.csv`") == "[data.csv](data.csv)"
    with pytest.raises(jupyter.MystError, match="beside the notebook"):
        convert("{download}`x <../data/x.csv>`")
    assert convert("a {term}`stride <Stride>`") == f"a [stride]({BASE}glossary.html#term-Stride)"
    assert (
        convert("{term}`Receptive field`") == f"[Receptive field]({BASE}glossary.html#term-Receptive-field)"
    )
    with pytest.raises(jupyter.MystError, match="no term"):
        convert("{term}`Padding`")
    assert convert("{math}`x^2` and H{sub}`2`O") == "$x^2$ and H<sub>2</sub>O"
    assert convert("{abbr}`MAC (multiply-accumulate)`") == '<abbr title="multiply-accumulate">MAC</abbr>'


def test_glossary_anchors_are_the_sites():
    """As in the built glossary.html (ids seen there: term-1x1-convolution, term-Average-pooling)."""
    assert jupyter.term_id("1x1 convolution") == "term-1x1-convolution"
    assert jupyter.term_id("Average pooling") == "term-Average-pooling"


def test_label_lines_are_removed():
    assert convert("(sec-train)=\n### Training\n\nText.") == "### Training\n\nText."


def test_links_to_the_books_other_sources_go_to_the_site():
    assert convert("[chapter 3](../03_c/03_c.ipynb)'s") == f"[chapter 3]({BASE}chapters/03_c/03_c.html)'s"
    assert convert("[x](../03_c/03_c.ipynb#the-formula)") == f"[x]({BASE}chapters/03_c/03_c.html#the-formula)"
    assert convert("the [glossary](../../glossary.md)") == f"the [glossary]({BASE}glossary.html)"
    assert convert('[g](<../../glossary.md> "Terms")') == f'[g](<{BASE}glossary.html> "Terms")'
    assert convert("[refs]: ../../references.md") == f"[refs]: {BASE}references.html"
    for kept in ("[a](https://d2l.ai/x.md)", "[b](#exercise-1)", "[c](digits.npz)", "`[d](../x.md)`"):
        assert convert(kept) == kept
    with pytest.raises(jupyter.MystError, match="leaves the book"):
        convert("[x](../../../elsewhere.md)")


def test_an_explorer_becomes_a_link_to_it_on_the_chapters_page():
    page = f"{BASE}chapters/03_c/03_c.html"
    text = convert("```{explorer} output-size\n:params: n=7, k=3,p=1,s=2\n```", "03_c")
    link = f"{page}#explore-output-size=n=7,k=3,p=1,s=2"
    assert text == f"**Explore it:** [the output-size explorer on the course site]({link})"
    bare = convert(":::{explorer} stride\n:::", "03_c")
    assert bare == f"**Explore it:** [the stride explorer on the course site]({page}#explore-stride)"


def test_a_link_to_an_explorers_setting_goes_to_that_setting_on_the_site():
    # A notebook has no explorer: the hint's link must open the setting on the chapter's page.
    page = f"{BASE}chapters/03_c/03_c.html"
    html_link = convert('The <a href="#explore-output-size=n=6,k=3">explorer</a>.', "03_c")
    assert html_link == f'The <a href="{page}#explore-output-size=n=6,k=3">explorer</a>.'
    md_link = convert("The [explorer](#explore-output-size=n=6).", "03_c")
    assert md_link == f"The [explorer]({page}#explore-output-size=n=6)."
    assert convert("[above](#a-heading)", "03_c") == "[above](#a-heading)"


@pytest.mark.parametrize(
    "markup, named",
    [
        ("```{figure} x.png\n:alt: a\n```", "{figure}"),
        (":::{list-table}\n* - a\n:::", "{list-table}"),
        ("Equation {eq}`my-eq`.", "{eq}`my-eq`"),
        ("{numref}`fig-x`", "{numref}`fig-x`"),
        ("{glue:md}`name`", "{glue:md}`name`"),
        ("```{admonition}\nno title\n```", "{admonition}"),
    ],
)
def test_unknown_markup_fails_naming_it(markup, named):
    with pytest.raises(jupyter.MystError) as info:
        convert(markup)
    assert named in str(info.value)


def test_the_release_error_names_the_chapter_the_cell_and_the_markup():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Title", id="title"),
        nbformat.v4.new_markdown_cell("{foo}`bar`", id="odd"),
    ]
    with pytest.raises(RuntimeError, match=r"01_a, cell 1 \(id odd\): unknown role \{foo\}`bar`"):
        release.write_text(nb, "01_a", SITE, {})


def test_converted_text_has_no_myst_left():
    every_form = """
        (sec-a)=
        # Title {cite}`smith2020`

        ```{admonition} Hint
        :class: dropdown
        Use {ref}`sec-train`; [see](../../glossary.md).
        ```

        :::{warning}
        :class: caution
        {term}`Stride` {download}`a.npz`
        :::

        ```{explorer} output-size
        :params: n=7
        ```
        """
    source = textwrap.dedent(every_form)
    assert len(myst_in(source)) >= 10 and len(jupyter.leftover(source)) >= 10  # both checks see them
    text = convert(every_form)
    assert myst_in(text) == [] and jupyter.leftover(text) == []


def test_read_site_reads_the_address_labels_references_and_terms(tmp_path):
    (tmp_path / "_config.yml").write_text("html:\n  baseurl: https://x.github.io/c\n")
    (tmp_path / "references.bib").write_text(
        "@book{a, author = {Goodfellow, Ian and Bengio, Yoshua and Courville, Aaron}, year = {2016}}\n"
        "@misc{b, author = {Dumoulin, Vincent and Visin, Francesco}, year = {2016}}\n"
        "@misc{c, author = {{PyTorch Contributors}}, year = {2024}}\n"
        "@misc{d, author = {van der Maaten, Laurens and Hinton, Geoffrey}, year = {2008}}\n"
        '@misc{e, author = {M{\\"u}ller, Andreas}, year = {2020}}\n'
    )
    (tmp_path / "glossary.md").write_text(
        "# Glossary\n\n```{glossary}\nStride\n  The step.\n\nPadding\n  Border.\n```\n"
    )
    chapter = tmp_path / "chapters" / "01_a" / "01_a.ipynb"
    chapter.parent.mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("(ch01-sizes)=\n## Output sizes\n\ntext")]
    nbformat.write(nb, chapter)
    site = jupyter.read_site(tmp_path)
    assert site.baseurl == "https://x.github.io/c/"
    assert site.labels == {"ch01-sizes": ("chapters/01_a/01_a", "Output sizes")}
    assert site.terms == {"Stride", "Padding"}
    assert site.references == {
        "a": ("Goodfellow et al.", "2016"),
        "b": ("Dumoulin and Visin", "2016"),
        "c": ("PyTorch Contributors", "2024"),
        "d": ("van der Maaten and Hinton", "2008"),
        "e": ("Müller", "2020"),
    }
    (tmp_path / "_config.yml").write_text("html:\n  use_repository_button: false\n")
    with pytest.raises(jupyter.MystError, match="baseurl"):
        jupyter.read_site(tmp_path)


# ------------------------------------------------------------------------------------------------------
# Outputs

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\nnot really").decode()
PAGE = f"{BASE}chapters/01_a/01_a.html"


def figure(png=PNG):
    return nbformat.v4.new_output(
        "display_data", data={"image/png": png, "text/plain": "<Figure size 640x480>"}
    )


def lesson(source, outs, alt="", **meta):
    cell = nbformat.v4.new_code_cell(source, id=f"c{abs(hash(source)) % 10**8}")
    cell.outputs, cell.execution_count = outs, 3
    if alt:
        cell.metadata["mystnb"] = {"image": {"alt": alt}}
    cell.metadata.update(meta)
    return cell


def notebooks(cells):
    """(released, executed as released, executed with the model answers) from cells with outputs."""
    ran = nbformat.v4.new_notebook(cells=cells)
    answers = nbformat.from_dict(ran)
    released = nbformat.from_dict(ran)
    for cell in released.cells:
        cell.outputs, cell.execution_count = [], None
    return released, ran, answers


def test_only_the_lessons_cells_that_need_no_student_code_keep_outputs():
    text = nbformat.v4.new_output("stream", text="3 x 3\n")
    waiting = nbformat.v4.new_output("stream", text="Implement `correlate2d` above to see this figure.\n")
    error = nbformat.v4.new_output("error", ename="NameError", evalue="x", traceback=[])
    cells = [
        lesson("print('3 x 3')", [text]),
        lesson("demo()", [waiting]),
        lesson("broken()", [error]),
        lesson("def f(): ...", [text], nbgrader={"solution": True, "grade_id": "f"}),
        lesson("assert f()", [text], nbgrader={"grade": True, "locked": True}),
        lesson("glue('x', 1)", [text], tags=["remove-cell"]),
        lesson("t = time.time()", [text]),
    ]
    released, ran, answers = notebooks(cells)
    answers.cells[-1].outputs = [nbformat.v4.new_output("stream", text="2.5 ms\n")]  # differs: not shipped
    assert outputs.ship(released, ran, answers, PAGE) == 1
    assert [bool(c.outputs) for c in released.cells] == [True] + [False] * 6
    assert released.cells[0].outputs[0].text == "3 x 3\n"
    assert all(c.execution_count is None for c in released.cells)


def test_a_figure_keeps_its_text_alternative_in_html():
    alt = 'Two grids: the "input" & <kernel>.'
    released, ran, answers = notebooks([lesson("plot()", [figure()], alt=alt)])
    outputs.ship(released, ran, answers, PAGE)
    (output,) = released.cells[0].outputs
    assert output.output_type == "display_data" and set(output.data) == {"text/html", "text/plain"}
    assert output.data["text/html"] == (
        '<img alt="Two grids: the &quot;input&quot; &amp; &lt;kernel&gt;." '
        f'src="data:image/png;base64,{PNG}">'
    )
    assert output.data["text/plain"] == alt
    released, ran, answers = notebooks([lesson("plot()", [figure()])])  # no alt: the PNG as it was
    outputs.ship(released, ran, answers, PAGE)
    assert released.cells[0].outputs[0].data["image/png"] == PNG


def animation_page(frames=3):
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation

    fig, ax = plt.subplots(figsize=(1, 1))
    page = FuncAnimation(fig, lambda k: ax.set_title(str(k)), frames=frames).to_jshtml()
    plt.close(fig)
    return page


def test_an_animation_ships_its_first_frame_and_where_it_plays():
    page = animation_page()
    frame = outputs.first_frame(page)
    assert frame.startswith("data:image/png;base64,iVBOR")  # a PNG's first bytes
    base64.b64decode(frame.split(",", 1)[1], validate=True)  # whole, without the JavaScript line breaks
    html = nbformat.v4.new_output("display_data", data={"text/html": page, "text/plain": "<HTML>"})
    released, ran, answers = notebooks([lesson("animate()", [html], alt="A window moves.")])
    answers.cells[0].outputs[0].data["text/html"] = page.replace("_anim_img", "_anim_imgX")  # another id
    outputs.ship(released, ran, answers, PAGE)
    (output,) = released.cells[0].outputs
    shown = output.data["text/html"]
    assert "<script" not in shown and shown.startswith(f'<img alt="A window moves." src="{frame}">')
    assert f'<a href="{PAGE}">' in shown and "first frame of an animation" in shown
    assert PAGE in output.data["text/plain"]


def test_a_script_is_never_shipped():
    script = nbformat.v4.new_output(
        "display_data", data={"text/html": "<script>alert(1)</script>", "text/plain": "x"}
    )
    js = nbformat.v4.new_output("display_data", data={"application/javascript": "alert(1)"})
    released, ran, answers = notebooks([lesson("show()", [script, js])])
    outputs.ship(released, ran, answers, PAGE)
    assert released.cells[0].outputs == []


def test_outputs_of_another_notebook_are_refused():
    released, ran, answers = notebooks([lesson("a", []), lesson("b", [])])
    ran.cells.reverse()
    with pytest.raises(ValueError, match="not the released one"):
        outputs.ship(released, ran, answers, PAGE)


# ------------------------------------------------------------------------------------------------------
# Nothing a student can see answers an exercise: build-only cells, and the leak scan of every release


def test_build_only_cells_are_dropped_from_the_release_and_emptied_on_the_page():
    from autograder.publishing import book, build_only

    lesson = nbformat.v4.new_code_cell("x = 1")
    hidden = nbformat.v4.new_code_cell(
        "def slow_answer(x):\n    return x\nglue('n', 3)", metadata={"tags": ["remove-cell", "build-only"]}
    )
    hidden.outputs = [nbformat.v4.new_output("display_data", data={"text/plain": "3"})]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# T"), lesson, hidden])
    released, _ = build_only.DropBuildOnly().preprocess(nbformat.from_dict(nb), {})
    assert [c.source for c in released.cells] == ["# T", "x = 1"]
    page = book.student_view(nb, "t-exercises.ipynb")
    (kept,) = [c for c in page.cells if "build-only" in c.metadata.get("tags", [])]
    assert kept.source == "" and kept.outputs == hidden.outputs, "its glued numbers stay, its code goes"
    assert "build-only" not in "".join(c.source for c in page.cells)
    assert "slow_answer" in hidden.source, "the source notebook keeps it"


def test_the_leak_scan_finds_a_working_answer_in_any_notebook(tmp_path):
    """A loop translate (chapter 02's exercise) given in a lesson cell is found; its stub, a helper and a
    function that is right on only a few cases are not."""
    import leaks

    answer = (
        "def shift(image, dy, dx):\n"
        "    image = np.asarray(image, dtype=float)\n"
        "    if image.ndim < 2:\n        raise ValueError('image')\n"
        "    H, W = image.shape[-2:]\n    out = np.zeros_like(image)\n"
        "    for i in range(H):\n        for j in range(W):\n"
        "            if 0 <= i - dy < H and 0 <= j - dx < W:\n"
        "                out[..., i, j] = image[..., i - dy, j - dx]\n"
        "    return out\n"
    )
    cells = [
        "import numpy as np",
        answer + "\nprint(shift(np.eye(3), 1, 0))",
        "def translate(image, dy, dx):\n    raise NotImplementedError()",
        "def shape_of(a, b, c):\n    return np.shape(a)",
        "def zeros_like_it(image, dy, dx):\n    return np.zeros(np.shape(image))",
    ]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]), path)
    functions = leaks.defined_functions(leaks.code_cells(path))
    assert set(functions) == {"shift", "translate", "shape_of", "zeros_like_it"}
    found = leaks.answers_given_away(functions)
    assert [f.split(" (")[0] for f in found] == ["shift answers translate"], found


@pytest.mark.slow
def test_no_released_notebook_answers_any_chapters_exercise(course):
    """No released notebook holds a line of any chapter's model answer or hidden tests, nor a function
    that passes most of the hidden cases of any graded exercise (stubs fail them all)."""
    import leaks
    from helpers import SOURCES

    secret = leaks.model_answer_lines(SOURCES)
    assert len(secret) > 200, "the model answers have lines to look for"
    notebooks = sorted((course / "release").glob("*/*.ipynb"))
    assert [p.stem for p in notebooks] == sorted(p.stem for p in SOURCES)
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        text = "\n".join(cell.source for cell in nb.cells)
        leaked = sorted(f"{line!r} (from {chapter})" for line, chapter in secret.items() if line in text)
        assert not leaked, f"{path.name} shows model-answer lines: {leaked[:5]}"
        assert not any("build-only" in c.metadata.get("tags", []) for c in nb.cells), path.name
        given = leaks.answers_given_away(leaks.defined_functions(leaks.code_cells(path)))
        assert not given, f"{path.name}: {given}"
