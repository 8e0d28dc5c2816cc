"""The hall's display board: its JSON (polled every second) and its TV page."""

import pytest
from django.urls import reverse

from mpp_portal.accounts.models import User
from services import queue
from services.models import Priority
from services.web.board import announcement_text, spoken_code
from tests.factories import AgencyFactory, CounterFactory, HallFactory, ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db


def _board_url(hall):
    return reverse("hall-board", args=[hall.slug])


def _page_url(hall):
    return reverse("services:board", args=[hall.slug])


@pytest.fixture
def open_counter(counter_a, staff_a):
    return queue.counter_open(counter=counter_a, by=staff_a)


@pytest.fixture
def called(open_counter, staff_a, service_a, service_a2, staff_b, counter_b, service_b):
    """Counter 1 has called A-001; K-001 and P-001 wait; counter 3 is open and idle."""
    queue.ticket_issue(service=service_a, phone="081234567890")
    queue.ticket_issue(service=service_a2)
    queue.ticket_issue(service=service_b)
    queue.counter_open(counter=counter_b, by=staff_b)
    ticket = queue.ticket_call_next(counter=open_counter, by=staff_a)
    queue.ticket_set_note(ticket=ticket, by=staff_a, note="Berkas KK tertinggal di rumah")
    return ticket


class TestAnnouncementText:
    def test_letters_spelled_and_digits_one_by_one(self):
        assert announcement_text("A-012", 3) == (
            "Nomor antrean A nol satu dua, silakan menuju loket tiga"
        )

    def test_two_letter_code_and_counter_twelve(self):
        assert announcement_text("DK-105", 12) == (
            "Nomor antrean D K satu nol lima, silakan menuju loket dua belas"
        )

    @pytest.mark.parametrize(
        ("number", "words"),
        [
            (1, "satu"),
            (10, "sepuluh"),
            (11, "sebelas"),
            (19, "sembilan belas"),
            (20, "dua puluh"),
            (21, "dua puluh satu"),
            (99, "sembilan puluh sembilan"),
        ],
    )
    def test_counter_number_in_words(self, number, words):
        assert announcement_text("A-001", number).endswith("silakan menuju loket " + words)

    def test_every_digit(self):
        assert spoken_code("B-0123456789") == (
            "B nol satu dua tiga empat lima enam tujuh delapan sembilan"
        )


class TestBoardApi:
    def test_shape(self, api_client, hall, called, open_counter, counter_b):
        response = api_client.get(_board_url(hall))
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {
            "hall",
            "announcement",
            "generated_at",
            "last_call_id",
            "calls",
            "counters",
            "transfers",
            "waiting",
        }
        assert body["hall"] == "MPP Perigo Agung"
        [call] = body["calls"]
        assert body["last_call_id"] == call["id"]
        assert call["code"] == "A-001"
        assert call["counter_number"] == 1
        assert call["service"] == "Perekaman KTP-el"
        assert call["is_recall"] is False
        assert [(c["number"], c["ticket"], c["status"]) for c in body["counters"]] == [
            (1, "A-001", "called"),
            (3, None, None),
        ]
        assert [(w["code"], w["waiting"]) for w in body["waiting"]] == [("K", 1), ("P", 1)]
        assert response["Cache-Control"] == "no-cache"

    def test_etag_gives_304_until_something_changes(
        self, api_client, hall, called, open_counter, staff_a
    ):
        first = api_client.get(_board_url(hall))
        etag = first["ETag"]
        again = api_client.get(_board_url(hall), HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304
        assert again.content == b""
        assert again["ETag"] == etag

        queue.ticket_finish(ticket=queue.ticket_start(ticket=called, by=staff_a), by=staff_a)
        queue.ticket_call_next(counter=open_counter, by=staff_a)
        changed = api_client.get(_board_url(hall), HTTP_IF_NONE_MATCH=etag)
        assert changed.status_code == 200
        assert changed["ETag"] != etag
        body = changed.json()
        assert body["calls"][0]["code"] == "K-001"
        assert body["last_call_id"] > first.json()["last_call_id"]

    def test_a_recall_is_a_new_call(self, api_client, hall, called, staff_a):
        etag = api_client.get(_board_url(hall))["ETag"]
        queue.ticket_recall(ticket=called, by=staff_a)
        response = api_client.get(_board_url(hall), HTTP_IF_NONE_MATCH=etag)
        assert response.status_code == 200
        calls = response.json()["calls"]
        # The recall replaces the ticket's first call: one line per ticket.
        assert [(c["code"], c["is_recall"]) for c in calls] == [("A-001", True)]

    @pytest.mark.parametrize("end", ["no_show", "finish", "transfer", "close"])
    def test_a_call_leaves_the_board_when_it_is_over(
        self, api_client, hall, called, staff_a, open_counter, service_a2, end
    ):
        """No-show, done, transferred or the counter closed: nobody should walk to it."""
        before = api_client.get(_board_url(hall)).json()
        assert [c["code"] for c in before["calls"]] == ["A-001"]
        if end == "no_show":
            queue.ticket_skip(ticket=called, by=staff_a)
        elif end == "finish":
            queue.ticket_finish(ticket=queue.ticket_start(ticket=called, by=staff_a), by=staff_a)
        elif end == "transfer":
            queue.ticket_transfer(ticket=called, to_service=service_a2, by=staff_a)
        else:
            queue.ticket_skip(ticket=called, by=staff_a)
            queue.counter_close(counter=open_counter, by=staff_a)
        after = api_client.get(_board_url(hall)).json()
        assert after["calls"] == []
        # The newest call id stays, so the page does not announce an old call again.
        assert after["last_call_id"] == before["last_call_id"]

    def test_a_new_ticket_reaches_the_board_within_the_cache_time(
        self, api_client, hall, called, service_b
    ):
        """Issuing does not bump the board's version (a busy kiosk would make every
        TV poll recompute it); the waiting count follows when the short cache expires."""
        import time

        from services.selectors import BOARD_CACHE_SECONDS

        etag = api_client.get(_board_url(hall))["ETag"]
        queue.ticket_issue(service=service_b)
        time.sleep(BOARD_CACHE_SECONDS + 0.2)
        response = api_client.get(_board_url(hall), HTTP_IF_NONE_MATCH=etag)
        assert response.status_code == 200
        assert ("P", 2) in [(w["code"], w["waiting"]) for w in response.json()["waiting"]]

    def test_a_poll_that_read_before_a_call_never_shadows_it(
        self,
        api_client,
        hall,
        open_counter,
        staff_a,
        service_a,
        monkeypatch,
        django_capture_on_commit_callbacks,
    ):
        """A slow poll writing the pre-call state back is not served after the call."""
        from services import selectors

        queue.ticket_issue(service=service_a)
        first = api_client.get(_board_url(hall))
        assert first.json()["calls"] == []
        # A new version (something else changed), so the next poll reads the
        # database instead of the cache.
        selectors._bump_board_version(hall.pk)
        real_board_state = selectors.board_state

        def read_then_call_commits(hall_):
            state = real_board_state(hall_)  # the poll reads: no call yet
            with django_capture_on_commit_callbacks(execute=True):
                queue.ticket_call_next(counter=open_counter, by=staff_a)  # commits meanwhile
            return state  # ...and the poll stores what it read

        monkeypatch.setattr(selectors, "board_state", read_then_call_commits)
        stale = selectors.cached_board_state(hall)
        assert stale["calls"] == []
        monkeypatch.setattr(selectors, "board_state", real_board_state)

        response = api_client.get(_board_url(hall), HTTP_IF_NONE_MATCH=first["ETag"])
        assert response.status_code == 200
        assert response.json()["calls"][0]["code"] == "A-001"
        assert response.json()["counters"][0]["ticket"] == "A-001"

    def test_query_count_does_not_grow_with_the_hall(
        self, api_client, hall, agency_a, called, django_assert_max_num_queries
    ):
        with django_assert_max_num_queries(6):
            assert api_client.get(_board_url(hall)).status_code == 200

        # Ten more open counters, each with a called ticket, and more waiting.
        for number in range(10, 20):
            service = ServiceFactory(agency=agency_a, code=f"Z{chr(55 + number)}")
            counter = CounterFactory(agency=agency_a, number=number, services=[service])
            staff = UserFactory(
                username=f"petugas.{number}", role=User.Role.COUNTER_STAFF, agency=agency_a
            )
            queue.counter_open(counter=counter, by=staff)
            for _ in range(3):
                queue.ticket_issue(service=service)
            queue.ticket_call_next(counter=counter, by=staff)
        with django_assert_max_num_queries(6):
            body = api_client.get(_board_url(hall)).json()
        assert len(body["counters"]) == 12
        assert len(body["calls"]) == 8

    def test_a_minute_of_polling_is_not_throttled(self, api_client, hall):
        # A TV polls every second, and several TVs of a hall share one address.
        codes = {api_client.get(_board_url(hall)).status_code for _ in range(120)}
        assert codes == {200}

    def test_unknown_or_inactive_hall_is_404(self, api_client, hall):
        assert api_client.get("/api/v1/halls/tidak-ada/board/").status_code == 404
        hall.is_active = False
        hall.save()
        assert api_client.get(_board_url(hall)).status_code == 404

    def test_no_personal_data(self, api_client, hall, called, staff_a):
        text = api_client.get(_board_url(hall)).content.decode()
        for secret in (
            "081234567890",
            "Berkas KK",
            called.tracking_code,
            staff_a.username,
            staff_a.first_name,
        ):
            assert secret not in text

    def test_another_halls_calls_stay_off_this_board(self, api_client, hall, called):
        other = HallFactory(name="MPP Lain", slug="mpp-lain")
        body = api_client.get(_board_url(other)).json()
        assert body == {**body, "hall": "MPP Lain", "calls": [], "counters": [], "waiting": []}
        assert body["last_call_id"] is None


class TestBoardPage:
    def test_renders_for_an_anonymous_visitor(self, client, hall, called, counter_b):
        response = client.get(_page_url(hall))
        assert response.status_code == 200
        html = response.content.decode()
        assert "MPP Perigo Agung" in html
        assert "Sedang dipanggil" in html
        assert 'id="board-now-code">A-001<' in html
        assert "Nomor antrean A nol nol satu, silakan menuju loket satu" in html
        assert "Aktifkan suara" in html
        assert "Belum ada panggilan sebelumnya" in html
        # Counter tiles and waiting counts as the API gives them.
        assert html.count('<li class="board-counter') == 2
        assert "Kartu Keluarga" in html and "Pajak Kendaraan" in html
        assert f'data-last-call-id="{called.calls.get().pk}"' in html
        assert f'data-api-url="{_board_url(hall)}"' in html
        assert "services/board-chime.wav" in html
        assert "services/board.js" in html
        assert "no-cache" in response["Cache-Control"]

    def test_a_recall_is_marked(self, client, hall, called, staff_a):
        html = client.get(_page_url(hall)).content.decode()
        assert 'id="board-now-recall" hidden>' in html
        queue.ticket_recall(ticket=called, by=staff_a)
        html = client.get(_page_url(hall)).content.decode()
        assert 'id="board-now-recall">Panggilan ulang<' in html

    def test_empty_hall(self, client, hall):
        html = client.get(_page_url(hall)).content.decode()
        assert "Belum ada panggilan" in html
        assert "Belum ada loket yang buka" in html
        assert "Tidak ada yang menunggu" in html
        assert 'data-last-call-id=""' in html

    def test_date_is_written_in_indonesian(self, client, hall):
        # tests/services/conftest.py freezes the clock at Tuesday 1 December 2026, 09:00 WIB.
        html = client.get(_page_url(hall)).content.decode()
        assert "Selasa, 1 Desember 2026" in html

    def test_unknown_or_inactive_hall_is_404(self, client, hall):
        assert client.get("/antrean/layar/tidak-ada/").status_code == 404
        hall.is_active = False
        hall.save()
        assert client.get(_page_url(hall)).status_code == 404

    def test_names_from_the_database_are_escaped(self, client, hall, agency_a, staff_a):
        service = ServiceFactory(agency=agency_a, code="X", name="<img src=x onerror=alert(1)>")
        counter = CounterFactory(agency=agency_a, number=9, services=[service])
        queue.counter_open(counter=counter, by=staff_a)
        queue.ticket_issue(service=service, priority=Priority.NORMAL)
        html = client.get(_page_url(hall)).content.decode()
        assert "<img src=x" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html

    def test_query_count(self, client, hall, called, django_assert_max_num_queries):
        # One for the hall, five for the board (services/selectors.py: calls,
        # counters, tickets at counters, waiting counts, recent transfers).
        with django_assert_max_num_queries(6):
            assert client.get(_page_url(hall)).status_code == 200

    def test_other_halls_agencies_are_not_shown(self, client, hall, called):
        other = HallFactory(name="MPP Lain", slug="mpp-lain")
        agency = AgencyFactory(hall=other, short_name="Instansi Lain")
        ServiceFactory(agency=agency, code="Q", name="Layanan Lain")
        html = client.get(_page_url(other)).content.decode()
        assert "A-001" not in html
        assert "Disdukcapil" not in html
