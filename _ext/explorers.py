"""The ``{explorer}`` directive: an interactive figure of the course on a chapter page.

In a chapter, an explorer is a markdown cell of its own::

    ```{explorer} output-size
    :params: n=7,k=3,p=1,s=2
    ```

It becomes ``<div class="explorer full-width" data-explorer="output-size" data-params="n=7,k=3,p=1,s=2">``
(``full-width``: the theme widens it into the right margin on wide screens and hides the page's table of
contents while it is in view, so that its panels can sit side by side) holding a short text for readers
without JavaScript (the chapter's figures stay as they are), and the page loads
``_static/explorers/<name>.js`` after the component ``explorer.js`` (classic scripts: a browser refuses
ES modules on a page opened from disk), once, with the stylesheets ``palette.css`` (the course's colours)
and ``explorers.css``, and the digits of chapter 08 (``digits.js``, written by the book's build, for the
explorers' digit mode) where the build wrote them. Only pages with an
explorer load them: Jupyter Book links every script and stylesheet in ``_static/`` from every
page, so this extension takes the explorers' files out of that list. A name without its module is a
build error.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective

FOLDER = "explorers"  # in _static
DIGITS = "digits.js"  # chapter 08's digits, which autograder.publishing.book writes into the staged book
NAME = re.compile(r"^[a-z][a-z0-9-]*$")
PARAMS = re.compile(r"^([A-Za-z_]\w*=[\w.+-]+)(,[A-Za-z_]\w*=[\w.+-]+)*$")
FALLBACK = (
    "An interactive explorer of this section appears here when JavaScript is on; "
    "the figures and text of the page show the same ideas."
)


class explorer_node(nodes.General, nodes.Element):
    pass


class Explorer(SphinxDirective):
    required_arguments = 1
    option_spec = {"params": directives.unchanged}

    def run(self):
        name = self.arguments[0]
        params = self.options.get("params", "").strip()
        if not NAME.match(name):
            raise self.error(f"explorer name {name!r}: lowercase letters, digits and hyphens only")
        module = Path(self.env.srcdir) / "_static" / FOLDER / f"{name}.js"
        if not module.is_file():
            raise self.error(f"no explorer {name!r}: _static/{FOLDER}/{name}.js does not exist")
        if params and not PARAMS.match(params):
            raise self.error(f"explorer {name!r}: :params: must read key=value,key=value, got {params!r}")
        self.env.note_dependency(str(module))
        return [explorer_node(name=name, params=params)]


def visit_explorer(self, node):
    self.body.append(
        f'<div class="explorer full-width" data-explorer="{html.escape(node["name"])}" '
        f'data-params="{html.escape(node["params"])}"><p class="explorer-fallback">{FALLBACK}</p>'
    )


def depart_explorer(self, node):
    self.body.append("</div>\n")


def _ours(entry) -> bool:
    filename = entry[0] if isinstance(entry, tuple | list) else entry
    return str(filename).startswith(f"{FOLDER}/")


def only_where_used(app, config):
    """Take the explorers' scripts and stylesheet out of the assets of every page."""
    config.html_js_files = [f for f in config.html_js_files if not _ours(f)]
    config.html_css_files = [f for f in config.html_css_files if not _ours(f)]


def add_modules(app, pagename, templatename, context, doctree):
    if doctree is None:
        return
    names = sorted({node["name"] for node in doctree.findall(explorer_node)})
    if names:
        app.add_css_file(f"{FOLDER}/palette.css", priority=600)
        app.add_css_file(f"{FOLDER}/explorers.css", priority=601)
        # Classic scripts run in order (defer keeps it): the data and the component first. Not ES modules,
        # which a browser refuses on a page opened from disk (file://).
        if (Path(app.srcdir) / "_static" / FOLDER / DIGITS).is_file():
            app.add_js_file(f"{FOLDER}/{DIGITS}", defer="defer", priority=600)
        app.add_js_file(f"{FOLDER}/explorer.js", defer="defer", priority=600)
    for name in names:
        app.add_js_file(f"{FOLDER}/{name}.js", defer="defer", priority=601)


def setup(app):
    app.add_node(explorer_node, html=(visit_explorer, depart_explorer))
    app.add_directive("explorer", Explorer)
    app.connect("config-inited", only_where_used, priority=900)
    app.connect("html-page-context", add_modules)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
