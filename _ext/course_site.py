"""Small fixes to the generated pages, as a local Sphinx extension.

- Every script and stylesheet is included once: sphinx-thebe registers its configuration script again
  when the environment is read twice (sphinxcontrib-bibtex re-reads citing pages), and a second
  ``const THEBE_JS_URL`` declaration is a JavaScript error on every page.
- Animations get their text alternative from the cell that draws them: myst-nb applies a cell's
  ``mystnb.image.alt`` to image outputs only, and an animation is an HTML output (matplotlib's
  ``to_jshtml``) whose frame image and slider have no name.
- Bibliography entries are list items: docutils marks them ``doc-biblioentry``, a role that ARIA 1.2
  deprecates and that is not allowed as a child of the ``list`` around them.
"""

from __future__ import annotations

import html

from docutils import nodes


def _unique(assets):
    seen, kept = set(), []
    for asset in assets:
        # An inline script's filename is None or "" depending on who added it: both mean "no file".
        filename = getattr(asset, "filename", asset) or ""
        attributes = getattr(asset, "attributes", {})
        key = (str(filename), tuple(sorted((k, str(v)) for k, v in attributes.items())))
        if key not in seen:
            seen.add(key)
            kept.append(asset)
    return kept


def dedupe_assets(app, pagename, templatename, context, doctree):
    for name in ("script_files", "css_files"):
        if name in context:
            context[name] = _unique(context[name])


def name_animations(app, doctree):
    """Give each animation's frame the alt text of its cell, and its slider a label."""
    for cell in doctree.findall(nodes.container):
        if cell.get("nb_element") != "cell_code":
            continue
        alt = cell.get("cell_metadata", {}).get("mystnb", {}).get("image", {}).get("alt", "")
        for raw in list(cell.findall(nodes.raw)):
            text = raw.astext()
            if "_anim_img" not in text:
                continue
            text = text.replace('<img id="_anim_img', f'<img alt="{html.escape(alt)}" id="_anim_img')
            text = text.replace('<input id="_anim_slider', '<input aria-label="Frame" id="_anim_slider')
            raw.replace_self(nodes.raw(text, text, format="html", classes=raw.get("classes", [])))


def bibliography_as_list(app, pagename, templatename, context, doctree):
    if "body" in context:
        context["body"] = context["body"].replace('role="doc-biblioentry"', 'role="listitem"')


def setup(app):
    app.connect("html-page-context", dedupe_assets, priority=900)
    app.connect("html-page-context", bibliography_as_list)
    app.connect("doctree-read", name_animations)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
