"""The course as one PDF (``make pdf``): each page of ``_toc.yml``, in order, printed by Chromium.

The built site (``_build/html``) is served on loopback; Chromium (Debian's, driven by Playwright) opens
each page, waits until MathJax has typeset every formula, and prints it (A4, with backgrounds, through
the site's print stylesheet in ``_static/course.css``). pypdf merges the pages into one file with an
outline entry per page.
"""

from __future__ import annotations

import functools
import http.server
import io
import threading
from contextlib import contextmanager
from pathlib import Path

import yaml

from autograder.publishing import ROOT

CHROMIUM = Path("/usr/bin/chromium")
INSTALL = "apt-get install -y chromium (as root), or: python -m playwright install chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
MATH_TIMEOUT_MS = 60_000


def toc_pages(course: Path) -> list[str]:
    """The pages ``_toc.yml`` lists (paths without suffix), the landing page first."""
    toc = yaml.safe_load((course / "_toc.yml").read_text())
    return [toc["root"], *(c["file"] for part in toc["parts"] for c in part["chapters"])]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def serve(html: Path):
    """``html`` served on 127.0.0.1 (a free port); yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def _launch(playwright):
    from playwright.sync_api import Error

    try:
        if CHROMIUM.exists():
            return playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        return playwright.chromium.launch(args=FLAGS)
    except Error as exc:
        raise SystemExit(f"make pdf needs a Chromium: {INSTALL}\n({exc})") from None


def print_page(page, url: str) -> tuple[bytes, str]:
    """(the page at ``url`` printed to PDF, its title), once MathJax is done."""
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    if page.locator(".math").count():
        page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise")
        page.evaluate("MathJax.startup.promise")
        formulas = page.locator(".math").count()
        page.wait_for_function(
            f"document.querySelectorAll('mjx-container').length >= {formulas}", timeout=MATH_TIMEOUT_MS
        )
    title = page.locator("article h1").first.inner_text().strip().rstrip("#").strip()
    page.emulate_media(media="print")
    pdf = page.pdf(
        format="A4",
        print_background=True,
        margin={"top": "15mm", "bottom": "15mm", "left": "15mm", "right": "15mm"},
    )
    return pdf, title


def main(*, html: str | Path = ROOT / "_build" / "html", output: str | Path | None = None) -> Path:
    """Print every page of the built site ``html`` in ``_toc.yml``'s order into one PDF (default
    ``<html>/../pdf/convolutions-course.pdf``); returns its path."""
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader, PdfWriter

    html = Path(html).resolve()
    course = html.parent.parent if (html.parent.parent / "_toc.yml").exists() else ROOT
    if not (html / "index.html").exists():
        raise SystemExit(f"no site in {html}: run make book first")
    output = Path(output) if output else html.parent / "pdf" / "convolutions-course.pdf"
    writer = PdfWriter()
    with serve(html) as base, sync_playwright() as playwright:
        browser = _launch(playwright)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            # The site is whole without the network (a launch button's script asks for it): loopback only.
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
            for name in toc_pages(course):
                pdf, title = print_page(page, f"{base}/{name}.html")
                first = len(writer.pages)
                writer.append(PdfReader(io.BytesIO(pdf)))
                writer.add_outline_item(title, first)
        finally:
            browser.close()
    output.parent.mkdir(parents=True, exist_ok=True)
    with open(output, "wb") as f:
        writer.write(f)
    return output
