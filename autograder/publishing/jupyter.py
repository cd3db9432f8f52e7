"""MyST markup, as the book writes it, turned into markdown that Jupyter renders.

The chapters are written for Jupyter Book: admonitions (```` ```{admonition} ```` and ``:::{note}``
fences), roles (``{cite}`key```, ``{ref}`label```, ``{download}`file```), labels (``(name)=``) and
links to the book's other sources (``../03_padding/03_padding.ipynb``, ``../../glossary.md``). Jupyter
shows all of them as raw text (a hint is a code block with ``:class: dropdown``, visible at once). In
the student's notebook each becomes what Jupyter renders: a hint a ``<details>`` box, any other box a
blockquote under its bold title, a citation the reference's authors and year linked to the site's
references page, a cross-reference or a link to another page a link to that page on the published site
(``html.baseurl`` in ``_config.yml``). A downloaded notebook sits alone in its folder, so links go to
the site, where they always work. Math and plain code blocks are kept as they are. Markup this module
does not know stops the release with a :class:`MystError` naming it: raw MyST is never shipped.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import quote

import nbformat
import yaml
from docutils.nodes import make_id

# Sphinx's admonitions, with the title each shows when the directive gives none.
TITLED = {
    "attention": "Attention",
    "caution": "Caution",
    "danger": "Danger",
    "error": "Error",
    "hint": "Hint",
    "important": "Important",
    "note": "Note",
    "seealso": "See also",
    "tip": "Tip",
    "warning": "Warning",
}
BOXES = {"admonition", "dropdown", "margin", "sidebar", "topic", *TITLED}  # title from the argument
CODE = {"code", "code-block", "sourcecode"}
CITE = {"cite", "cite:p", "cite:ps", "cite:t", "cite:ts", "cite:author", "cite:authors", "cite:year"}
CITE |= {"cite:yearpar", "footcite", "footcite:p", "footcite:t"}
PAGES = ("intro.md", "glossary.md", "references.md", "accessibility.md")  # the book's pages beside chapters

FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,}|:{3,})(?P<info>.*)$")
DIRECTIVE = re.compile(r"^\{(?P<name>[\w:.+-]+)\}\s*(?P<argument>.*)$")
LABEL = re.compile(r"^[ \t]*\((?P<name>[^()\s]+)\)=[ \t]*$")
OPTION = re.compile(r"^[ \t]*:(?P<name>[\w-]+):(?:[ \t]+(?P<value>.*))?$")
HEADING = re.compile(r"^#{1,6}[ \t]+(?P<title>.+?)[ \t#]*$")
INLINE = re.compile(
    r"(?P<role>\{(?P<name>[A-Za-z][\w:.+-]*)\}(?P<ticks>`+)(?P<body>.+?)(?P=ticks))"
    r"|(?P<code>(?P<codeticks>`+).+?(?P=codeticks))"
    r"|(?P<link>\]\((?P<target><[^<>\n]*>|[^)\s]+)(?P<rest>[ \t]+\"[^\"\n]*\")?\))",
    re.S,
)
LINK_DEFINITION = re.compile(r"^(?P<head>[ \t]{0,3}\[[^\]]+\]:[ \t]*)(?P<target>\S+)(?P<rest>.*)$")
# A link, in HTML, to a setting of an explorer on this page (``<a href="#explore-name=k=v">``).
EXPLORER_HREF = re.compile(r'href="#(explore-[^"]*)"')
ROLE_LEFT = re.compile(r"\{[A-Za-z][\w:.+-]*\}`")


def term_id(term: str) -> str:
    """The anchor Sphinx gives a glossary term on its page (case kept: ``term-Average-pooling``)."""
    from sphinx.util.nodes import _make_id  # what Sphinx's glossary calls for the id

    return _make_id(f"term-{term}")


class MystError(ValueError):
    """Markup the conversion does not know (or a reference it cannot resolve)."""


@dataclass(frozen=True)
class Site:
    """What links into the published site need: its address, the labels of its pages and the works on its
    references page."""

    baseurl: str  # ends with "/"
    labels: dict[str, tuple[str, str]] = field(default_factory=dict)  # label -> (page, section title)
    references: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (authors, year)
    terms: frozenset[str] = frozenset()  # the glossary's terms

    def page(self, page: str, anchor: str = "") -> str:
        """The address of ``page`` (a source path without suffix, e.g. ``chapters/01_x/01_x``)."""
        return f"{self.baseurl}{page}.html" + (f"#{anchor}" if anchor else "")


def baseurl(course: Path) -> str:
    """The published site's address, ``html.baseurl`` in ``_config.yml`` (ending with a slash)."""
    config = yaml.safe_load((course / "_config.yml").read_text())
    url = (config.get("html") or {}).get("baseurl")
    if not url:
        raise MystError("_config.yml has no html.baseurl: the released notebooks link to the published site")
    return url if url.endswith("/") else url + "/"


def short_authors(names: list[str]) -> str:
    """``A``, ``A and B``, or ``A et al.``: how an author-year citation names the authors."""
    if len(names) > 2:
        return f"{names[0]} et al."
    return " and ".join(names)


def read_references(bib: Path) -> dict[str, tuple[str, str]]:
    """key -> (the authors' last names as cited, the year) of every entry in a BibTeX file."""
    from pybtex.database import parse_file
    from pybtex.richtext import Text

    references = {}
    for key, entry in parse_file(str(bib), bib_format="bibtex").entries.items():
        people = entry.persons.get("author") or entry.persons.get("editor") or []
        names = [Text.from_latex(" ".join(p.prelast_names + p.last_names)).render_as("text") for p in people]
        who = (
            short_authors(names)
            if names
            else Text.from_latex(entry.fields.get("title", key)).render_as("text")
        )
        references[key] = (who, entry.fields.get("year", "n.d."))
    return references


def _markdown_sources(course: Path):
    """(page, markdown text) of every page of the book: the chapters' markdown cells and the .md pages."""
    for path in sorted((course / "chapters").glob("*/*.ipynb")):
        page = str(path.relative_to(course).with_suffix(""))
        nb = nbformat.read(path, as_version=4)
        yield page, "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for name in PAGES:
        if (course / name).exists():
            yield name.removesuffix(".md"), (course / name).read_text()


def read_site(course: Path) -> Site:
    """The site of the course in ``course``: labels ``(name)=`` (and directives' ``:name:``) of its pages,
    the works of ``references.bib`` and the terms of its glossary."""
    labels, terms = {}, set()
    for page, text in _markdown_sources(course):
        lines = text.splitlines()
        for i, line in enumerate(lines):
            label = LABEL.match(line)
            option = OPTION.match(line)
            if label:
                following = next((t for t in lines[i + 1 :] if t.strip()), "")
                heading = HEADING.match(following)
                labels[label["name"]] = (page, heading["title"] if heading else "")
            elif option and option["name"] == "name" and option["value"]:
                labels[option["value"].strip()] = (page, "")
        if page == "glossary":
            inside = False
            for line in lines:
                fence = FENCE.match(line)
                if fence and "{glossary}" in fence["info"]:
                    inside = True
                elif fence and inside:
                    inside = False
                elif inside and line.strip() and not line[0].isspace():
                    terms.add(line.strip())
    bib = course / "references.bib"
    references = read_references(bib) if bib.exists() else {}
    return Site(baseurl(course), labels, references, frozenset(terms))


# ------------------------------------------------------------------------------------------------------
# Blocks: fences, labels and the text between them


def _closing(lines: list[str], start: int, fence: str) -> int:
    """Index of the line that closes a fence opened with ``fence`` (the end of the text if none does)."""
    close = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
    return next((i for i in range(start, len(lines)) if close.match(lines[i])), len(lines))


def _options(body: list[str]) -> tuple[dict[str, str], list[str]]:
    """A directive's options (``:name: value`` lines or a ``---`` YAML block first) and the rest."""
    options = {}
    if body and body[0].strip() == "---":
        end = next((i for i in range(1, len(body)) if body[i].strip() == "---"), None)
        if end is not None:
            options = {
                str(k): "" if v is None else str(v)
                for k, v in (yaml.safe_load("\n".join(body[1:end])) or {}).items()
            }
            body = body[end + 1 :]
    else:
        while body and (option := OPTION.match(body[0])):
            options[option["name"]] = (option["value"] or "").strip()
            body = body[1:]
    while body and not body[0].strip():
        body = body[1:]
    while body and not body[-1].strip():
        body = body[:-1]
    return options, body


def _dedent(lines: list[str], indent: str) -> list[str]:
    return [line[len(indent) :] if line.startswith(indent) else line.lstrip() for line in lines]


class _Converter:
    def __init__(self, site: Site, chapter_id: str):
        self.site, self.chapter_id = site, chapter_id
        self.here = PurePosixPath("chapters") / chapter_id  # where the chapter's links start from

    def text(self, markdown: str) -> str:
        return "\n".join(self.lines(markdown.split("\n")))

    def lines(self, lines: list[str]) -> list[str]:
        out, prose, i = [], [], 0

        def flush():
            if prose:
                out.extend(self.inline("\n".join(prose)).split("\n"))
                prose.clear()

        while i < len(lines):
            line = lines[i]
            fence = FENCE.match(line)
            if LABEL.match(line):
                i += 1  # the site's anchor: links from here go to the site, where it is
                continue
            if not fence or (fence["fence"][0] == ":" and not fence["info"].strip().startswith("{")):
                prose.append(line)
                i += 1
                continue
            flush()
            end = _closing(lines, i + 1, fence["fence"])
            info = fence["info"].strip()
            directive = DIRECTIVE.match(info) if info.startswith("{") else None
            if directive is None:  # a plain code block: kept as it is, with what it shows
                out.extend(lines[i : end + 1])
            else:
                indent = fence["indent"]
                body = _dedent(lines[i + 1 : end], indent)
                converted = self.directive(
                    directive["name"], directive["argument"].strip(), body, fence["fence"]
                )
                out.extend(indent + t if t else t for t in converted)
            i = end + 1
        flush()
        return out

    def directive(self, name: str, argument: str, body: list[str], fence: str) -> list[str]:
        options, body = _options(body)
        if name in BOXES:
            if name in TITLED:
                title, body = TITLED[name], ([argument, *body] if argument else body)
            else:
                title = argument or ("Details" if name == "dropdown" else "")
                if not title:
                    raise MystError(f"```{{{name}}}``` has no title")
            inner = self.lines(body)
            classes = options.get("class", "").split()
            if name == "dropdown" or "dropdown" in classes:
                opened = " open" if "open" in options else ""
                # JupyterLab renders markdown (and math) inside <details> after a blank line only.
                return [
                    f"<details{opened}>",
                    f"<summary>{self.title_html(title)}</summary>",
                    "",
                    *inner,
                    "",
                    "</details>",
                ]
            return [f"> **{self.inline(title)}**", ">", *[f"> {t}" if t.strip() else ">" for t in inner]]
        if name == "math":
            return ["$$", *body, "$$"]
        if name in CODE:
            return [fence[0] * max(3, len(fence)) + argument, *body, fence[0] * max(3, len(fence))]
        if name == "explorer":
            if not argument:
                raise MystError("```{explorer}``` names no explorer")
            params = re.sub(r"\s+", "", options.get("params", ""))
            anchor = f"explore-{argument}" + (f"={params}" if params else "")
            url = self.explorer_page(anchor)
            return [f"**Explore it:** [the {argument} explorer on the course site]({url})"]
        raise MystError(f"unknown directive ```{{{name}}}``` (Jupyter would show it as raw text)")

    def title_html(self, title: str) -> str:
        """A title in HTML (a <summary> is HTML: markdown in it is not rendered)."""
        text = self.inline(title)
        parts = re.split(r"(`[^`]+`|\[[^\]]*\]\([^)]*\)|\*\*[^*]+\*\*)", text)
        out = []
        for part in parts:
            if part.startswith("`") and part.endswith("`") and len(part) > 1:
                out.append(f"<code>{html.escape(part[1:-1])}</code>")
            elif link := re.fullmatch(r"\[([^\]]*)\]\(([^)]*)\)", part):
                out.append(f'<a href="{html.escape(link[2])}">{html.escape(link[1])}</a>')
            elif part.startswith("**") and part.endswith("**") and len(part) > 4:
                out.append(f"<strong>{html.escape(part[2:-2])}</strong>")
            else:
                out.append(html.escape(part, quote=False))
        return "".join(out)

    # --------------------------------------------------------------------------------------------------
    # Inline: roles and links (code spans are kept as they are)

    def inline(self, text: str) -> str:
        def one(match: re.Match) -> str:
            if match["role"]:
                return self.role(match["name"], match["body"], match["role"])
            if match["link"]:
                target = match["target"]
                bracketed = target.startswith("<")
                new = self.link(target[1:-1] if bracketed else target)
                return f"]({f'<{new}>' if bracketed else new}{match['rest'] or ''})"
            return match[0]

        text = EXPLORER_HREF.sub(lambda m: f'href="{self.explorer_page(m[1])}"', text)
        lines = INLINE.sub(one, text).split("\n")
        for i, line in enumerate(lines):
            if definition := LINK_DEFINITION.match(line):
                lines[i] = definition["head"] + self.link(definition["target"]) + definition["rest"]
        return "\n".join(lines)

    def explorer_page(self, anchor: str) -> str:
        """An explorer's setting (``explore-<name>=...``) on this chapter's page of the site (a notebook
        has no explorer to set)."""
        return self.site.page(f"{self.here}/{self.chapter_id}", quote(anchor, safe="=,-_.~:;"))

    def link(self, target: str) -> str:
        """A link to another source of the book becomes a link to its page on the site."""
        if target.startswith("#explore-"):
            return self.explorer_page(target[1:])
        if re.match(r"^[a-z][\w+.-]*:|^#|^/", target):
            return target  # an address, or an anchor in this notebook
        path, _, anchor = target.partition("#")
        if not path.endswith((".ipynb", ".md")):
            return target  # a data file beside the notebook
        page = (self.here / path).with_suffix("")
        parts = []
        for part in page.parts:
            if part == "..":
                if not parts:
                    raise MystError(f"the link ({target}) leaves the book")
                parts.pop()
            elif part != ".":
                parts.append(part)
        return self.site.page("/".join(parts), anchor)

    def role(self, name: str, body: str, markup: str) -> str:
        text, target = body, body
        if explicit := re.fullmatch(r"(?s)(.*?)\s*<([^<>]+)>", body):
            text, target = explicit[1], explicit[2]
        if name in CITE:
            return self.cite(name, body)
        if name == "ref":
            if target not in self.site.labels:
                raise MystError(f"{markup}: no page of the book has the label ({target})=")
            page, title = self.site.labels[target]
            if not explicit and not title:
                raise MystError(f"{markup}: give the link's text (`{{ref}}`text <{target}>`)")
            return f"[{text if explicit else title}]({self.site.page(page, make_id(target))})"
        if name == "doc":
            if not explicit:
                raise MystError(f"{markup}: give the link's text (`{{doc}}`text <{target}>`)")
            page = target.lstrip("/") if target.startswith("/") else None
            url = self.site.page(page) if page else self.link(target + ".md")
            return f"[{text}]({url})"
        if name == "download":
            if "/" in target:
                raise MystError(f"{markup}: only files beside the notebook are released with it")
            return f"[{text}]({target})"
        if name == "term":
            if target not in self.site.terms:
                raise MystError(f"{markup}: the glossary has no term {target!r}")
            return f"[{text}]({self.site.page('glossary', term_id(target))})"
        if name == "math":
            return f"${body}$"
        if name in ("sub", "sup", "kbd"):
            return f"<{name}>{html.escape(body)}</{name}>"
        if name == "abbr":
            abbr = re.fullmatch(r"(?s)(.*?)\s*\(([^()]*)\)", body)
            if not abbr:
                return html.escape(body)
            return f'<abbr title="{html.escape(abbr[2])}">{html.escape(abbr[1])}</abbr>'
        raise MystError(f"unknown role {markup} (Jupyter would show it as raw text)")

    def cite(self, name: str, body: str) -> str:
        url = self.site.page("references")
        works = []
        for item in filter(None, (k.strip() for k in body.split(","))):
            parts = re.fullmatch(r"(?:\{([^{}]*)\})?([^{}\s]+)(?:\{([^{}]*)\})?", item)
            if not parts or parts[2] not in self.site.references:
                raise MystError(f"{{{name}}}`{body}`: references.bib has no entry {item!r}")
            before, key, after = parts[1], parts[2], parts[3]
            who, year = self.site.references[key]
            kind = name.split(":")[-1] if ":" in name else "p"
            shown = {
                "t": f"{who} ({year})",
                "ts": f"{who} ({year})",
                "author": who,
                "authors": who,
                "year": year,
                "yearpar": f"({year})",
            }.get(kind, f"{who}, {year}")
            link = f"[{shown}]({url})"
            works.append(" ".join(filter(None, (before, link, after))))
        if not works:
            raise MystError(f"{{{name}}}`{body}` cites nothing")
        if name.split(":")[-1] in ("p", "ps", "cite", "footcite"):
            return f"({'; '.join(works)})"
        return ", ".join(works)


def to_jupyter(markdown: str, site: Site, chapter_id: str) -> str:
    """``markdown`` (a markdown cell of chapter ``chapter_id``) with its MyST markup turned into markdown
    that Jupyter renders; :class:`MystError` for markup this does not know."""
    return _Converter(site, chapter_id).text(markdown)


def leftover(markdown: str) -> list[str]:
    """The MyST markup in ``markdown``, outside code blocks and code spans: roles, directives (and what
    is inside them), options of a directive and labels (what a released notebook must not show)."""
    found, lines, i = [], markdown.split("\n"), 0
    prose, closes = [], set()
    while i < len(lines):
        fence = FENCE.match(lines[i])
        if i in closes:
            pass  # the end of a directive
        elif fence and fence["info"].strip().startswith("{"):
            found.append(lines[i].strip())  # a directive: its body is looked at too
            closes.add(_closing(lines, i + 1, fence["fence"]))
        elif fence and fence["fence"][0] != ":":
            i = _closing(lines, i + 1, fence["fence"]) + 1  # a code block
            continue
        elif LABEL.match(lines[i]) or OPTION.match(lines[i]):
            found.append(lines[i].strip())
        else:
            prose.append(lines[i])
        i += 1
    for match in INLINE.finditer("\n".join(prose)):
        if match["role"]:
            found.append(match["role"])
    return found
