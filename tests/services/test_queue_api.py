"""The queue's REST API: the contract other issues and agencies rely on."""

import pytest

from services.models import Ticket

TICKET_FIELDS = {
    "id",
    "code",
    "number",
    "service",
    "status",
    "people_ahead",
    "estimated_wait_minutes",
    "tracking_code",
}


@pytest.fixture
def kiosk(token_client, kiosk_user):
    return token_client(kiosk_user)


@pytest.fixture
def staff(token_client, staff_a):
    return token_client(staff_a)


def _issue(client, service, **extra):
    return client.post("/api/v1/tickets/", {"service": service.pk, "priority": "normal", **extra})


class TestServicesApi:
    def test_public_list_filters_by_agency_and_hall(
        self, api_client, service_a, service_b, django_assert_max_num_queries
    ):
        with django_assert_max_num_queries(3):
            response = api_client.get("/api/v1/services/", {"agency": service_a.agency_id})
        assert response.status_code == 200
        assert [row["code"] for row in response.json()["results"]] == ["A"]
        response = api_client.get("/api/v1/services/", {"hall": "perigo-agung"})
        assert {row["code"] for row in response.json()["results"]} == {"A", "P"}
        assert api_client.get("/api/v1/services/", {"hall": "lain"}).json()["count"] == 0

    def test_detail_has_the_standar_pelayanan(self, api_client, service_a):
        body = api_client.get(f"/api/v1/services/{service_a.pk}/").json()
        assert body["requirements"] == ["KTP-el asli", "Kartu Keluarga"]
        assert body["fee_display"] == "Gratis"

    def test_search_in_indonesian(self, api_client, service_a, service_b):
        response = api_client.get("/api/v1/services/", {"q": "pajak"})
        assert [row["code"] for row in response.json()["results"]] == ["P"]

    def test_counters_list_their_services(
        self, api_client, counter_a, service_a, service_a2, django_assert_max_num_queries
    ):
        with django_assert_max_num_queries(3):
            body = api_client.get("/api/v1/counters/").json()
        row = body["results"][0]
        assert row["services"] == sorted([service_a.pk, service_a2.pk])
        assert row["agency"] == counter_a.agency_id
        assert row["is_open"] is False


class TestIssueTicket:
    def test_kiosk_issues_a_ticket(self, kiosk, service_a):
        response = _issue(kiosk, service_a)
        assert response.status_code == 201
        body = response.json()
        assert set(body) >= TICKET_FIELDS
        assert (body["code"], body["number"], body["status"]) == ("A-001", 1, "waiting")
        assert body["people_ahead"] == 0
        assert body["estimated_wait_minutes"] == service_a.average_service_minutes

    def test_bad_input_is_400_field_by_field(self, kiosk, service_a):
        response = kiosk.post(
            "/api/v1/tickets/", {"service": 99999, "priority": "vip", "phone": "12"}
        )
        assert response.status_code == 400
        assert set(response.json()["errors"]) == {"service", "priority", "phone"}
        assert Ticket.objects.count() == 0

    def test_closed_service_is_409_with_a_message(self, kiosk, service_a):
        service_a.is_active = False
        service_a.save()
        response = _issue(kiosk, service_a)
        assert response.status_code == 409
        assert response.json()["code"] == "service_closed"

    def test_citizen_and_anonymous_cannot_issue(self, api_client, token_client, citizen, service_a):
        assert _issue(api_client, service_a).status_code == 401
        assert _issue(token_client(citizen), service_a).status_code == 403

    def test_kiosk_of_another_hall_cannot_issue(self, token_client, service_a):
        from mpp_portal.accounts.models import User
        from tests.factories import HallFactory, UserFactory

        other = UserFactory(
            username="kios.lain", role=User.Role.KIOSK, hall=HallFactory(slug="lain")
        )
        assert _issue(token_client(other), service_a).status_code == 403

    def test_kiosk_can_only_issue(self, kiosk, service_a, counter_a):
        ticket_id = _issue(kiosk, service_a).json()["id"]
        assert kiosk.post(f"/api/v1/counters/{counter_a.pk}/open/").status_code == 403
        assert kiosk.post(f"/api/v1/tickets/{ticket_id}/skip/").status_code == 403
        assert kiosk.get("/api/v1/tickets/").status_code == 403

    def test_kiosk_is_never_throttled_like_anonymous_callers(self, kiosk, service_a, settings):
        # Past the anonymous rate (60/min); the kiosk's own ticket rate
        # (tests/platform/test_kiosk_tokens.py) is lifted out of the way.
        settings.KIOSK_TICKETS_PER_MINUTE = 100
        codes = {_issue(kiosk, service_a).status_code for _ in range(70)}
        assert codes == {201}


class TestTracking:
    def test_anybody_with_the_code_tracks_without_personal_data(self, kiosk, api_client, service_a):
        _issue(kiosk, service_a)
        body = _issue(kiosk, service_a, phone="081234567890").json()
        response = api_client.get(f"/api/v1/tickets/track/{body['tracking_code']}/")
        assert response.status_code == 200
        tracked = response.json()
        assert (tracked["status"], tracked["people_ahead"]) == ("waiting", 1)
        assert "phone" not in tracked and "812345" not in response.content.decode()
        assert api_client.get("/api/v1/tickets/track/tidak-ada/").status_code == 404


class TestConsoleApi:
    def test_full_round(self, staff, kiosk, counter_a, service_a, service_b):
        ticket_id = _issue(kiosk, service_a).json()["id"]
        response = staff.post(f"/api/v1/counters/{counter_a.pk}/open/")
        assert response.status_code == 200 and response.json()["is_open"] is True
        called = staff.post(f"/api/v1/counters/{counter_a.pk}/call-next/")
        assert called.status_code == 200
        assert (called.json()["id"], called.json()["status"]) == (ticket_id, "called")
        assert called.json()["counter"]["number"] == counter_a.number
        assert staff.post(f"/api/v1/tickets/{ticket_id}/recall/").json()["call_count"] == 2
        assert staff.post(f"/api/v1/tickets/{ticket_id}/start/").json()["status"] == "serving"
        moved = staff.post(f"/api/v1/tickets/{ticket_id}/transfer/", {"service": service_b.pk})
        assert (moved.json()["status"], moved.json()["service"]) == ("waiting", service_b.pk)
        assert staff.post(f"/api/v1/counters/{counter_a.pk}/call-next/").status_code == 204
        assert staff.post(f"/api/v1/counters/{counter_a.pk}/close/").json()["is_open"] is False

    def test_close_with_a_called_ticket_is_409(self, staff, kiosk, counter_a, service_a):
        _issue(kiosk, service_a)
        staff.post(f"/api/v1/counters/{counter_a.pk}/open/")
        staff.post(f"/api/v1/counters/{counter_a.pk}/call-next/")
        response = staff.post(f"/api/v1/counters/{counter_a.pk}/close/")
        assert response.status_code == 409
        assert response.json()["code"] == "ticket_in_progress"
        assert "A-001" in str(response.json())
        assert staff.get(f"/api/v1/counters/{counter_a.pk}/").json()["is_open"] is True

    def test_transfer_to_a_service_refusing_the_priority_is_409(
        self, staff, kiosk, counter_a, service_a, service_b
    ):
        service_b.accepted_priorities = []
        service_b.save()
        ticket_id = _issue(kiosk, service_a, priority="ibu_hamil").json()["id"]
        staff.post(f"/api/v1/counters/{counter_a.pk}/open/")
        staff.post(f"/api/v1/counters/{counter_a.pk}/call-next/")
        response = staff.post(f"/api/v1/tickets/{ticket_id}/transfer/", {"service": service_b.pk})
        assert response.status_code == 409
        assert response.json()["code"] == "priority_not_accepted"
        assert Ticket.objects.get(pk=ticket_id).service_id == service_a.pk

    def test_forbidden_transition_is_409(self, staff, kiosk, service_a):
        ticket_id = _issue(kiosk, service_a).json()["id"]
        response = staff.post(f"/api/v1/tickets/{ticket_id}/finish/")
        assert response.status_code == 409
        assert response.json()["code"] == "transition_not_allowed"

    def test_transfer_needs_a_valid_service(self, staff, kiosk, counter_a, service_a):
        ticket_id = _issue(kiosk, service_a).json()["id"]
        response = staff.post(f"/api/v1/tickets/{ticket_id}/transfer/", {"service": 0})
        assert response.status_code == 400
        assert "service" in response.json()["errors"]

    def test_agency_b_cannot_see_or_act_on_agency_a(
        self, token_client, staff_b, kiosk, counter_a, service_a
    ):
        ticket_id = _issue(kiosk, service_a).json()["id"]
        client = token_client(staff_b)
        assert client.post(f"/api/v1/counters/{counter_a.pk}/open/").status_code == 403
        assert client.post(f"/api/v1/counters/{counter_a.pk}/call-next/").status_code == 403
        assert client.get(f"/api/v1/tickets/{ticket_id}/").status_code == 404
        assert client.post(f"/api/v1/tickets/{ticket_id}/skip/").status_code == 404
        assert client.get("/api/v1/tickets/").json()["count"] == 0

    def test_citizen_cannot_use_staff_endpoints(self, token_client, citizen, counter_a):
        client = token_client(citizen)
        assert client.post(f"/api/v1/counters/{counter_a.pk}/call-next/").status_code == 403
        assert client.get("/api/v1/tickets/").status_code == 403

    def test_ticket_list_is_scoped_and_bounded(
        self, staff, kiosk, service_a, service_b, django_assert_max_num_queries
    ):
        for _ in range(5):
            _issue(kiosk, service_a)
            _issue(kiosk, service_b)
        with django_assert_max_num_queries(20):
            body = staff.get("/api/v1/tickets/").json()
        assert body["count"] == 5
        assert {row["service"] for row in body["results"]} == {service_a.pk}

    def test_ticket_list_costs_the_same_for_5_and_25_tickets(
        self, staff, kiosk, staff_a, counter_a, service_a, django_assert_max_num_queries
    ):
        """people_ahead and estimated_wait_minutes come from annotations, not per row."""
        from django.db import connection, reset_queries
        from django.test.utils import CaptureQueriesContext

        from services import queue

        queue.counter_open(counter=counter_a, by=staff_a)

        def issue(n):
            for i in range(n):
                _issue(kiosk, service_a, priority="lansia" if i % 4 == 1 else "normal")

        issue(5)
        # A request clears connection.queries when it starts; clear it first
        # so that the captured slice starts at zero.
        reset_queries()
        with CaptureQueriesContext(connection) as five:
            body = staff.get("/api/v1/tickets/").json()
        assert body["count"] == 5
        cost_of_five = len(five.captured_queries)
        assert cost_of_five <= 5
        issue(20)
        reset_queries()
        with django_assert_max_num_queries(cost_of_five):
            body = staff.get("/api/v1/tickets/").json()
        assert body["count"] == 25 and len(body["results"]) == 25
        # The annotations give what the per-ticket methods give.
        for row in body["results"]:
            ticket = Ticket.objects.get(pk=row["id"])
            ahead = ticket.people_ahead()
            assert row["people_ahead"] == ahead
            assert row["estimated_wait_minutes"] == ticket.estimated_wait_minutes(ahead)
        assert {row["people_ahead"] for row in body["results"]} == set(range(25))


class TestBoardApi:
    def test_board_shows_calls_and_answers_304_when_unchanged(
        self, api_client, kiosk, staff, counter_a, service_a, django_assert_max_num_queries
    ):
        _issue(kiosk, service_a)
        _issue(kiosk, service_a)
        url = "/api/v1/halls/perigo-agung/board/"
        with django_assert_max_num_queries(5):
            first = api_client.get(url)
        assert first.status_code == 200
        assert first.json()["waiting"][0]["waiting"] == 2
        etag = first["ETag"]
        assert api_client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
        staff.post(f"/api/v1/counters/{counter_a.pk}/open/")
        staff.post(f"/api/v1/counters/{counter_a.pk}/call-next/")
        changed = api_client.get(url, HTTP_IF_NONE_MATCH=etag)
        assert changed.status_code == 200
        body = changed.json()
        assert body["calls"][0]["code"] == "A-001"
        assert body["calls"][0]["counter_number"] == counter_a.number
        assert body["counters"][0]["ticket"] == "A-001"
        assert body["last_call_id"] == body["calls"][0]["id"]

    def test_unknown_hall_is_404(self, api_client, db):
        assert api_client.get("/api/v1/halls/tidak-ada/board/").status_code == 404
