"""Small fixes to the generated pages, as a local Sphinx extension.

- Every script and stylesheet is included once: sphinx-thebe registers its configuration script again
  when the environment is read twice (sphinxcontrib-bibtex re-reads citing pages), and a second
  ``const THEBE_JS_URL`` declaration is a JavaScript error on every page.
"""

from __future__ import annotations


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


def setup(app):
    app.connect("html-page-context", dedupe_assets, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
