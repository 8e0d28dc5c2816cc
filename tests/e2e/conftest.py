"""Browser fixtures: Debian's Chromium driven by Playwright, never a downloaded browser."""

import contextlib
import datetime
import functools
import os
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import expect

from mpp_portal.workdays import JAKARTA
from services.models import BookingSchedule
from tests.factories import CounterFactory, ServiceFactory

# Playwright's sync API runs an asyncio loop in this thread; Django would then
# refuse the test's own database calls (factories, assertions) as "async unsafe".
# They are plain synchronous calls, so the check does not apply here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

# expect() waits 5 s by default, whatever the context's timeout: on a busy
# 2-core machine an offline save into IndexedDB or a worker-made PDF took
# longer and failed journeys that were right. Same patience as the context.
expect.set_options(timeout=15_000)


def pytest_collection_modifyitems(items):
    """Give each browser journey one more try after a failure.

    On this 2-core machine a journey shares the CPUs with a second test
    worker, a live server and Chromium; a page that comes a moment too late
    for one wait is not a defect of the portal. A journey that fails twice
    fails the run, and a journey that passed only on its second try is
    reported ("R", "1 rerun") so it is looked at, not forgotten. Only the
    browser journeys get this; every other test has one try.
    """
    for item in items:
        if item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.flaky(reruns=1))


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
def playwright():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            # .ci/run installs it: in CI a missing browser is a failure, not a skip.
            pytest.fail(message)
        pytest.skip(message + "; e2e tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright, _measurements_after_load():
        yield playwright


@contextlib.contextmanager
def _measurements_after_load():
    """Make every measurement wait for the document's load event first.

    A test reads sizes, colours and script state through ``Page.evaluate``
    and ``Locator.bounding_box``. After a click that navigates, the new
    page's text is there (so expect() passes) before its stylesheets and
    scripts are, and a measurement taken then sees a page no person sees
    (CI once read an unstyled 19 px ticket number, once a badge white on
    white). On a loaded page the wait returns at once. Every page of the
    suite gets this, whichever fixture opened it; undone after the session.
    """
    from playwright.sync_api import Locator, Page

    def after_load(method):
        @functools.wraps(method)
        def measured(self, *args, **kwargs):
            (self if isinstance(self, Page) else self.page).wait_for_load_state("load")
            return method(self, *args, **kwargs)

        return measured

    measurements = ((Page, "evaluate"), (Locator, "bounding_box"))
    saved = [(cls, name, getattr(cls, name)) for cls, name in measurements]
    for cls, name, method in saved:
        setattr(cls, name, after_load(method))
    try:
        yield
    finally:
        for cls, name, method in saved:
            setattr(cls, name, method)


def launch_chromium(playwright, *extra_args):
    """Start Debian's Chromium headless with the suite's flags plus ``extra_args``."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, *extra_args], headless=True
    )


@pytest.fixture(scope="session")
def browser(playwright):
    browser = launch_chromium(playwright)
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


# Tuesday 1 December 2026, 09:00 WIB: tickets are issued only in office hours.
# The live server runs in a thread of this process, so it sees the same clock.
OPEN_MOMENT = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=JAKARTA)


@pytest.fixture
def office_hours():
    with time_machine.travel(OPEN_MOMENT, tick=True):
        yield


@pytest.fixture
def device(browser):
    """Return a function opening a new browser context, closed after the test."""
    contexts = []

    def _open(width, height, **options):
        context = browser.new_context(
            locale="id-ID",
            timezone_id="Asia/Jakarta",
            viewport={"width": width, "height": height},
            **options,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture
def bookable_ktp(office_hours, agency_a):
    """What the agency admin set up beforehand: Perekaman KTP-el, bookable
    Mon-Fri 08-12 in 30-minute slots of two seats, and its counter."""
    service = ServiceFactory(agency=agency_a, name="Perekaman KTP-el", slug="ktp-el", code="A")
    BookingSchedule.objects.create(
        service=service,
        weekdays=[0, 1, 2, 3, 4],
        opens=datetime.time(8),
        closes=datetime.time(12),
        slot_minutes=30,
        seats_per_slot=2,
        daily_quota=10,
        days_ahead=7,
        same_day_cutoff=datetime.time(11),
    )
    CounterFactory(agency=agency_a, number=2, services=[service])
    return service
