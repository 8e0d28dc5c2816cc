"""The display board in Chromium: a call shows within 2 s and is announced in Indonesian.

Headless Chromium may have no voices at all, so the page's speechSynthesis.speak
is replaced (before any page script runs) by a recorder that keeps the text and
fires the utterance's 'end' a little later, as a real engine would. Everything
on the server side is real: the test issues and calls tickets through the
queue's service functions and the live server answers the board's polls.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from services import queue
from services.web.board import announcement_text
from tests.e2e.conftest import launch_chromium
from tests.e2e.steps import wait_until
from tests.factories import CounterFactory, ServiceFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SPEECH_MS = 800

RECORDER = """
(() => {
  window.__spoken = [];
  window.__events = [];
  const play = HTMLMediaElement.prototype.play;
  HTMLMediaElement.prototype.play = function () {
    // The board's silent autoplay probe (volume 0) is no chime anyone hears.
    if (this.volume > 0) window.__events.push("chime");
    return play.call(this);
  };
  const recorder = {
    speaking: false,
    getVoices: () => [],
    cancel: () => window.__events.push("cancel"),
    speak(utterance) {
      const entry = {
        text: utterance.text, lang: utterance.lang, start: performance.now(), end: null,
      };
      window.__spoken.push(entry);
      window.__events.push("speak");
      setTimeout(() => {
        entry.end = performance.now();
        window.__events.push("end");
        if (utterance.onend) utterance.onend(new Event("end"));
      }, SPEECH_MS);
    },
  };
  Object.defineProperty(window, "speechSynthesis", {value: recorder, configurable: true});
  if (typeof window.SpeechSynthesisUtterance === "undefined") {
    window.SpeechSynthesisUtterance = function (text) { this.text = text; };
  }
})();
""".replace("SPEECH_MS", str(SPEECH_MS))


@pytest.fixture
def service(office_hours, agency_a):
    return ServiceFactory(agency=agency_a, name="Perekaman KTP-el", slug="ktp-el", code="A")


@pytest.fixture
def counter_one(service, agency_a, staff_a):
    counter = CounterFactory(agency=agency_a, number=1, services=[service])
    return queue.counter_open(counter=counter, by=staff_a)


@pytest.fixture
def counter_two(service, agency_a, staff_a2):
    counter = CounterFactory(agency=agency_a, number=2, services=[service])
    return queue.counter_open(counter=counter, by=staff_a2)


@pytest.fixture
def staff_a2(agency_a):
    from mpp_portal.accounts.models import User
    from tests.factories import UserFactory

    return UserFactory(username="petugas.a2", role=User.Role.COUNTER_STAFF, agency=agency_a)


@pytest.fixture
def board(office_hours, live_server, page, hall):
    """Open the hall's board on a 1920x1080 screen and switch the sound on."""
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.add_init_script(RECORDER)
    page.goto(live_server.url + reverse("services:board", args=[hall.slug]))
    unlock = page.get_by_role("button", name="Aktifkan suara")
    expect(unlock).to_be_focused()
    unlock.click()
    expect(page.locator("#board-unlock")).to_be_hidden()
    expect(page.locator("#board-sound")).to_have_text("Suara aktif")
    return page


def _spoken(page):
    return page.evaluate("window.__spoken")


def _announcement_events(page):
    # The first chime is the one the unlock button plays as its sound check.
    events = page.evaluate("window.__events")
    assert events[0] == "chime"
    return events[1:]


def test_a_call_shows_within_two_seconds_and_is_announced(board, staff_a, service, counter_one):
    page = board
    expect(page.locator("#board-now-code")).to_have_text("—")

    queue.ticket_issue(service=service)
    queue.ticket_call_next(counter=counter_one, by=staff_a)

    expect(page.locator("#board-now-code")).to_have_text("A-001", timeout=2000)
    expect(page.locator("#board-now-counter")).to_have_text("Loket 1")
    expect(page.locator("#board-now-text")).to_have_text(
        "Nomor antrean A nol nol satu, silakan menuju loket satu"
    )
    expect(page.locator("#board-counters")).to_contain_text("A-001")

    wait_until(page, "window.__spoken.length === 1 && window.__spoken[0].end !== null")
    [spoken] = _spoken(page)
    assert spoken["text"] == "Nomor antrean A nol nol satu, silakan menuju loket satu"
    assert spoken["lang"] == "id-ID"
    # Chime first, then the voice.
    assert _announcement_events(page) == ["chime", "speak", "end"]


def test_two_quick_calls_are_announced_in_order_without_cutting_off(
    board, staff_a, staff_a2, service, counter_one, counter_two
):
    page = board
    queue.ticket_issue(service=service)
    queue.ticket_issue(service=service)
    queue.ticket_call_next(counter=counter_one, by=staff_a)
    queue.ticket_call_next(counter=counter_two, by=staff_a2)

    expect(page.locator("#board-now-code")).to_have_text("A-002", timeout=2000)
    expect(page.locator("#board-recent")).to_contain_text("A-001")

    wait_until(
        page, "window.__spoken.length === 2 && window.__spoken[1].end !== null", timeout=20_000
    )
    first, second = _spoken(page)
    assert first["text"] == "Nomor antrean A nol nol satu, silakan menuju loket satu"
    assert second["text"] == "Nomor antrean A nol nol dua, silakan menuju loket dua"
    # The second starts only after the first one's 'end'.
    assert second["start"] >= first["end"]
    assert _announcement_events(page) == ["chime", "speak", "end", "chime", "speak", "end"]


def test_calls_on_screen_at_load_are_not_announced_but_a_recall_is(
    live_server, page, hall, staff_a, service, counter_one
):
    queue.ticket_issue(service=service)
    ticket = queue.ticket_call_next(counter=counter_one, by=staff_a)

    page.add_init_script(RECORDER)
    page.goto(live_server.url + reverse("services:board", args=[hall.slug]))
    page.get_by_role("button", name="Aktifkan suara").click()
    expect(page.locator("#board-now-code")).to_have_text("A-001")
    expect(page.locator("#board-now-recall")).to_be_hidden()
    # Three polls later nothing has been said about the call already on screen.
    page.wait_for_timeout(3000)
    assert _spoken(page) == []

    queue.ticket_recall(ticket=ticket, by=staff_a)
    wait_until(page, "window.__spoken.length === 1", timeout=8000)
    assert _spoken(page)[0]["text"] == "Nomor antrean A nol nol satu, silakan menuju loket satu"
    expect(page.locator("#board-now-recall")).to_have_text("Panggilan ulang")
    # The recall replaces the first call: A-001 is not listed twice.
    expect(page.locator("#board-recent")).not_to_contain_text("A-001")


def test_the_page_and_the_server_build_the_same_sentence(live_server, page, hall):
    page.goto(live_server.url + reverse("services:board", args=[hall.slug]))
    cases = [
        (code, number)
        for code in ("A-001", "A-012", "DK-105", "B-990", "XYZ-1000")
        for number in range(1, 121)
    ]
    built = page.evaluate(
        "cases => cases.map(([code, n]) => window.MPPBoard.announcementText(code, n))",
        [list(case) for case in cases],
    )
    assert built == [announcement_text(code, number) for code, number in cases]
    assert built[cases.index(("DK-105", 12))] == (
        "Nomor antrean D K satu nol lima, silakan menuju loket dua belas"
    )


def _boxes_overlap(a, b):
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def test_a_tv_that_allows_sound_announces_with_no_click(
    playwright, live_server, hall, staff_a, service, counter_one
):
    """Kiosk-mode Chromium (README) lets the board speak at once: nobody touches the TV."""
    tv = launch_chromium(playwright, "--autoplay-policy=no-user-gesture-required")
    try:
        page = tv.new_page(viewport={"width": 1920, "height": 1080}, locale="id-ID")
        page.add_init_script(RECORDER)
        page.goto(live_server.url + reverse("services:board", args=[hall.slug]))
        expect(page.locator("#board-sound")).to_have_text("Suara aktif")
        expect(page.locator("#board-unlock")).to_be_hidden()

        queue.ticket_issue(service=service)
        queue.ticket_call_next(counter=counter_one, by=staff_a)
        wait_until(page, "window.__spoken.length === 1", timeout=8000)
        assert _spoken(page)[0]["text"].startswith("Nomor antrean A nol nol satu")
        assert page.evaluate("window.__events")[:2] == ["chime", "speak"]
    finally:
        tv.close()


def test_a_tv_that_refuses_sound_shows_a_corner_notice_and_stays_readable(
    playwright, live_server, hall, staff_a, service, counter_one
):
    tv = launch_chromium(playwright, "--autoplay-policy=user-gesture-required")
    try:
        page = tv.new_page(viewport={"width": 1920, "height": 1080}, locale="id-ID")
        page.add_init_script(RECORDER)
        queue.ticket_issue(service=service)
        queue.ticket_call_next(counter=counter_one, by=staff_a)
        page.goto(live_server.url + reverse("services:board", args=[hall.slug]))

        notice = page.locator("#board-unlock")
        expect(notice).to_be_visible()
        expect(page.locator("#board-sound")).to_have_text("Suara belum aktif")
        # The call and the counters are not dimmed or covered by the notice.
        expect(page.locator("#board-now-code")).to_have_text("A-001")
        box = notice.bounding_box()
        assert box["y"] > 1080 * 0.85, "the notice keeps to the bottom edge"
        for part in ("#board-now", "#board-recent", "#board-counters > *", "#board-waiting > *"):
            for item in page.locator(part).all():
                assert not _boxes_overlap(box, item.bounding_box()), part
        page.screenshot(path="/tmp/journey/board-sound-refused.png")

        # The remote's Enter on the focused button switches the sound on.
        expect(page.get_by_role("button", name="Aktifkan suara")).to_be_focused()
        page.keyboard.press("Enter")
        expect(notice).to_be_hidden()
        expect(page.locator("#board-sound")).to_have_text("Suara aktif")
    finally:
        tv.close()


def test_a_no_show_leaves_the_board_at_once(board, staff_a, service, counter_one):
    """A-003 marked no-show must not stay up as "RECALL / Loket 1" for minutes."""
    page = board
    queue.ticket_issue(service=service)
    ticket = queue.ticket_call_next(counter=counter_one, by=staff_a)
    queue.ticket_recall(ticket=ticket, by=staff_a)
    expect(page.locator("#board-now-code")).to_have_text("A-001", timeout=3000)
    expect(page.locator("#board-now-recall")).to_be_visible()

    queue.ticket_skip(ticket=ticket, by=staff_a)

    expect(page.locator("#board-now-code")).to_have_text("—", timeout=3000)
    expect(page.locator("#board-now-recall")).to_be_hidden()
    expect(page.locator("#board-recent")).not_to_contain_text("A-001")
    expect(page.locator("#board-counters")).not_to_contain_text("A-001")
