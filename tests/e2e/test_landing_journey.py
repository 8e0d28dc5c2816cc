"""Signing in through the login form lands each role on its work page."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from mpp_portal.accounts.models import User
from tests.e2e.steps import log_in, shot
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = "var/screenshots/landing"


def _sign_in(page, live_server, username):
    page.goto(live_server.url + "/")
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():  # a phone: the header's "Masuk" is in the menu
        page.goto(live_server.url + reverse("accounts:login"))
    else:
        page.get_by_role("banner").get_by_role("link", name="Masuk").click()
    log_in(page, username)


def test_counter_staff_lands_on_the_console(live_server, device, hall, staff_a):
    page = device(1366, 900)
    _sign_in(page, live_server, staff_a.username)
    expect(page).to_have_url(live_server.url + reverse("services:console"))


def test_kiosk_lands_on_the_kiosk(live_server, device, hall, kiosk_user):
    page = device(1080, 1920)
    _sign_in(page, live_server, kiosk_user.username)
    expect(page).to_have_url(live_server.url + reverse("services:kiosk", args=[hall.slug]))


@pytest.mark.parametrize("viewport", [(390, 844), (1280, 900)], ids=["phone", "desktop"])
def test_signatory_lands_on_the_berita_acara_waiting_for_approval(
    live_server, device, hall, viewport
):
    UserFactory(username="bupati.e2e", role=User.Role.SIGNATORY, hall=hall, first_name="Bupati")
    page = device(*viewport)
    _sign_in(page, live_server, "bupati.e2e")
    expect(page).to_have_url(live_server.url + reverse("forums:signoff_list"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Persetujuan berita acara")
    shot(page, SHOTS, f"signatory-{viewport[0]}")


@pytest.mark.parametrize("viewport", [(390, 844), (1280, 900)], ids=["phone", "desktop"])
def test_api_account_reads_what_it_is_for(live_server, device, hall, agency_a, viewport):
    UserFactory(username="api.e2e", role=User.Role.API_CLIENT, agency=agency_a)
    page = device(*viewport)
    _sign_in(page, live_server, "api.e2e")
    expect(page).to_have_url(re.compile(r"/akun/beranda/$"))
    expect(page.locator("[data-coming]")).to_contain_text("Segera hadir")
    expect(page.get_by_role("heading", level=1)).to_have_text("Akun akses API")
    shot(page, SHOTS, f"coming-{viewport[0]}")
