"""Who is called next: the position a citizen is shown is the real call order.

The positions are read where citizens and agencies read them (tracking API,
tracking page, printed ticket, staff API list, Ticket.people_ahead()); the
order is what the real ticket_call_next() calls. See services.ordering.
"""

import datetime
import itertools
import random

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse

from mpp_portal.workdays import JAKARTA
from services import booking as bookings
from services import ordering, queue
from services.models import BookingSchedule, Counter, Priority, Ticket
from tests.factories import ServiceFactory

N, ELD, DIS, PREG = Priority.NORMAL, Priority.ELDERLY, Priority.DISABILITY, Priority.PREGNANT


def at(hour, minutes):
    """Stop the clock at ``hour`` plus ``minutes`` (past 59 too) on Tuesday 1 December."""
    start = datetime.datetime(2026, 12, 1, hour, tzinfo=JAKARTA)
    return time_machine.travel(start + datetime.timedelta(minutes=minutes), tick=False)


def _booked(service, start, n):
    """Book ``start`` (a time) on Tuesday for citizen ``n``, on Monday; return the booking.

    The service gets a booking schedule calling bookings first (the default).
    """
    BookingSchedule.objects.get_or_create(
        service=service,
        defaults={
            "weekdays": [0, 1, 2, 3, 4],
            "opens": datetime.time(8),
            "closes": datetime.time(12),
            "seats_per_slot": 4,
            "days_ahead": 7,
        },
    )
    monday = datetime.datetime(2026, 11, 30, 10, tzinfo=JAKARTA)
    with time_machine.travel(monday, tick=False):
        booking, _token = bookings.booking_create(
            service=service,
            day=datetime.date(2026, 12, 1),
            slot_start=start,
            name=f"Warga {n}",
            nik=f"17070141019000{n:02d}",
            phone=f"0812987654{n:02d}",
        )
    return booking


def _one_at_a_time(priority_line, normal_line, streak):
    """The rule as counter staff know it, one call at a time."""
    lines, order = {True: list(priority_line), False: list(normal_line)}, []
    while lines[True] or lines[False]:
        first = streak < Counter.PRIORITY_STREAK_LIMIT  # True: the priority line
        is_priority = first if lines[first] else not first
        order.append(lines[is_priority].pop(0))
        streak = streak + 1 if is_priority else 0
    return order


def test_the_merge_is_the_one_call_at_a_time_rule():
    rng = random.Random(9)
    for _ in range(2000):
        priority = [f"P{i}" for i in range(rng.randint(0, 9))]
        normal = [f"N{i}" for i in range(rng.randint(0, 9))]
        streak = rng.randint(0, 6)
        assert ordering.call_order(priority, normal, streak=streak) == _one_at_a_time(
            priority, normal, streak
        ), (len(priority), len(normal), streak)


@pytest.fixture
def service_a3(agency_a):
    return ServiceFactory(agency=agency_a, name="Legalisir", slug="legalisir", code="L")


@pytest.fixture
def mixed_queue(
    counter_a,
    counter_b,
    staff_a,
    staff_b,
    agency_admin_a,
    service_a,
    service_a2,
    service_a3,
    service_b,
    kiosk_user,
):
    """One counter with three weighted services, every priority group, a transfer,
    a late no-show and bookings checked in (two services, early and late in their slot).

    Returns the waiting tickets, with ``phone`` on some of them.
    """
    queue.counter_service_assign(counter=counter_a, service=service_a2, weight=3, by=agency_admin_a)
    queue.counter_service_assign(counter=counter_a, service=service_a3, weight=2, by=agency_admin_a)
    booked = [
        _booked(service_a, datetime.time(9), 1),
        _booked(service_a, datetime.time(9, 30), 2),
        _booked(service_a2, datetime.time(9), 3),
    ]
    with at(8, 30):
        late = queue.ticket_issue(service=service_a)
    with at(8, 31):
        queue.counter_open(counter=counter_a, by=staff_a)
        called = queue.ticket_call_next(counter=counter_a, by=staff_a)
        assert called == late
        queue.ticket_skip(ticket=late, by=staff_a)
    with at(8, 35):
        # Two priority calls: Loket 1 starts the queue below with a streak of 2.
        for _ in range(2):
            queue.ticket_issue(service=service_a2, priority=ELD)
            queue.ticket_finish(
                ticket=queue.ticket_start(
                    ticket=queue.ticket_call_next(counter=counter_a, by=staff_a), by=staff_a
                ),
                by=staff_a,
            )
    with at(8, 40):
        moved = queue.ticket_issue(service=service_b)
    with at(8, 45):
        queue.counter_open(counter=counter_b, by=staff_b)
        moved = queue.ticket_call_next(counter=counter_b, by=staff_b)
        queue.ticket_start(ticket=moved, by=staff_b)
        # Keeps its 08.40 arrival in Legalisir (weight 2 at Loket 1).
        queue.ticket_transfer(ticket=moved, to_service=service_a3, by=staff_b)
    arrivals = [
        (0, service_a, N, True),
        (1, service_a2, N, False),
        (2, service_a, ELD, False),
        (3, service_a3, N, True),
        (4, service_a, PREG, True),
        (5, service_a2, DIS, False),
        (6, service_a, N, False),
        (7, service_a3, ELD, False),
        (8, service_a, N, True),
        (10, service_a, ELD, False),
        (12, service_a2, N, False),
        (14, service_a, DIS, False),
        (16, service_a, N, True),
        (18, service_a3, N, False),
        (20, service_a2, PREG, True),
        (22, service_a, N, False),
        (25, service_a2, N, True),
        (26, service_a, N, True),
    ]
    for i, (minute, service, priority, phone) in enumerate(arrivals):
        with at(9, minute):
            queue.ticket_issue(
                service=service, priority=priority, phone=f"+62812345678{i:02d}" if phone else ""
            )
        if minute == 7:
            with at(9, 7):
                # The 09.30 booking checks in early, before the 09.00 ones.
                bookings.booking_check_in(code=booked[1].code, by=kiosk_user)
    with at(9, 27):
        # Late in their slot: ahead of the walk-ins still, in slot order.
        for booking in (booked[0], booked[2]):
            bookings.booking_check_in(code=booking.code, by=kiosk_user)
    with at(9, 28):
        # The no-show comes back late and is put back at its own place.
        assert queue.ticket_requeue(ticket=late, by=staff_a).status == "waiting"
    waiting = list(Ticket.objects.filter(status=Ticket.Status.WAITING))
    assert len(waiting) == len(arrivals) + 2 + len(booked)
    assert sum(t.booked_first for t in waiting) == len(booked)
    counter_a.refresh_from_db()
    assert counter_a.priority_streak == 2
    return waiting


def _shown(client, api_client, staff_api, tickets):
    """Return {ticket id: people ahead}, checking that every place shows the same."""
    listed = {
        row["id"]: row["people_ahead"]
        for row in staff_api.get("/api/v1/tickets/", {"status": "waiting"}).json()["results"]
    }
    shown = {}
    for ticket in tickets:
        code = ticket.tracking_code
        tracked = api_client.get(f"/api/v1/tickets/track/{code}/").json()["people_ahead"]
        page = client.get(reverse("services:track", args=[code])).context["people_ahead"]
        printed = client.get(reverse("services:ticket_print", args=[code])).context["people_ahead"]
        fresh = Ticket.objects.get(pk=ticket.pk).people_ahead()
        assert tracked == page == printed == fresh == listed[ticket.pk], ticket.code
        shown[ticket.pk] = tracked
    return shown


def _near_turn_told():
    from mpp_portal.notifications.models import OutboxMessage

    keys = OutboxMessage.objects.values_list("dedupe_key", flat=True)
    return {int(key.rsplit("-", 1)[1]) for key in keys if key.startswith("ticket-near-turn-")}


def test_every_ticket_is_called_at_the_position_it_was_shown(
    client,
    api_client,
    token_client,
    mixed_queue,
    counter_a,
    staff_a,
    django_capture_on_commit_callbacks,
):
    with at(9, 30):
        shown = _shown(client, api_client, token_client(staff_a), mixed_queue)
    assert sorted(shown.values()) == list(range(len(mixed_queue)))
    phones = {t.pk for t in mixed_queue if t.phone}
    told_before = set()
    for k in range(len(mixed_queue)):
        # The clock runs between calls: a place does not drift with it.
        with at(9, 30 + 7 * k):
            with django_capture_on_commit_callbacks(execute=True):
                ticket = queue.ticket_call_next(counter=counter_a, by=staff_a)
            assert shown[ticket.pk] == k, (ticket.code, shown[ticket.pk], k)
            if k % 2:
                queue.ticket_finish(
                    ticket=queue.ticket_start(ticket=ticket, by=staff_a), by=staff_a
                )
            else:
                queue.ticket_skip(ticket=ticket, by=staff_a)
        # Told once, right after the call that leaves NEAR_TURN_AHEAD or
        # fewer ahead of them: the ticket that really is that near.
        told = _near_turn_told()
        expected = {
            pk for pk in phones if shown[pk] > k and shown[pk] - (k + 1) <= queue.NEAR_TURN_AHEAD
        }
        assert told - told_before == expected - told_before, k
        assert told <= expected | told_before
        told_before = told
    assert queue.ticket_call_next(counter=counter_a, by=staff_a) is None
    assert told_before == phones


def test_the_console_lists_the_same_order(mixed_queue, counter_a):
    with at(9, 30):
        listed = queue.waiting_in_call_order(counter_a)
        shown = {t.pk: t.people_ahead() for t in Ticket.objects.with_queue_position()}
    assert [shown[t.pk] for t in listed] == list(range(len(mixed_queue)))


def test_the_weighted_service_keeps_its_place_as_time_passes(
    counter_a, staff_a, agency_admin_a, service_a, service_a2
):
    """Weight 3 is 20 minutes of head start, not a multiplier of the wait.

    A multiplied wait would put K-001 behind A-001 at 09.30 and ahead at
    09.45: the position shown at 09.30 would be wrong at 09.45.
    """
    queue.counter_service_assign(counter=counter_a, service=service_a2, weight=3, by=agency_admin_a)
    queue.counter_open(counter=counter_a, by=staff_a)
    with at(9, 10):
        a = queue.ticket_issue(service=service_a)
    with at(9, 25):
        k = queue.ticket_issue(service=service_a2)
    with at(9, 30):
        assert (a.people_ahead(), k.people_ahead()) == (1, 0)
    with at(9, 45):
        assert queue.ticket_call_next(counter=counter_a, by=staff_a) == k


class TestSeveralCounters:
    """People ahead is the best case over the open counters of the service."""

    @pytest.fixture
    def two_counters(
        self,
        counter_a,
        counter_a2,
        staff_a,
        staff_a2,
        agency_admin_a,
        service_a,
        service_a2,
        kiosk_user,
    ):
        # Loket 1 prefers KK (weight 3); Loket 2 serves KTP-el only.
        queue.counter_service_assign(
            counter=counter_a, service=service_a2, weight=3, by=agency_admin_a
        )
        counter_a2.counterservice_set.filter(service=service_a2).delete()
        queue.counter_open(counter=counter_a, by=staff_a)
        queue.counter_open(counter=counter_a2, by=staff_a2)
        a, k = service_a, service_a2
        # One a minute from 09.00.
        plan = [(a, N), (k, N), (a, ELD), (a, N), (k, PREG), (a, DIS), (k, N), (a, ELD)]
        plan += [(a, N), (a, PREG), (k, N), (a, N)]
        for minute, (service, priority) in enumerate(plan):
            with at(9, minute):
                queue.ticket_issue(service=service, priority=priority)
        # A booking of each service checks in last: first at the counters
        # that serve its service.
        for n, service in enumerate((a, k), start=1):
            booking = _booked(service, datetime.time(9), n)
            with at(9, 12 + n):
                bookings.booking_check_in(code=booking.code, by=kiosk_user)
        return {counter_a: staff_a, counter_a2: staff_a2}

    def _alone(self, counter, staff):
        """Let ``counter`` alone call everything it can; return {ticket id: calls before}."""
        order = {}
        with transaction.atomic():
            for k in itertools.count():
                ticket = queue.ticket_call_next(counter=counter, by=staff)
                if ticket is None:
                    break
                order[ticket.pk] = k
                queue.ticket_skip(ticket=ticket, by=staff)
            transaction.set_rollback(True)
        return order

    def test_shown_is_the_best_counter_calling_alone(self, two_counters):
        with at(9, 30):
            shown = {t.pk: t.people_ahead() for t in Ticket.objects.with_queue_position()}
            alone = [self._alone(counter, staff) for counter, staff in two_counters.items()]
        for pk, ahead in shown.items():
            assert ahead == min(order[pk] for order in alone if pk in order)
        # Loket 2 never calls KK; some KTP-el ticket is nearer at Loket 2.
        assert any(0 < alone[1].get(pk, 99) < alone[0][pk] for pk in shown)

    def test_with_both_calling_nobody_waits_longer_than_shown(self, two_counters):
        with at(9, 30):
            shown = {t.pk: t.people_ahead() for t in Ticket.objects.with_queue_position()}
            best = {}
            for counter, staff in two_counters.items():
                for pk, k in self._alone(counter, staff).items():
                    if k == shown[pk]:
                        best.setdefault(pk, counter.pk)
            calls = {counter.pk: 0 for counter in two_counters}
            called_after = {}
            for counter, staff in itertools.cycle(two_counters.items()):
                ticket = queue.ticket_call_next(counter=counter, by=staff)
                if ticket is None:
                    if not Ticket.objects.filter(status=Ticket.Status.WAITING).exists():
                        break
                    continue
                called_after[ticket.pk] = dict(calls)
                calls[counter.pk] += 1
                queue.ticket_skip(ticket=ticket, by=staff)
        for pk, ahead in shown.items():
            # Its best counter had called at most ``ahead`` others before it.
            assert called_after[pk][best[pk]] <= ahead
