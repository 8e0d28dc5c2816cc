"""Issue 3's proof: one ticket's whole day, through the real pages, in Chromium.

Four browser contexts stand for four devices in the hall: the kiosk touch
screen, a citizen's phone, the counter staff's PC and the TV board. Only the
accounts, the hall's services and the counter are made directly; every step
after that is a click or a keystroke on a page.

Headless Chromium may have no voices, so the board's speechSynthesis is the
recorder of test_board_voice.py (it keeps the text and ends each utterance).
"""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.steps import log_in, shot, wait_until
from tests.e2e.test_board_voice import RECORDER
from tests.factories import CounterFactory, ServiceFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/journey")

# The tracking page polls every 5 s; one period plus a margin for the request.
TRACK_REFRESH_MS = 7000


# A kiosk prints without a dialog (Chromium's --kiosk-printing). Headless
# Chromium neither prints nor says when it is done, so window.print only counts
# the calls and the test fires 'afterprint' when "the paper is out".
SILENT_PRINTER = """
window.__printed = 0;
window.print = () => { window.__printed += 1; };
"""


@pytest.fixture
def desk(office_hours, agency_a, agency_b):
    """What the hall admin set up beforehand: services and a closed counter."""
    ktp = ServiceFactory(agency=agency_a, name="Perekaman KTP-el", slug="ktp-el", code="A")
    ServiceFactory(agency=agency_a, name="Kartu Keluarga", slug="kk", code="K")
    ServiceFactory(agency=agency_b, name="Pajak Kendaraan", slug="pkb", code="P")
    CounterFactory(agency=agency_a, number=3, services=[ktp])
    return ktp


def _shot(page, name):
    shot(page, SHOTS, name)


def test_a_ticket_from_the_kiosk_to_done(
    live_server, device, hall, kiosk_user, staff_a, desk, office_hours
):
    base = live_server.url

    # The TV is on before anyone arrives, and someone has switched its sound on.
    board = device(1920, 1080)
    board.add_init_script(RECORDER)
    board.goto(base + reverse("services:board", args=[hall.slug]))
    board.get_by_role("button", name="Aktifkan suara").click()
    expect(board.locator("#board-sound")).to_have_text("Suara aktif")
    expect(board.locator("#board-now-code")).to_have_text("—")
    _shot(board, "01-board-empty")

    # The kiosk device signs in once and then shows the first step.
    kiosk = device(1080, 1920, has_touch=True)
    kiosk.add_init_script(SILENT_PRINTER)
    kiosk.goto(base + reverse("services:kiosk", args=[hall.slug]))
    log_in(kiosk, kiosk_user.username)
    expect(kiosk.get_by_role("heading", name="Pilih instansi tujuan Anda")).to_be_visible()
    _shot(kiosk, "02-kiosk-agency")

    kiosk.get_by_role("link", name=re.compile("Disdukcapil")).click()
    expect(kiosk.get_by_role("heading", name="Pilih layanan Disdukcapil")).to_be_visible()
    _shot(kiosk, "03-kiosk-service")

    kiosk.get_by_role("link", name=re.compile("Perekaman KTP-el")).click()
    expect(kiosk.get_by_role("heading", name="Perekaman KTP-el")).to_be_visible()
    _shot(kiosk, "04-kiosk-take")
    kiosk.get_by_role("button", name="Ambil tiket").click()

    # The ticket page the printer gets.
    expect(kiosk.get_by_role("heading", name="A-001", level=1)).to_be_visible()
    _shot(kiosk, "05-ticket-print")
    printed_url = kiosk.locator(".ticket-url").inner_text().strip()
    # The printed URL carries the site's public address; the phone reaches
    # this test's server at another one, with the same path.
    track_path = urlsplit(printed_url).path
    assert re.fullmatch(r"/antrean/lacak/[^/]+/", track_path), printed_url
    # It went to the printer by itself; once the printer is done the kiosk
    # is handed back to the next visitor.
    wait_until(kiosk, "window.__printed === 1")
    kiosk.evaluate("window.dispatchEvent(new Event('afterprint'))")
    expect(kiosk.get_by_role("heading", name="Pilih instansi tujuan Anda")).to_be_visible(
        timeout=5000
    )

    # The citizen scans the QR on a phone.
    phone = device(390, 844, is_mobile=True, has_touch=True, device_scale_factor=2)
    phone.goto(base + track_path)
    status = phone.locator("#track-status")
    expect(status.locator("#track-code")).to_have_text("A-001")
    expect(status.locator(".track-state")).to_have_text("Menunggu")
    expect(status).to_contain_text("0 orang")
    _shot(phone, "06-phone-waiting")

    # The counter staff signs in, opens counter 3 and calls the next number.
    staff = device(1366, 768)
    staff.goto(base + reverse("services:console"))
    log_in(staff, staff_a.username)
    expect(staff.get_by_role("heading", name="Konsol loket", level=1)).to_be_visible()
    _shot(staff, "07-console-list")
    counter_card = staff.get_by_role("article", name="Loket 3")
    counter_card.get_by_role("button", name="Buka loket ini").click()
    expect(staff.get_by_role("heading", name=re.compile(r"^Loket 3"), level=1)).to_be_visible()
    expect(staff.locator("#console-queue")).to_contain_text("A-001")
    _shot(staff, "08-console-open")

    staff.get_by_role("button", name=re.compile("Panggil berikutnya")).click()
    current = staff.get_by_role("region", name="Tiket saat ini")
    expect(current.get_by_label("Nomor A-001")).to_be_visible()
    expect(staff.get_by_role("status")).to_have_text("Nomor A-001 dipanggil.")
    _shot(staff, "09-console-called")

    # The board shows the call within 2 seconds and announces it.
    expect(board.locator("#board-now-code")).to_have_text("A-001", timeout=2000)
    expect(board.locator("#board-now-counter")).to_have_text("Loket 3")
    expect(board.locator("#board-counters")).to_contain_text("A-001")
    wait_until(board, "window.__spoken.length === 1")
    spoken = board.evaluate("window.__spoken")
    assert [s["text"] for s in spoken] == [
        "Nomor antrean A nol nol satu, silakan menuju loket tiga"
    ]
    assert spoken[0]["lang"] == "id-ID"
    _shot(board, "10-board-called")

    # The phone follows on its own.
    expect(status.locator(".track-state")).to_have_text("Dipanggil", timeout=TRACK_REFRESH_MS)
    expect(status).to_contain_text("Silakan menuju Loket 3")
    _shot(phone, "11-phone-called")

    staff.get_by_role("button", name=re.compile("Mulai layani")).click()
    expect(staff.get_by_role("status")).to_have_text("Mulai melayani A-001.")
    _shot(staff, "12-console-serving")
    expect(status.locator(".track-state")).to_have_text("Sedang dilayani", timeout=TRACK_REFRESH_MS)

    staff.get_by_role("button", name=re.compile(r"^Selesai")).click()
    expect(staff.get_by_role("status")).to_have_text("A-001 selesai dilayani.")
    expect(current).to_contain_text("Belum ada tiket dipanggil")
    _shot(staff, "13-console-done")

    expect(status.locator(".track-state")).to_have_text("Selesai", timeout=TRACK_REFRESH_MS)
    # A finished ticket stops polling.
    expect(phone.get_by_text("diperbarui otomatis")).to_be_hidden()
    _shot(phone, "14-phone-done")

    # The counter's tile on the board is free again, and the finished call has
    # left the board: nobody is sent to a counter that is done with them.
    expect(board.locator("#board-counters")).not_to_contain_text("A-001", timeout=2000)
    expect(board.locator("#board-now-code")).to_have_text("—")
    _shot(board, "15-board-after")
    assert len(board.evaluate("window.__spoken")) == 1
