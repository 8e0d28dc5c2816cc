"""Issue 4's proof: a booking made on a phone, served at the counter, rated.

Four browser contexts stand for four devices: the citizen's phone (390x844),
the kiosk, the counter staff's PC and the hall admin's PC. Only the accounts,
the service with its booking schedule and the counter are made directly;
every step after that is a tap, a click or a keystroke on a page.
"""

import datetime
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from services.models import Booking, SurveyResponse
from tests.e2e.steps import log_in, shot, wait_until
from tests.e2e.test_queue_journey import SILENT_PRINTER

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/journey"
NIK = "1707014101900001"
PHONE = "081234567890"


def test_book_on_a_phone_check_in_be_served_and_rate_the_service(
    live_server, device, hall, kiosk_user, staff_a, hall_admin, bookable_ktp
):
    base = live_server.url
    phone = device(390, 844, is_mobile=True, has_touch=True, device_scale_factor=2)

    # 09:00 on Tuesday: the citizen looks for the service and picks today, 09.30.
    phone.goto(base + reverse("services:booking_start"))
    expect(phone.get_by_role("heading", name="Pesan jadwal layanan")).to_be_visible()
    phone.get_by_role("searchbox", name="Cari layanan").fill("KTP")
    phone.get_by_role("searchbox", name="Cari layanan").press("Enter")
    expect(phone.get_by_text("1 layanan ditemukan")).to_be_visible()
    phone.get_by_role("link", name=re.compile("Perekaman KTP-el")).click()
    expect(phone.get_by_role("heading", name="Perekaman KTP-el", level=1)).to_be_visible()
    shot(phone, SHOTS, "b01-phone-service")

    phone.locator('a.booking-day[href="?tanggal=2026-12-01"]').click()
    slots = phone.locator("#booking-slots")
    expect(slots.get_by_role("heading")).to_contain_text("Pilih jam")
    # 09.00 has begun: the first slot offered is 09.30.
    expect(slots.locator(".booking-slot-time").first).to_have_text("09.30")
    shot(phone, SHOTS, "b02-phone-slots")
    slots.get_by_role("link", name=re.compile("09.30")).click()

    # A mistyped NIK is refused with a field error, and nothing else is lost.
    phone.get_by_label("Nama lengkap").fill("Siti Aminah")
    phone.get_by_label("NIK").fill("12345")
    phone.get_by_label("Nomor WhatsApp").fill(PHONE)
    phone.get_by_role("button", name=re.compile("Lanjut: periksa data")).click()
    expect(phone.locator("#id_nik-error")).to_be_visible()
    expect(phone.get_by_label("Nama lengkap")).to_have_value("Siti Aminah")
    shot(phone, SHOTS, "b03-phone-nik-error")
    phone.get_by_label("NIK").fill(NIK)
    phone.get_by_role("button", name=re.compile("Lanjut: periksa data")).click()
    expect(phone.get_by_role("heading", name="Periksa sekali lagi")).to_be_visible()
    phone.get_by_role("button", name=re.compile("Konfirmasi pemesanan")).click()

    expect(phone.get_by_role("heading", name="Pemesanan berhasil")).to_be_visible()
    booking = Booking.objects.get()
    expect(phone.locator(".booking-code")).to_have_text(booking.code)
    # The link to change or cancel is shown this once.
    expect(phone.locator(".booking-link a")).to_contain_text("/pesan/kelola/")
    shot(phone, SHOTS, "b04-phone-booked")
    assert booking.slot_start == datetime.time(9, 30)
    assert booking.status == Booking.Status.BOOKED

    # At the hall the kiosk takes the code the scanner types.
    kiosk = device(1080, 1920, has_touch=True)
    kiosk.add_init_script(SILENT_PRINTER)
    kiosk.goto(base + reverse("services:kiosk", args=[hall.slug]))
    log_in(kiosk, kiosk_user.username)
    kiosk.get_by_role("link", name=re.compile("Saya sudah pesan")).click()
    expect(kiosk.get_by_role("heading", name="Saya sudah pesan")).to_be_visible()
    # A code that does not exist says so.
    kiosk.get_by_role("textbox", name="Kode pemesanan").fill("ZZZZZZZZ")
    kiosk.get_by_role("textbox", name="Kode pemesanan").press("Enter")
    expect(kiosk.get_by_role("alert")).to_contain_text("tidak ditemukan")
    kiosk.get_by_role("textbox", name="Kode pemesanan").fill(booking.code.lower())
    kiosk.get_by_role("textbox", name="Kode pemesanan").press("Enter")
    expect(kiosk.get_by_role("heading", name="A-001", level=1)).to_be_visible()
    wait_until(kiosk, "window.__printed === 1")
    shot(kiosk, SHOTS, "b05-kiosk-checked-in")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CHECKED_IN

    # The phone's manage page now links to the queue number.
    phone.get_by_role("link", name="Kelola pemesanan").click()
    phone.get_by_role("link", name="A-001").click()
    status = phone.locator("#track-status")
    expect(status.locator(".track-state")).to_have_text("Menunggu")
    shot(phone, SHOTS, "b06-phone-tracking")

    # The counter staff calls, serves and finishes it.
    staff = device(1366, 768)
    staff.goto(base + reverse("services:console"))
    log_in(staff, staff_a.username)
    counter_card = staff.get_by_role("article", name="Loket 2")
    counter_card.get_by_role("button", name="Buka loket ini").click()
    expect(staff.locator("#console-queue")).to_contain_text("A-001")
    staff.get_by_role("button", name=re.compile("Panggil berikutnya")).click()
    expect(staff.get_by_role("status")).to_have_text("Nomor A-001 dipanggil.")
    staff.get_by_role("button", name=re.compile("Mulai layani")).click()
    expect(staff.get_by_role("status")).to_have_text("Mulai melayani A-001.")
    staff.get_by_role("button", name=re.compile(r"^Selesai")).click()
    expect(staff.get_by_role("status")).to_have_text("A-001 selesai dilayani.")

    # The phone offers the survey once the service is done.
    expect(status.locator(".track-state")).to_have_text("Selesai", timeout=7000)
    phone.get_by_role("link", name=re.compile("Isi survei kepuasan")).click()
    expect(phone.get_by_role("heading", name="Survei Kepuasan Masyarakat")).to_be_visible()
    # Sending with one answer missing keeps the others and marks the gap.
    questions = phone.locator(".skm-question")
    expect(questions).to_have_count(9)
    for index in range(8):
        questions.nth(index).locator("label.skm-option-4").click()
    phone.get_by_role("button", name="Kirim survei").click()
    expect(phone.get_by_role("alert")).to_contain_text("belum dijawab")
    expect(questions.nth(0).locator("input[value='4']")).to_be_checked()
    shot(phone, SHOTS, "b07-phone-survey-error")
    questions.nth(8).locator("label.skm-option-3").click()
    phone.get_by_label("Saran untuk perbaikan layanan (tidak wajib)").fill(
        "Ruang tunggu perlu kipas angin."
    )
    phone.get_by_role("button", name="Kirim survei").click()
    expect(phone.get_by_role("heading", name="Terima kasih!")).to_be_visible()
    shot(phone, SHOTS, "b08-phone-thanks")
    response = SurveyResponse.objects.get()
    assert [getattr(response, f"u{n}") for n in range(1, 10)] == [4] * 8 + [3]
    assert response.ticket.booking == booking

    # Back on the tracking page the survey is no longer offered.
    phone.get_by_role("link", name="Kembali ke status antrean").click()
    expect(phone.locator("#track-status .track-state")).to_have_text("Selesai")
    expect(phone.get_by_role("link", name=re.compile("Isi survei kepuasan"))).to_have_count(0)

    # The hall admin's IKM page counts the answer: (8 x 4 + 3) / 9 x 25 = 97.22.
    office = device(1366, 768)
    office.goto(base + reverse("services:ikm"))
    log_in(office, hall_admin.username)
    expect(office.locator("#jumlah-responden")).to_have_text("1")
    expect(office.locator("#nilai-ikm")).to_contain_text("97")
    expect(office.get_by_text("Ruang tunggu perlu kipas angin.")).to_be_visible()
    shot(office, SHOTS, "b09-ikm")
