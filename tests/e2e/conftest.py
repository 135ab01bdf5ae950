"""Browser tests: Debian's Chromium, driven by Playwright, against the stack
`make run` starts (`python -m devstack run`, started once for the browser tests).

Screenshots of every step are written to tests/e2e/screenshots/ (README)."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Playwright,
    ViewportSize,
    sync_playwright,
)

from devstack.launch import LaunchedStack, launched

pytestmark = pytest.mark.e2e

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"
ADMIN_PASSWORD = "e2e-admin-pass-123"
TWILIO_AUTH_TOKEN = "e2e-twilio-signing-secret"
BUSINESS_NUMBER = "+447700900000"
PHONE: ViewportSize = {"width": 375, "height": 812}


# Package scope: the stack stops, and Playwright's event loop (which makes
# asyncio.run() refuse to start in this thread) closes, before other tests run.
@pytest.fixture(scope="package")
def stack() -> Iterator[LaunchedStack]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    with (
        tempfile.TemporaryDirectory(prefix="e2e-stack-") as run_dir,
        launched(
            Path(run_dir),
            extra_env={
                "MILLI_ADMIN_PASSWORD": ADMIN_PASSWORD,
                "TWILIO_AUTH_TOKEN": TWILIO_AUTH_TOKEN,
                "WHATSAPP_BUSINESS_NUMBER": BUSINESS_NUMBER,
            },
        ) as running,
    ):
        yield running


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
    yield instance
    instance.close()


@dataclass
class Console:
    """Console errors and uncaught exceptions of every page a test opened."""

    errors: list[str] = field(default_factory=list)
    # Requests a test makes fail on purpose (e.g. a wrong password's 400).
    expected: list[re.Pattern[str]] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        text = f"{message.text} ({message.location.get('url', '')})"
        if not any(pattern.search(text) for pattern in self.expected):
            self.errors.append(text)


@pytest.fixture
def console() -> Iterator[Console]:
    watched = Console()
    yield watched
    assert watched.errors == [], "console errors on the page"


@dataclass
class Browsing:
    browser: Browser
    base_url: str
    console: Console
    test_name: str
    step: int = 0

    def page(self, viewport: ViewportSize = PHONE, **options: object) -> Page:
        context = self.browser.new_context(
            viewport=viewport,
            base_url=self.base_url,
            locale="en-GB",
            timezone_id="Europe/London",
            **options,  # type: ignore[arg-type]
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.on("console", self.console.on_console)
        page.on("pageerror", lambda error: self.console.errors.append(f"uncaught: {error}"))
        return page

    def shot(self, page: Page, name: str) -> None:
        self.step += 1
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(
            path=SCREENSHOTS / f"{self.test_name}-{self.step:02d}-{name}.png", full_page=True
        )


@pytest.fixture
def browsing(
    browser: Browser, stack: LaunchedStack, console: Console, request: pytest.FixtureRequest
) -> Iterator[Browsing]:
    session = Browsing(browser, stack.url, console, request.node.name.removeprefix("test_"))
    yield session
    for context in browser.contexts:
        context.close()
