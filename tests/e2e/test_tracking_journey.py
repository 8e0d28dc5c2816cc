"""A citizen types the tracking code from a paper ticket on a phone, in Chromium."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from services import queue
from tests.e2e.steps import shot
from tests.factories import ServiceFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_code_typed_in_lower_case_with_a_dash_finds_the_ticket(
    live_server, device, office_hours, agency_a
):
    service = ServiceFactory(agency=agency_a, name="Perekaman KTP-el", slug="ktp-el", code="A")
    ticket = queue.ticket_issue(service=service)
    # As read off the paper: the printed dash kept, the phone in lower case.
    typed = ticket.tracking_code.lower()
    phone = device(390, 844, is_mobile=True, has_touch=True, device_scale_factor=2)

    phone.goto(live_server.url + reverse("services:track_lookup"))
    phone.get_by_label("Kode tiket").fill(typed)
    phone.get_by_role("button", name="Lacak").click()

    expect(phone.get_by_role("heading", name="Status antrean Anda")).to_be_visible()
    expect(phone.get_by_text("A-001").first).to_be_visible()
    expect(phone.locator(".track-state")).to_have_text("Menunggu")
    shot(phone, "/tmp/journey", "t01-phone-tracked-by-typed-code")
