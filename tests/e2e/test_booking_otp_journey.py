"""A booking confirmed with the one-time code sent to the phone (BOOKING_OTP).

The SMS/WhatsApp gateway is the recording one of tests/worker.py, configured
in settings for this test, so BOOKING_OTP's default ("auto") asks for a code;
the delivery task runs at once (eager), and the citizen types the code the
gateway received.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from services.models import Booking, BookingConfirmation
from tests.e2e.steps import shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/journey"
NIK = "1707014101900001"


def _code_sent_to(gateway, phone):
    for request in reversed(gateway.requests):
        body = request["json"] or {}
        if body.get("to") == phone and "Kode konfirmasi" in body.get("message", ""):
            return re.search(r"\b(\d{6})\b", body["message"]).group(1)
    raise AssertionError(f"no code sent to {phone}: {gateway.requests}")


def test_a_booking_waits_for_the_code_sent_to_the_phone(
    live_server, device, bookable_ktp, sms_gateway, celery_eager
):
    phone = device(390, 844, is_mobile=True, has_touch=True)
    phone.goto(live_server.url + reverse("services:booking_service", args=[bookable_ktp.pk]))
    phone.locator('a.booking-day[href="?tanggal=2026-12-01"]').click()
    phone.locator("#booking-slots").get_by_role("link", name=re.compile("09.30")).click()
    phone.get_by_label("Nama lengkap").fill("Siti Aminah")
    phone.get_by_label("NIK").fill(NIK)
    phone.get_by_label("Nomor WhatsApp").fill("081234567890")
    phone.get_by_role("button", name=re.compile("Lanjut: periksa data")).click()
    phone.get_by_role("button", name=re.compile("Konfirmasi pemesanan")).click()

    # Nothing is booked yet: the page asks for the code sent to the phone.
    expect(phone.get_by_role("heading", name="Masukkan kode konfirmasi")).to_be_visible()
    expect(phone.get_by_text("0812")).to_be_visible()
    assert not Booking.objects.exists()
    assert BookingConfirmation.objects.count() == 1
    code = _code_sent_to(sms_gateway, "+6281234567890")
    shot(phone, SHOTS, "otp01-phone-code-asked")

    # A mistyped code says how many tries are left.
    wrong = "000000" if code != "000000" else "111111"
    phone.get_by_label("Kode konfirmasi").fill(wrong)
    phone.get_by_role("button", name=re.compile("Konfirmasi kode")).click()
    expect(phone.get_by_text("Sisa percobaan: 4")).to_be_visible()

    phone.get_by_label("Kode konfirmasi").fill(code)
    phone.get_by_role("button", name=re.compile("Konfirmasi kode")).click()
    expect(phone.get_by_role("heading", name="Pemesanan berhasil")).to_be_visible()
    booking = Booking.objects.get()
    expect(phone.locator(".booking-code")).to_have_text(booking.code)
    shot(phone, SHOTS, "otp02-phone-booked")
    assert booking.status == Booking.Status.BOOKED
    assert not BookingConfirmation.objects.exists()
