"""Steps every browser journey takes: sign in on the login page, keep a screenshot."""

import re
import time
from pathlib import Path

from playwright.sync_api import expect

from tests.conftest import PASSWORD


def log_in(page, username):
    """Fill the login page the browser was sent to and submit it."""
    expect(page).to_have_url(re.compile(r"/akun/masuk/"))
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Masuk").click()


def shot(page, folder, name):
    """Save a full-page screenshot to look at after the run (folder/name.png)."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def wait_until(page, expression, timeout=10_000):
    """Poll a JavaScript expression until it is truthy.

    Playwright's wait_for_function evaluates its string with eval(), which the
    portal's Content-Security-Policy (script-src 'self') refuses; evaluate()
    runs through the DevTools protocol and is not subject to it.
    """
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} ms: {expression}")
        page.wait_for_timeout(100)
