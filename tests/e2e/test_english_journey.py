"""A visitor switches to English in Chromium: the pages, the complaint form's
help texts, the board's header, date and clock all read English."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from mpp_portal.organizations.models import OfficeHours
from tests.e2e.steps import open_menu, shot, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = "var/screenshots/english"


@pytest.mark.parametrize("viewport", [(390, 844), (1280, 900)], ids=["phone", "desktop"])
def test_a_visitor_reads_the_portal_in_english(live_server, device, hall, agency_a, viewport):
    for day in range(5):
        OfficeHours.objects.create(hall=hall, weekday=day)
    page = device(*viewport)
    page.goto(live_server.url + hall.get_absolute_url())
    expect(page.locator("html")).to_have_attribute("lang", "id")
    assert "08.00–16.00" in page.content()

    open_menu(page)  # on the phone the menu holds the switch
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    body = page.locator("body").inner_text()
    assert "Monday" in body and "Senin" not in body
    assert "08:00–16:00" in body
    shot(page, SHOTS, f"hall-{viewport[0]}")

    page.goto(live_server.url + reverse("complaints:new"))
    form = page.locator("main").inner_text()
    assert "at most 150 characters" in form
    assert "Ringkas" not in form and "Ceritakan apa yang terjadi" not in form
    assert "Photos (JPEG, PNG, WebP) or PDF" in form or "JPEG, PNG, WebP" in form
    assert "masing-masing" not in form
    shot(page, SHOTS, f"complaint-form-{viewport[0]}")


def test_the_board_in_english_keeps_its_clock_english(live_server, device, hall):
    page = device(1920, 1080)
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(live_server.url + reverse("services:board", args=[hall.slug]))
    expect(page.locator(".board-kicker")).to_have_text("Public Service Mall")
    # board.js redraws the clock every second: still English after it ran.
    first = page.locator("#board-time").inner_text()
    wait_until(page, f"document.getElementById('board-time').textContent !== {first!r}")
    date = page.locator("#board-date").inner_text()
    day_names = "(Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
    assert re.fullmatch(day_names + r", \d{1,2} [A-Z][a-z]+ \d{4}", date)
    assert re.fullmatch(r"\d\d:\d\d:\d\d", page.locator("#board-time").inner_text())
    shot(page, SHOTS, "board-1920")
