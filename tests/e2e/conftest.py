"""Browser fixtures: Debian's Chromium driven by Playwright, never a downloaded browser."""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an asyncio loop in this thread; Django would then
# refuse the test's own database calls (factories, assertions) as "async unsafe".
# They are plain synchronous calls, so the check does not apply here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); e2e tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    # id-ID: Django's LocaleMiddleware reads Accept-Language, so pin it to get the
    # same first page a visitor with an Indonesian browser gets.
    context = browser.new_context(
        locale="id-ID", viewport={"width": 1280, "height": 900}, timezone_id="Asia/Jakarta"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()
