"""Issuing a ticket close to what PostgreSQL allows: one query for the place,
few columns, the kiosk token's user from the cache."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mpp_portal.accounts.models import User
from services import ordering, queue
from services.models import CounterService, Priority, Ticket
from tests.factories import ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_queue(
    agency_a, service_a, service_a2, service_b, counter_a, counter_a2, staff_a, staff_a2
):
    """Two counters of A/A2 (A weighted 3 at counter 2, one closed), priorities,
    a booking checked in first, and a service no counter serves."""
    lone = ServiceFactory(agency=agency_a, code="L", name="Layanan tanpa loket")
    CounterService.objects.filter(counter=counter_a2, service=service_a).update(weight=3)
    queue.counter_open(counter=counter_a, by=staff_a)
    tickets = []
    for n in range(12):
        service = [service_a, service_a2, lone][n % 3]
        priority = Priority.ELDERLY if n % 4 == 1 else Priority.NORMAL
        if not service.accepts(priority):
            service.accepted_priorities = [Priority.ELDERLY]
            service.save()
        tickets.append(queue.ticket_issue(service=service, priority=priority))
    slot = timezone.now().replace(minute=0, second=0, microsecond=0)
    tickets.append(queue.ticket_issue(service=service_a, booked_slot_at=slot, booked_first=True))
    tickets.append(queue.ticket_issue(service=service_b))
    return tickets


def test_one_tickets_position_equals_the_batch_answer(busy_queue, counter_a, staff_a):
    for ticket in busy_queue:
        assert ordering.ticket_position(ticket) == ordering.queue_positions([ticket])[ticket.pk]
    # The counter's streak counts: after priority calls the answers still agree.
    queue.ticket_call_next(counter=counter_a, by=staff_a)
    waiting = Ticket.objects.filter(status=Ticket.Status.WAITING)
    for ticket in waiting:
        assert ordering.ticket_position(ticket) == ordering.queue_positions([ticket])[ticket.pk]


def test_no_counter_open_counts_every_counter_with_a_fresh_streak(service_a, counter_a, counter_a2):
    first = queue.ticket_issue(service=service_a)
    second = queue.ticket_issue(service=service_a, priority=Priority.NORMAL)
    assert ordering.ticket_position(second) == ordering.queue_positions([second])[second.pk]
    assert ordering.ticket_position(second) == (1, 0)
    assert ordering.ticket_position(first) == (0, 0)


def test_the_api_answers_the_new_tickets_place_without_a_reload(
    busy_queue, token_client, kiosk_user, service_a
):
    client = token_client(kiosk_user)
    client.post("/api/v1/tickets/", {"service": service_a.pk}, format="json")  # warm
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/api/v1/tickets/", {"service": service_a.pk}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    ticket = Ticket.objects.get(pk=body["id"])
    expected = ordering.queue_positions([ticket])[ticket.pk]
    assert body["people_ahead"] == expected[0] > 0
    assert body["estimated_wait_minutes"] == ticket.estimated_wait_minutes(expected[0])
    assert body["counter"] is None and body["service_name"] == service_a.name
    sqls = [q["sql"] for q in queries]
    # No token lookup (cached user), no re-select of the new ticket.
    assert not [s for s in sqls if "authtoken_token" in s]
    assert not [s for s in sqls if s.startswith('SELECT "services_ticket"')]
    # The service is read without its standar pelayanan texts.
    [service_read] = [s for s in sqls if s.startswith('SELECT "services_service"')]
    assert "procedure" not in service_read and "legal_basis" not in service_read
    assert len(sqls) <= 12, "\n".join(sqls)


def test_a_revoked_token_stops_once_the_cache_forgets_it(token_client, kiosk_user, service_a):
    from django.core.cache import cache
    from rest_framework.authtoken.models import Token

    client = token_client(kiosk_user)
    assert (
        client.post("/api/v1/tickets/", {"service": service_a.pk}, format="json").status_code == 201
    )
    Token.objects.filter(user=kiosk_user).delete()
    cache.clear()  # as after TOKEN_CACHE_SECONDS
    response = client.post("/api/v1/tickets/", {"service": service_a.pk}, format="json")
    assert response.status_code == 401


def test_another_halls_kiosk_still_cannot_issue(token_client, service_a):
    from tests.factories import HallFactory

    other = HallFactory(name="MPP Lain", slug="mpp-lain", code="LAI")
    kiosk = UserFactory(username="kiosk.lain", role=User.Role.KIOSK, hall=other)
    client = token_client(kiosk)
    for _ in range(2):  # the second time from the cached user
        response = client.post("/api/v1/tickets/", {"service": service_a.pk}, format="json")
        assert response.status_code == 403


def test_a_bad_service_is_a_400(token_client, kiosk_user):
    client = token_client(kiosk_user)
    response = client.post("/api/v1/tickets/", {"service": 999999}, format="json")
    assert response.status_code == 400
    assert "service" in response.json().get("errors", response.json())
