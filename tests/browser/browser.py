"""Headless Chromium for the dashboard tests (docs/testing.md): Debian's `chromium` driven by
Playwright, with the flags that work without network; shared by the tests and by
docs/make_screenshots.py."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}


def chromium_path() -> str | None:
    return shutil.which("chromium")


def missing_reason() -> str:
    """Why the browser tests cannot run here ("" when they can)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    if chromium_path() is None:
        return "no chromium on PATH (apt-get install -y chromium)"
    return ""


@contextmanager
def launched() -> Iterator[Any]:
    """A Playwright Chromium browser, closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def dashboard_url(port: int, page: str = "cluster") -> str:
    return f"http://127.0.0.1:{port}/supvisors/#/{page}"


def open_page(browser: Any, port: int, page: str = "cluster", credentials: Any = None) -> Any:
    """A new page (own context) on an instance's dashboard, its console errors collected."""
    context = browser.new_context(viewport=VIEWPORT, http_credentials=credentials)
    tab = context.new_page()
    tab.errors = []
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    tab.goto(dashboard_url(port, page))
    tab.wait_for_selector("#link-state.live", timeout=15_000)
    return tab
