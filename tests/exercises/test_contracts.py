"""Every graded rule is stated, and no hint hands out the model answer.

The registry is the source of truth for what the grader checks. For every exercise, each hidden case
that must raise ``ValueError`` and each argument form the cases use (an int or a pair, ``None``...) has to
be stated where the student reads the exercise: in the stub's docstring (which alone must state the whole
contract) or in the exercise text right above the stub. The grader deducts for nothing it does not state.
"""

from __future__ import annotations

import ast
import re

import nbformat
import numpy as np
import pytest
from helpers import source_notebook

from autograder.engine import exercises

EXERCISES = [ex for chapter in exercises.CHAPTERS.values() for ex in chapter]
IDS = [ex.name for ex in EXERCISES]
CHAPTER_OF = {ex.name: chapter_id for chapter_id, chapter in exercises.CHAPTERS.items() for ex in chapter}

# What a ValueError message (which names its argument) says, and the words that state that rule.
RULES = [
    (r"must be (?:at least )?(\d)-D", lambda m: rf"\b{m[1]}-D\b|fewer than {'two' if m[1] == '2' else m[1]}"),
    (r"has \d+ channels but", lambda m: r"channel"),
    (r"must be >= 1|triple", lambda m: r"below 1|positive|triple"),
    (r"must be >= 0", lambda m: r"negative"),
    (r"larger than|would be empty", lambda m: r"larger"),
    (r"must be one of", lambda m: r"unknown"),
    (r"must be < the image", lambda m: r"not smaller|smaller than"),
    (r"output positions but", lambda m: r"output size"),
    (r"must have shape", lambda m: r"shape"),
    (r"smaller than stride", lambda m: r"not smaller than the stride"),
    (r"crops the whole output", lambda m: r"crops the whole output"),
]


def grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def stub(ex):
    """(docstring, exercise text) of an exercise: the text is the markdown between the previous code cell
    and the solution cell."""
    nb = nbformat.read(source_notebook(CHAPTER_OF[ex.name]), as_version=4)
    index = next(
        i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == ex.name
    )
    function = next(
        node for node in ast.parse(nb.cells[index].source).body if isinstance(node, ast.FunctionDef)
    )
    text = []
    for cell in reversed(nb.cells[:index]):
        if cell.cell_type == "code":
            break
        text.insert(0, cell.source)
    return ast.get_docstring(function) or "", "\n".join(text)


def raising_cases(ex):
    """(case, ValueError message) of each hidden case the case table marks invalid."""
    out = []
    for case in ex.cases():
        if case.invalid:
            with pytest.raises(ValueError) as error:
                ex.reference(*case.args)
            out.append((case, str(error.value)))
    return out


def raise_paragraphs(text: str) -> list[str]:
    """The paragraphs of a text that say when ValueError is raised, markup and line breaks removed."""
    plain = text.replace("`", "").replace("$", "")
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", plain) if "ValueError" in p]


def clauses(text: str) -> list[str]:
    """Sentences and semicolon-separated clauses, markup and line breaks removed."""
    plain = " ".join(text.replace("`", "").replace("$", "").split())
    return re.split(r"(?<=[.;])\s", plain)


def mentions(name: str, text: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(name)}(?![\w(])", text) is not None


def unstated_errors(ex, text: str) -> list[str]:
    """The graded invalid inputs of ``ex`` that ``text`` does not state (argument name and rule)."""
    missing = []
    paragraphs = raise_paragraphs(text)
    for case, message in raising_cases(ex):
        names = [n for n in re.findall(r"[A-Za-z_]\w*", message) if n in ex.arg_names]
        assert names, f"{ex.name}: the reference's message names no argument: {message!r}"
        rule = next(((p, words(m)) for p, words in RULES if (m := re.search(p, message))), None)
        assert rule, f"{ex.name}: no rule known for {message!r}: teach RULES how it is stated"
        if not any(mentions(names[0], p) and re.search(rule[1], p) for p in paragraphs):
            missing.append(f"{case.label!r} ({message}): state that {names[0]} is rejected ({rule[0]!r})")
    return missing


def forms(ex) -> dict[str, set[str]]:
    """For each argument, the kinds of value the hidden cases pass: int, sequence, None."""
    kinds: dict[str, set[str]] = {}
    for case in ex.cases():
        for name, value in zip(ex.arg_names, case.args, strict=False):
            if value is None:
                kind = "None"
            elif isinstance(value, bool | np.ndarray | str):
                continue
            elif isinstance(value, int | np.integer):
                kind = "int"
            elif isinstance(value, tuple | list):
                kind = "sequence"
            else:
                continue
            kinds.setdefault(name, set()).add(kind)
    return kinds


FORM_WORDS = {"int": r"\bints?\b", "sequence": r"\b(pairs?|triples?|tuples?|lists?)\b", "None": r"\bNone\b"}


def unstated_forms(ex, text: str) -> list[str]:
    """The argument forms the hidden cases use that no clause of ``text`` naming the argument states."""
    if ex.driver != "call":
        return []  # the cases are the driver's arguments, not the function's
    missing = []
    for name, kinds in forms(ex).items():
        if len(kinds) == 1 and kinds != {"sequence"}:
            continue  # one plain kind: an int is an int, nothing to choose between
        about = [c for c in clauses(text) if mentions(name, c)]
        for kind in sorted(kinds):
            if not any(re.search(FORM_WORDS[kind], c) for c in about):
                missing.append(
                    f"{name} may be {' or '.join(sorted(kinds))}: the text never says it may be {kind}"
                )
    return missing


@pytest.mark.parametrize("ex", EXERCISES, ids=IDS)
def test_every_graded_rule_is_stated_where_the_student_reads_it(ex):
    docstring, text = stub(ex)
    missing = unstated_errors(ex, docstring + "\n\n" + text) + unstated_forms(ex, docstring + "\n\n" + text)
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("ex", EXERCISES, ids=IDS)
def test_the_stub_docstring_alone_states_the_whole_contract(ex):
    docstring, _ = stub(ex)
    returns = re.search(r"^Returns\b.*?(?=\n\s*\n|^Raises|\Z)", docstring, flags=re.M | re.S)
    assert returns, "the docstring says what the function returns"
    kind = re.search(r"float array|Python int|tuple", returns[0])
    assert kind, f"the docstring names the kind of result (float array, Python int, tuple): {returns[0]!r}"
    if kind[0] == "float array":
        assert re.search(r"shape|\(\w+, \w+", returns[0]), (
            f"the docstring gives the result's shape: {returns[0]!r}"
        )
    missing = unstated_errors(ex, docstring) + unstated_forms(ex, docstring)
    assert not missing, "\n".join(missing)
    if not raising_cases(ex):
        return
    assert re.search(r"^Raises ValueError", docstring, flags=re.M), "the docstring says when it raises"


@pytest.mark.parametrize("ex", [ex for ex in EXERCISES if raising_cases(ex)], ids=lambda ex: ex.name)
def test_visible_tests_check_an_invalid_input(ex):
    """The visible cell calls the exercise inside ``try`` and expects ``ValueError``."""
    nb = nbformat.read(source_notebook(CHAPTER_OF[ex.name]), as_version=4)
    cell = next(c for c in nb.cells if grade_id(c) == f"{ex.name}_visible")
    checks = [
        node
        for node in ast.walk(ast.parse(cell.source))
        if isinstance(node, ast.Try)
        and any(isinstance(h.type, ast.Name) and h.type.id == "ValueError" for h in node.handlers)
        and any(
            isinstance(call, ast.Call) and getattr(call.func, "id", None) == ex.name
            for statement in node.body
            for call in ast.walk(statement)
        )
    ]
    assert checks, f"{ex.name}_visible never checks that an invalid input raises ValueError"


# -- hints ---------------------------------------------------------------------------------------------


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def model_fragments(ex) -> set[str]:
    """Statements and sub-expressions (15+ characters, whitespace removed) of an exercise's model answer."""
    nb = nbformat.read(source_notebook(CHAPTER_OF[ex.name]), as_version=4)
    cell = next(c for c in nb.cells if grade_id(c) == ex.name)
    body = re.search(r"### BEGIN SOLUTION(.*?)### END SOLUTION", cell.source, flags=re.S)[1]
    tree = ast.parse("\n".join(line[4:] for line in body.splitlines()))
    fragments = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Tuple) and all(isinstance(e, ast.Name | ast.Constant) for e in node.elts):
            continue  # a tuple of names, such as (top, bottom, left, right), is vocabulary, not an answer
        if isinstance(node, ast.expr | ast.Assign | ast.AugAssign) and not isinstance(node, ast.JoinedStr):
            fragments.add(squeeze(ast.unparse(node)))
    return {f for f in fragments if len(f) >= 15 and "ValueError" not in f}


def hints(ex) -> list[str]:
    """The notebook's hint admonitions for the exercise, and the registry's hints for its known mistakes."""
    _, text = stub(ex)
    found = re.findall(r"```\{admonition\} Hint\n(.*?)```", text, flags=re.S)
    return found + [m.hint for m in ex.mistakes]


def test_the_hint_check_catches_a_hint_that_gives_the_answer():
    ex = exercises.exercise("conv1x1")
    assert "out[e,:,i,j]=weight@x[e,:,i,j]" in model_fragments(ex)


@pytest.mark.parametrize("ex", EXERCISES, ids=IDS)
def test_hints_do_not_give_the_model_answer_away(ex):
    fragments = model_fragments(ex)
    for hint in hints(ex):
        code = [squeeze(span) for span in re.findall(r"`([^`]+)`", hint)] or [squeeze(hint)]
        given = sorted({f for f in fragments for span in code if f in span or span == f})
        assert not given, f"a hint of {ex.name} gives model-answer code away: {given}\n{hint}"


# Every chapter's visible tests follow the rule below; earlier_layers_visible (chapter 08's check of the
# layers pasted from chapters 04 and 07) is a visible test too.
VISIBLE_CHAPTERS = list(exercises.CHAPTERS)


@pytest.mark.parametrize("chapter_id", VISIBLE_CHAPTERS)
def test_every_visible_failure_shows_what_was_expected_and_what_came_back(chapter_id):
    """Each assert of a visible test cell states what was expected (the value, in its words) and shows
    what the student's function returned (a message that interpolates it: "..., got {...}")."""
    nb = nbformat.read(source_notebook(chapter_id), as_version=4)
    silent = []
    for cell in nb.cells:
        if not cell.metadata.get("nbgrader", {}).get("grade_id", "").endswith("_visible"):
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Assert):
                message = ast.unparse(node.msg) if node.msg else ""
                if not ("got" in message and "{" in message):
                    silent.append(ast.unparse(node)[:120])
    assert not silent, "\n".join(silent)
