"""The kiosk on a portrait touch screen: a language switch, an on-screen
keypad for the phone number and the booking code, the number shown large."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from services.models import Ticket
from tests.e2e.steps import log_in, shot
from tests.factories import ServiceFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = "var/screenshots/kiosk-screen"
SILENT_PRINTER = "window.print = () => {};"


def test_take_a_number_with_the_keypad(
    live_server, device, office_hours, hall, agency_a, kiosk_user
):
    ServiceFactory(agency=agency_a, name="Perekaman KTP-el", slug="ktp-el", code="A")
    kiosk = device(1080, 1920, has_touch=True)
    kiosk.add_init_script(SILENT_PRINTER)
    kiosk.goto(live_server.url + reverse("services:kiosk", args=[hall.slug]))
    log_in(kiosk, kiosk_user.username)
    expect(kiosk.get_by_role("heading", name="Pilih instansi tujuan Anda")).to_be_visible()
    # Portrait: the agency cards fill the width in two columns.
    card = kiosk.locator(".kiosk-card").first
    assert card.bounding_box()["width"] > 400
    shot(kiosk, SHOTS, "01-start-portrait")

    kiosk.get_by_role("link", name=re.compile("Disdukcapil")).click()
    kiosk.get_by_role("link", name=re.compile("Perekaman KTP-el")).click()
    keypad = kiosk.get_by_role("group", name="Papan angka")
    for digit in "081234567890":
        keypad.get_by_role("button", name=digit, exact=True).click()
    keypad.get_by_role("button", name="Hapus satu").click()
    keypad.get_by_role("button", name="0", exact=True).click()
    expect(kiosk.locator("input[name=phone]")).to_have_value("081234567890")
    shot(kiosk, SHOTS, "02-keypad")
    kiosk.get_by_role("button", name="Ambil tiket").click()

    big = kiosk.locator("[data-ticket-screen]")
    expect(big.locator(".ticket-screen-code")).to_have_text("A-001")
    assert big.locator(".ticket-screen-code").bounding_box()["height"] > 250
    shot(kiosk, SHOTS, "03-number-large")
    assert Ticket.objects.get().phone == "+6281234567890"  # normalised


def test_kiosk_switches_to_english(live_server, device, hall, agency_a, kiosk_user):
    ServiceFactory(agency=agency_a, code="A")
    kiosk = device(1080, 1920, has_touch=True)
    kiosk.goto(live_server.url + reverse("services:kiosk", args=[hall.slug]))
    log_in(kiosk, kiosk_user.username)
    kiosk.locator(".kiosk-language").get_by_role("button", name="English").click()
    expect(kiosk.locator("html")).to_have_attribute("lang", "en")
    expect(kiosk.get_by_role("heading", level=1)).to_have_text("Take a queue number")
    shot(kiosk, SHOTS, "04-english")


def test_check_in_code_with_the_keypad(live_server, device, hall, kiosk_user):
    kiosk = device(1080, 1920, has_touch=True)
    kiosk.goto(live_server.url + reverse("services:kiosk_check_in", args=[hall.slug]))
    log_in(kiosk, kiosk_user.username)
    keypad = kiosk.get_by_role("group", name="Papan huruf dan angka")
    for key in "K7QM":
        keypad.get_by_role("button", name=key, exact=True).click()
    expect(kiosk.locator("input[name=code]")).to_have_value("K7QM")
    keypad.get_by_role("button", name="Hapus semua").click()
    expect(kiosk.locator("input[name=code]")).to_have_value("")
    # Letters that look like digits are not on it (the code alphabet has none).
    expect(keypad.get_by_role("button", name="O", exact=True)).to_have_count(0)
    shot(kiosk, SHOTS, "05-check-in-keypad")


def test_an_idle_kiosk_returns_to_indonesian(live_server, device, hall, agency_a, kiosk_user):
    ServiceFactory(agency=agency_a, code="A")
    kiosk = device(1080, 1920, has_touch=True)
    kiosk.clock.install()
    kiosk.goto(live_server.url + reverse("services:kiosk", args=[hall.slug]))
    log_in(kiosk, kiosk_user.username)
    kiosk.locator(".kiosk-language").get_by_role("button", name="English").click()
    expect(kiosk.locator("html")).to_have_attribute("lang", "en")
    kiosk.clock.fast_forward("00:31")
    expect(kiosk.locator("html")).to_have_attribute("lang", "id")
    expect(kiosk).to_have_url(live_server.url + reverse("services:kiosk", args=[hall.slug]))
