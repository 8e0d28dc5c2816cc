"""A visitor on a Saturday sees the hall closed, when it opens again, and books
online from the home page; the kiosk says the same on its first screen."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import expect

from mpp_portal.workdays import JAKARTA
from services.models import BookingSchedule
from tests.e2e.steps import log_in, shot
from tests.factories import ServiceFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = "var/screenshots/opening"
SATURDAY = datetime.datetime(2026, 12, 5, 10, 0, tzinfo=JAKARTA)
TUESDAY = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=JAKARTA)


@pytest.fixture
def bookable(agency_a):
    service = ServiceFactory(agency=agency_a, name="Perekaman KTP-el", slug="ktp-el", code="A")
    BookingSchedule.objects.create(service=service, weekdays=[0, 1, 2, 3, 4])
    return service


@pytest.mark.parametrize("viewport", [(390, 844), (1280, 900)], ids=["phone", "desktop"])
def test_closed_home_page_offers_online_booking(live_server, device, hall, bookable, viewport):
    page = device(*viewport)
    with time_machine.travel(SATURDAY, tick=True):
        page.goto(live_server.url + "/")
        notice = page.locator("[data-opening]")
        expect(notice).to_contain_text("Tutup (Sabtu), buka lagi Senin 08.00")
        shot(page, SHOTS, f"home-closed-{viewport[0]}")
        notice.get_by_role("link", name="Pesan jadwal online").click()
        expect(page).to_have_url(live_server.url + reverse("services:booking_start"))


def test_open_home_page_says_until_when(live_server, device, hall, bookable):
    page = device(390, 844)
    with time_machine.travel(TUESDAY, tick=True):
        page.goto(live_server.url + "/")
        expect(page.locator("[data-opening]")).to_contain_text("Buka sekarang, tutup 16.00")
        expect(page.locator("[data-opening]").get_by_role("link")).to_have_count(0)
        shot(page, SHOTS, "home-open-390")


def test_kiosk_first_screen_says_closed(live_server, device, hall, kiosk_user, bookable):
    page = device(1080, 1920)
    with time_machine.travel(SATURDAY, tick=True):
        url = reverse("services:kiosk", args=[hall.slug])
        page.goto(live_server.url + reverse("accounts:login") + "?next=" + url)
        log_in(page, kiosk_user.username)
        page.wait_for_url(live_server.url + url)
        notice = page.locator("[data-closed-notice]")
        expect(notice).to_contain_text("Tutup (Sabtu), buka lagi Senin 08.00")
        expect(notice).to_contain_text("/pesan/")
        shot(page, SHOTS, "kiosk-closed-1080")
