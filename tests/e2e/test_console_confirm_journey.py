"""Counter staff confirm a no-show (one key no longer drops a citizen); a
transferred ticket's tracking page says it was sent on."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from services import queue
from services.models import Ticket
from tests.e2e.steps import log_in, shot
from tests.factories import CounterFactory, ServiceFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = "var/screenshots/console-confirm"


@pytest.fixture
def desk(office_hours, agency_a):
    ktp = ServiceFactory(agency=agency_a, name="Perekaman KTP-el", slug="ktp-el", code="A")
    kk = ServiceFactory(agency=agency_a, name="Kartu Keluarga", slug="kk", code="K")
    counter = CounterFactory(agency=agency_a, number=3, services=[ktp])
    return ktp, kk, counter


def test_no_show_asks_first(live_server, device, desk, staff_a):
    ktp, _kk, counter = desk
    ticket = queue.ticket_issue(service=ktp)
    queue.counter_open(counter=counter, by=staff_a)
    page = device(1366, 768)
    url = reverse("services:console_counter", args=[counter.pk])
    page.goto(live_server.url + reverse("accounts:login") + "?next=" + url)
    log_in(page, staff_a.username)
    page.get_by_role("button", name=re.compile("Panggil berikutnya")).click()
    expect(page.get_by_role("status")).to_have_text("Nomor A-001 dipanggil.")

    # The "T" key asks; dismissing keeps the citizen called.
    messages = []
    page.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.dismiss()))
    expect(page.get_by_role("button", name=re.compile("Tidak hadir"))).to_be_enabled()
    # The console ignores keys until htmx has settled the panel: press until it answers.
    for _attempt in range(20):
        page.keyboard.press("t")
        page.wait_for_timeout(250)
        if messages:
            break
    assert messages and "A-001" in messages[0] and "tidak hadir" in messages[0]
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CALLED

    # Accepting marks the no-show.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=re.compile("Tidak hadir")).click()
    expect(page.locator("body")).to_contain_text("Tidak hadir hari ini")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.SKIPPED
    shot(page, SHOTS, "after-no-show")


@pytest.mark.parametrize("viewport", [(390, 844), (1280, 900)], ids=["phone", "desktop"])
def test_tracking_page_says_transferred(live_server, device, desk, staff_a, viewport):
    ktp, kk, counter = desk
    ticket = queue.ticket_issue(service=ktp)
    queue.counter_open(counter=counter, by=staff_a)
    queue.ticket_call_next(counter=counter, by=staff_a)
    ticket.refresh_from_db()
    queue.ticket_transfer(ticket=ticket, to_service=kk, by=staff_a)
    page = device(*viewport)
    page.goto(live_server.url + reverse("services:track", args=[ticket.tracking_code]))
    note = page.locator("[data-transferred]")
    expect(note).to_contain_text("Dialihkan dari Perekaman KTP-el")
    expect(page.locator("#track-status")).to_contain_text("Kartu Keluarga")
    shot(page, SHOTS, f"track-transferred-{viewport[0]}")


@pytest.mark.parametrize("viewport", [(390, 844), (1366, 768)], ids=["phone", "desktop"])
def test_call_a_number_out_of_order(live_server, device, desk, staff_a, viewport):
    ktp, _kk, counter = desk
    queue.ticket_issue(service=ktp)
    late = queue.ticket_issue(service=ktp)
    queue.counter_open(counter=counter, by=staff_a)
    page = device(*viewport)
    url = reverse("services:console_counter", args=[counter.pk])
    page.goto(live_server.url + reverse("accounts:login") + "?next=" + url)
    log_in(page, staff_a.username)
    expect(page.locator("#console-queue")).to_contain_text("A-002")
    page.get_by_text("Panggil nomor tertentu (di luar urutan)").click()
    page.get_by_label("Nomor", exact=True).fill("a2")
    page.get_by_label("Alasan (dicatat)").fill("lansia, sulit menunggu")
    shot(page, SHOTS, f"call-code-{viewport[0]}")
    page.get_by_role("button", name="Panggil nomor ini").click()
    expect(page.get_by_role("status")).to_contain_text("A-002 dipanggil di luar urutan")
    late.refresh_from_db()
    assert late.status == Ticket.Status.CALLED


def test_a_break_shows_on_the_board(live_server, device, desk, staff_a, hall):
    ktp, _kk, counter = desk
    queue.ticket_issue(service=ktp)
    queue.counter_open(counter=counter, by=staff_a)
    board = device(1920, 1080)
    board.goto(live_server.url + reverse("services:board", args=[hall.slug]))
    expect(board.locator("#board-counters")).to_contain_text("Loket 3")
    page = device(1366, 768)
    url = reverse("services:console_counter", args=[counter.pk])
    page.goto(live_server.url + reverse("accounts:login") + "?next=" + url)
    log_in(page, staff_a.username)
    page.get_by_role("button", name="Istirahat").click()
    expect(page.locator("[data-paused-notice]")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Panggil berikutnya"))).to_have_count(0)
    # The board polls every second: the counter shows "istirahat" without a reload.
    expect(board.locator(".board-counter.is-paused")).to_contain_text("istirahat", timeout=5000)
    shot(board, SHOTS, "board-paused")
    shot(page, SHOTS, "console-paused")
    page.get_by_role("button", name=re.compile("Lanjutkan layanan")).click()
    expect(page.get_by_role("button", name=re.compile("Panggil berikutnya"))).to_be_visible()
    expect(board.locator(".board-counter.is-paused")).to_have_count(0, timeout=5000)


@pytest.mark.parametrize("viewport", [(390, 844), (1280, 900)], ids=["phone", "desktop"])
def test_hall_admin_writes_the_running_text(live_server, device, hall, hall_admin, viewport):
    board = device(1920, 1080)
    board.goto(live_server.url + reverse("services:board", args=[hall.slug]))
    expect(board.locator("#board-ticker")).to_be_hidden()
    page = device(*viewport)
    url = reverse("services:board_announcement", args=[hall.slug])
    page.goto(live_server.url + reverse("accounts:login") + "?next=" + url)
    log_in(page, hall_admin.username)
    page.get_by_label("Teks berjalan layar antrean").fill("Istirahat siang 12.00–13.00")
    shot(page, SHOTS, f"announcement-{viewport[0]}")
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_text("Teks berjalan disimpan")).to_be_visible()
    # The board picks it up from its poll, without a reload.
    expect(board.locator("#board-ticker-text")).to_have_text(
        "Istirahat siang 12.00–13.00", timeout=5000
    )
    expect(board.locator("#board-ticker")).to_be_visible()
    shot(board, SHOTS, f"board-ticker-{viewport[0]}")


def test_board_says_transferred(live_server, device, desk, staff_a, hall):
    ktp, kk, counter = desk
    ticket = queue.ticket_issue(service=ktp)
    queue.counter_open(counter=counter, by=staff_a)
    board = device(1920, 1080)
    board.goto(live_server.url + reverse("services:board", args=[hall.slug]))
    expect(board.locator("#board-transfers")).to_be_hidden()
    queue.ticket_call_next(counter=counter, by=staff_a)
    ticket.refresh_from_db()
    queue.ticket_transfer(ticket=ticket, to_service=kk, by=staff_a)
    transfers = board.locator("#board-transfers")
    expect(transfers).to_contain_text("A-001", timeout=5000)
    expect(transfers).to_contain_text("dialihkan")
    expect(transfers).to_contain_text("Kartu Keluarga")
    shot(board, SHOTS, "board-transferred")
