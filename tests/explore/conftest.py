"""Fixtures of the explorer's tests: its server on a free local port, and a page in a real
headless browser (the system's Chromium driven by Playwright). Each test is skipped, saying
why, where the extra (Starlette, uvicorn), Playwright or Chromium is missing."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette", reason="the explorer's extra: pip install -e '.[explore]'")
pytest.importorskip("uvicorn", reason="the explorer's extra: pip install -e '.[explore]'")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
#: where the screenshots for docs/explore.md go when DELTAPROP_SCREENSHOTS=1
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "images"


@pytest.fixture(scope="module")
def address() -> Iterator[str]:
    """The address (with its token) of an explorer serving in a thread."""
    from deltaprop.explore.command import background

    url, server, thread = background()
    yield url
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium, the system's."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    if CHROMIUM is None:
        pytest.skip("no chromium on PATH (apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


class Page:
    """A browser page on the explorer, collecting its console errors."""

    def __init__(self, browser: Any, address: str, state: str = "", width: int = 1220) -> None:
        self.address = address
        # The tests' probes (wait_for_function) are strings the page's CSP forbids to run;
        # test_security.py loads the page with its CSP enforced.
        viewport = {"width": width, "height": 900}
        self.context = browser.new_context(viewport=viewport, bypass_csp=True)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(f"{address}#{state}")
        self.wait(  # drawn, or refused with a message (no points drawn yet)
            "(window.exploreUpdates > 0 && App.info() !== null) || "
            "document.querySelector('#status').classList.contains('error')"
        )

    def js(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page."""
        return self.page.evaluate(expression)

    def _console(self, message: Any) -> None:
        """Keep an error logged by the page, with the address it names (a failed load's)."""
        if message.type == "error":
            where = message.location.get("url", "")
            self.errors.append(f"{message.text} ({where})" if where else message.text)

    def wait(self, expression: str, timeout: float = 30_000) -> None:
        """Wait until a JavaScript expression is true. (Given as a function: the page's
        Content-Security-Policy forbids the eval Playwright would wrap an expression in.)"""
        self.page.wait_for_function(f"() => ({expression})", timeout=timeout)

    def get(self, path: str) -> Any:
        """GET ``/api/<run>/path`` from inside the page (with its cookie), as JSON."""
        return self.js(f"fetch('/api/' + App.info().id + '/{path}').then(r => r.json())")

    def get_path(self, path: str) -> Any:
        """GET ``path`` from inside the page, as JSON."""
        return self.js(f"fetch('{path}').then(r => r.json())")

    def wait_state(self, state: str) -> None:
        """Wait until the run is in ``state`` (as the page shows it)."""
        self.wait(f"document.querySelector('#status').dataset.state === '{state}'", 10_000)

    def screenshot(self, name: str, tmp_path: Path) -> None:
        """Save a screenshot; into docs/images too when DELTAPROP_SCREENSHOTS=1."""
        self.page.screenshot(path=str(tmp_path / name), full_page=True)
        if os.environ.get("DELTAPROP_SCREENSHOTS") == "1":
            SCREENSHOTS.mkdir(exist_ok=True)
            self.page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


@pytest.fixture
def page(browser: Any, address: str) -> Iterator[Any]:
    """A factory: ``page(state)`` opens the explorer with ``state`` after '#' (``width``:
    the window's, in CSS pixels)."""
    pages: list[Page] = []

    def open_page(state: str = "", width: int = 1220) -> Page:
        pages.append(Page(browser, address, state, width))
        return pages[-1]

    yield open_page
    for p in pages:
        p.context.close()


@pytest.fixture(scope="module")
def one_page(browser: Any, address: str) -> Iterator[Page]:
    """One page for all the tests of a module, opened once (its console errors collected)."""
    p = Page(browser, address)
    yield p
    p.context.close()
