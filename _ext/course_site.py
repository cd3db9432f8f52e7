"""Small fixes to the generated pages, as a local Sphinx extension.

- Every script and stylesheet is included once: sphinx-thebe registers its configuration script again
  when the environment is read twice (sphinxcontrib-bibtex re-reads citing pages), and a second
  ``const THEBE_JS_URL`` declaration is a JavaScript error on every page.
- Animations get their text alternative from the cell that draws them: myst-nb applies a cell's
  ``mystnb.image.alt`` to image outputs only, and an animation is an HTML output (matplotlib's
  ``to_jshtml``) whose frame image and slider have no name.
- Bibliography entries are list items: docutils marks them ``doc-biblioentry``, a role that ARIA 1.2
  deprecates and that is not allowed as a child of the ``list`` around them.
- Each figure a cell draws links to its full-size image: on a phone a wide figure shrinks to the column,
  and a tap opens it at full size. The link's accessible name is the image's alt text (no other label,
  so a screen reader announces the figure once, as a link).
- ``_static/mathjax-speech.js`` (MathJax's speech rules loaded as scripts, so that formulas render and
  are spoken from disk too) is linked from the pages with formulas only.
"""

from __future__ import annotations

import html
import posixpath

from docutils import nodes
from sphinx.util.osutil import relative_uri

SPEECH_SCRIPT = "mathjax-speech.js"


def _filename(asset) -> str:
    # An inline script's filename is None or "" depending on who added it: both mean "no file".
    return str(getattr(asset, "filename", asset) or "")


def _unique(assets):
    seen, kept = set(), []
    for asset in assets:
        attributes = getattr(asset, "attributes", {})
        key = (_filename(asset), tuple(sorted((k, str(v)) for k, v in attributes.items())))
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


def place_speech_script(app, pagename, templatename, context, doctree):
    """Keep ``_static/mathjax-speech.js`` (which Jupyter Book links from every page) on the pages that
    load MathJax only. It must run after the page's MathJax configuration, which it extends, and before
    MathJax: its priority (800, Jupyter Book's) puts it after the configuration (500), and MathJax's
    script is deferred, so it runs once the whole page has been read."""
    scripts = context.get("script_files")
    if scripts is None:
        return
    if not any(_filename(s).endswith(app.config.mathjax_path) for s in scripts):
        context["script_files"] = [s for s in scripts if not _filename(s).endswith(SPEECH_SCRIPT)]


def link_figures(app, doctree, docname):
    """Wrap each image a cell outputs (not an animation's frame: that is HTML) in a link to its file."""
    if app.builder.format != "html":
        return
    images = relative_uri(app.builder.get_target_uri(docname), app.builder.imagedir)
    for image in list(doctree.findall(nodes.image)):
        output = image.parent
        while output is not None and output.get("nb_element") != "cell_code_output":
            output = output.parent
        if output is None or isinstance(image.parent, nodes.reference):
            continue
        uri = image["uri"]
        if uri not in app.env.images:
            continue  # not a local file (Sphinx would warn about it already)
        link = nodes.reference("", "", internal=True, refuri=posixpath.join(images, app.env.images[uri][1]))
        image.replace_self(link)
        link.append(image)


def bibliography_as_list(app, pagename, templatename, context, doctree):
    if "body" in context:
        context["body"] = context["body"].replace('role="doc-biblioentry"', 'role="listitem"')


def setup(app):
    app.connect("html-page-context", dedupe_assets, priority=900)
    app.connect("html-page-context", bibliography_as_list)
    app.connect("html-page-context", place_speech_script, priority=910)  # after MathJax
    app.connect("doctree-resolved", link_figures)
    app.connect("doctree-read", name_animations)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
