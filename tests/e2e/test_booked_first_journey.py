"""Issue 13, item 8: a booked visitor does not wait behind walk-ins, in Chromium.

The booking for 09.00 was made the day before. At 09.00 a walk-in takes a
ticket at the kiosk; then the booked citizen checks in at the same kiosk.
The citizen's phone shows nobody ahead and the booked mark; the counter's
console lists the booking first with its mark, and "call next" calls it
before the walk-in who came earlier; the TV board marks the call.
"""

import datetime
import re
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import expect

from mpp_portal.workdays import JAKARTA
from services import booking as bookings
from services.models import Ticket
from tests.e2e.steps import log_in, shot, wait_until
from tests.e2e.test_queue_journey import SILENT_PRINTER

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/booked_first")


def _booked_yesterday(service):
    """The citizen booked Tuesday 09.00 on Monday (the booking pages have their own journey)."""
    monday = datetime.datetime(2026, 11, 30, 10, tzinfo=JAKARTA)
    with time_machine.travel(monday, tick=False):
        booking, _token = bookings.booking_create(
            service=service,
            day=datetime.date(2026, 12, 1),
            slot_start=datetime.time(9),
            name="Siti Aminah",
            nik="1707014101900001",
            phone="081234567890",
        )
    return booking


def _kiosk_take_walk_in(kiosk):
    kiosk.get_by_role("link", name=re.compile("Disdukcapil")).click()
    kiosk.get_by_role("link", name=re.compile("Perekaman KTP-el")).click()
    kiosk.get_by_role("button", name="Ambil tiket").click()
    expect(kiosk.get_by_role("heading", name="A-001", level=1)).to_be_visible()
    wait_until(kiosk, "window.__printed === 1")
    kiosk.evaluate("window.dispatchEvent(new Event('afterprint'))")
    expect(kiosk.get_by_role("heading", name="Pilih instansi tujuan Anda")).to_be_visible(
        timeout=5000
    )


def test_a_checked_in_booking_is_called_before_an_earlier_walk_in(
    live_server, device, hall, kiosk_user, staff_a, bookable_ktp
):
    base = live_server.url
    booking = _booked_yesterday(bookable_ktp)

    # 09.00: a walk-in takes A-001 at the kiosk.
    kiosk = device(1080, 1920, has_touch=True)
    kiosk.add_init_script(SILENT_PRINTER)
    kiosk.goto(base + reverse("services:kiosk", args=[hall.slug]))
    log_in(kiosk, kiosk_user.username)
    expect(kiosk.get_by_role("heading", name="Pilih instansi tujuan Anda")).to_be_visible()
    _kiosk_take_walk_in(kiosk)

    # Then the booked citizen checks in at the same kiosk: A-002.
    kiosk.get_by_role("link", name=re.compile("Saya sudah pesan")).click()
    kiosk.get_by_role("textbox", name="Kode pemesanan").fill(booking.code)
    kiosk.get_by_role("textbox", name="Kode pemesanan").press("Enter")
    expect(kiosk.get_by_role("heading", name="A-002", level=1)).to_be_visible()
    wait_until(kiosk, "window.__printed === 1")
    shot(kiosk, SHOTS, "01-kiosk-checked-in")
    booked = Ticket.objects.get(code="A-002")
    walk_in = Ticket.objects.get(code="A-001")
    assert booked.is_booked and booked.queued_at > walk_in.queued_at

    # The citizen's phone: nobody ahead, and the booked mark.
    phone = device(390, 844, is_mobile=True, has_touch=True, device_scale_factor=2)
    phone.goto(base + reverse("services:track", args=[booked.tracking_code]))
    status = phone.locator("#track-status")
    expect(status.locator("#track-code")).to_have_text("A-002")
    expect(status.locator("[data-booked]")).to_have_text("Pemesanan online, jadwal 09.00")
    expect(status).to_contain_text("0 orang")
    shot(phone, SHOTS, "02-phone-booked-waiting")
    # The walk-in who came earlier is told one person is ahead.
    phone.goto(base + reverse("services:track", args=[walk_in.tracking_code]))
    expect(phone.locator("#track-status")).to_contain_text("1 orang")
    expect(phone.locator("#track-status [data-booked]")).to_have_count(0)

    # The TV board is on.
    board = device(1920, 1080)
    board.goto(base + reverse("services:board", args=[hall.slug]))
    expect(board.locator("#board-now-code")).to_have_text("—")

    # The counter: the booking heads the list, with its mark.
    staff = device(1366, 768)
    staff.goto(base + reverse("services:console"))
    log_in(staff, staff_a.username)
    staff.get_by_role("article", name="Loket 2").get_by_role(
        "button", name="Buka loket ini"
    ).click()
    rows = staff.locator("#console-queue tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("A-002")
    expect(rows.nth(0)).to_contain_text("berikutnya")
    expect(rows.nth(0).locator("[data-booked]")).to_have_text("Terjadwal 09.00")
    expect(rows.nth(1)).to_contain_text("A-001")
    expect(rows.nth(1).locator("[data-booked]")).to_have_count(0)
    shot(staff, SHOTS, "03-console-booked-first")

    staff.get_by_role("button", name=re.compile("Panggil berikutnya")).click()
    expect(staff.get_by_role("status")).to_have_text("Nomor A-002 dipanggil.")
    current = staff.get_by_role("region", name="Tiket saat ini")
    expect(current.get_by_label("Nomor A-002")).to_be_visible()
    expect(current.locator("[data-booked]")).to_have_text("Terjadwal 09.00")
    shot(staff, SHOTS, "04-console-called")

    # The board shows the call, marked.
    expect(board.locator("#board-now-code")).to_have_text("A-002", timeout=3000)
    expect(board.locator("#board-now-booked")).to_be_visible()
    expect(board.locator("#board-now-booked")).to_have_text(re.compile("terjadwal", re.I))
    shot(board, SHOTS, "05-board-booked-call")

    # Done with the booking, the walk-in is next and the board's mark goes.
    staff.get_by_role("button", name=re.compile("Mulai layani")).click()
    expect(staff.get_by_role("status")).to_have_text("Mulai melayani A-002.")
    staff.get_by_role("button", name=re.compile(r"^Selesai")).click()
    expect(staff.get_by_role("status")).to_have_text("A-002 selesai dilayani.")
    staff.get_by_role("button", name=re.compile("Panggil berikutnya")).click()
    expect(staff.get_by_role("status")).to_have_text("Nomor A-001 dipanggil.")
    expect(board.locator("#board-now-code")).to_have_text("A-001", timeout=3000)
    expect(board.locator("#board-now-booked")).to_be_hidden()
