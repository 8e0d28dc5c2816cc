"""A citizen cancels and reschedules a booking from the manage link, in Chromium.

Django's test client sends no Origin header; a browser does. A page that
told the browser to send no referrer made every post from it arrive with
``Origin: null``, which Django's CSRF check refuses: the booking stayed
booked behind a "form expired" page. These journeys post the manage forms
the way a phone does.
"""

import datetime
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from services.booking import booking_create
from services.models import Booking
from tests.e2e.steps import shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/journey"
NIK = "1707014101900001"
PHONE = "081234567890"
WEDNESDAY = datetime.date(2026, 12, 2)


@pytest.fixture
def booked(bookable_ktp):
    """A booking for Wednesday 09.00 and the secret link its message carried."""
    booking, token = booking_create(
        service=bookable_ktp,
        day=WEDNESDAY,
        slot_start=datetime.time(9),
        name="Siti Aminah",
        nik=NIK,
        phone=PHONE,
    )
    path = reverse("services:booking_manage", args=[booking.code])
    return booking, f"{path}?token={token}"


def _phone(device):
    return device(390, 844, is_mobile=True, has_touch=True, device_scale_factor=2)


def test_a_citizen_cancels_a_booking_in_the_browser(live_server, device, booked):
    booking, link = booked
    phone = _phone(device)
    phone.goto(live_server.url + link)
    # The token left the address bar on the first visit.
    expect(phone).to_have_url(re.compile(r"/pesan/kelola/\w{8}/$"))

    phone.get_by_role("link", name="Batalkan pemesanan").click()
    expect(phone.get_by_role("heading", name="Batalkan pemesanan ini?")).to_be_visible()
    phone.get_by_role("button", name="Ya, batalkan").click()

    expect(phone.get_by_text(f"Pemesanan {booking.code} dibatalkan.")).to_be_visible()
    expect(phone.get_by_text("Formulir kedaluwarsa")).to_have_count(0)
    shot(phone, SHOTS, "m01-phone-cancelled")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED


def test_a_citizen_reschedules_a_booking_in_the_browser(live_server, device, booked):
    booking, link = booked
    phone = _phone(device)
    phone.goto(live_server.url + link)

    phone.get_by_role("link", name="Ubah jadwal").click()
    phone.locator('a.booking-day[href="?ubah=1&tanggal=2026-12-03"]').click()
    phone.get_by_role("button", name=re.compile("10.30")).click()

    expect(phone.get_by_text("Jadwal pemesanan sudah diubah.")).to_be_visible()
    shot(phone, SHOTS, "m02-phone-rescheduled")
    booking.refresh_from_db()
    assert (booking.status, booking.date, booking.slot_start) == (
        Booking.Status.BOOKED,
        datetime.date(2026, 12, 3),
        datetime.time(10, 30),
    )


def test_a_link_without_its_token_asks_for_code_and_phone(live_server, device, booked):
    """The done page's "Kelola pemesanan", opened later on another phone."""
    booking, _link = booked
    phone = _phone(device)
    phone.goto(live_server.url + reverse("services:booking_manage", args=[booking.code]))

    expect(phone.get_by_role("heading", name="Buka pemesanan")).to_be_visible()
    expect(phone.get_by_label("Kode pemesanan")).to_have_value(booking.code)
    phone.get_by_label("Nomor WhatsApp yang dipakai saat memesan").fill("0812-9999-8888")
    phone.get_by_role("button", name="Buka pemesanan").click()
    expect(phone.get_by_text("Kode pemesanan atau nomor HP tidak cocok.")).to_be_visible()

    phone.get_by_label("Nomor WhatsApp yang dipakai saat memesan").fill("0812 3456 7890")
    phone.get_by_role("button", name="Buka pemesanan").click()
    expect(phone.get_by_role("heading", name="Kelola pemesanan")).to_be_visible()
    phone.get_by_role("link", name="Batalkan pemesanan").click()
    phone.get_by_role("button", name="Ya, batalkan").click()
    expect(phone.get_by_text(f"Pemesanan {booking.code} dibatalkan.")).to_be_visible()
    shot(phone, SHOTS, "m03-phone-opened-with-code-and-phone")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED


def test_a_complaint_link_without_its_token_asks_for_the_secret(live_server, device, hall):
    from complaints.models import Complaint
    from complaints.services import complaint_file

    complaint, token = complaint_file(
        hall=hall,
        kind=Complaint.Kind.COMPLAINT,
        title="Antrean KTP-el terlalu lama",
        description="Saya menunggu lebih dari tiga jam tanpa kepastian di loket KTP-el.",
        reporter_name="Siti Aminah",
    )
    phone = _phone(device)
    phone.goto(live_server.url + reverse("complaints:track", args=[complaint.tracking_id]))

    expect(phone.get_by_role("heading", name="Lacak laporan")).to_be_visible()
    expect(phone.get_by_label("Nomor pelacakan")).to_have_value(complaint.tracking_id)
    phone.get_by_label("Kode rahasia atau tautan rahasia").fill(token)
    phone.get_by_role("button", name="Lacak").click()
    expect(phone.get_by_text(complaint.tracking_id).first).to_be_visible()
    expect(phone.get_by_text("Antrean KTP-el terlalu lama").first).to_be_visible()
    shot(phone, SHOTS, "m04-phone-complaint-opened-with-secret")
