"""The browser that the site tests drive, and what they do with each page.

Debian's chromium when it is installed (``apt-get install chromium``, as ``make test`` does as root);
otherwise the Chromium that Playwright downloads for itself (``python -m playwright install chromium``),
where the network allows it.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update"]  # fmt: skip
INSTALL = "apt-get install -y chromium (as root), or: python -m playwright install chromium"


def launch(playwright):
    """A headless Chromium, or ``None`` if neither Debian's nor Playwright's is installed."""
    from playwright.sync_api import Error

    if CHROMIUM.exists():
        return playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
    try:
        return playwright.chromium.launch(args=FLAGS)
    except Error:
        return None


class Visit:
    """A page opened with every problem recorded: console errors, uncaught exceptions, failed or
    blocked requests (anything not on loopback is blocked: the site must work offline)."""

    def __init__(self, browser, base: str, *, width: int = 1280, height: int = 900):
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.problems: list[str] = []
        host = urlparse(base).netloc

        def route(route):
            if urlparse(route.request.url).netloc == host or route.request.url.startswith("data:"):
                route.continue_()
            else:
                self.problems.append(f"network request to {route.request.url}")
                route.abort()

        self.context.route("**/*", route)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.problems.append(f"uncaught exception: {exc}"))
        self.page.on("requestfailed", self._failed)
        self.page.on("response", self._response)

    def _console(self, message):
        if message.type == "error":
            self.problems.append(f"console error: {message.text}")

    def _failed(self, request):
        # A request cut short because the test moved on to another page (MathJax may still be fetching a
        # font) is not the site's fault; a missing file answers 404 and is recorded by _response.
        if request.failure != "net::ERR_ABORTED":
            self.problems.append(f"failed request: {request.url} ({request.failure})")

    def _response(self, response):
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def open(self, url: str):
        self.page.goto(url, wait_until="load")
        self.page.wait_for_load_state("networkidle")
        return self.page

    def close(self):
        self.context.close()


def site_pages(html: Path) -> list[str]:
    """Every page of the book, relative to the site root."""
    return sorted(
        str(p.relative_to(html))
        for p in html.rglob("*.html")
        if not p.relative_to(html).parts[0].startswith("_")
    )


def scroll_through(page):
    """Scroll to the bottom and back so that every image is requested, then wait for them."""
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_load_state("networkidle")
    page.evaluate("window.scrollTo(0, 0)")


def wait_for_math(page) -> int:
    """Number of formulas MathJax typeset (0 if the page has none); fails on a MathJax error."""
    formulas = page.locator(".math").count()
    if formulas:
        page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise")
        page.evaluate("MathJax.startup.promise")
        page.wait_for_function(f"document.querySelectorAll('mjx-container').length >= {formulas}")
        assert page.locator("mjx-merror").count() == 0, "MathJax reported an error in a formula"
    return formulas
