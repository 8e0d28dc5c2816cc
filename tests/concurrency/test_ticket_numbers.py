"""Many kiosks and counters at once against the real PostgreSQL.

Each thread has its own database connection, so the row locks of
TicketSequence and the SKIP LOCKED of call-next are really exercised.
"""

import contextlib
import datetime
import threading
from collections import Counter as Tally
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.db import connection

from mpp_portal.accounts.models import User
from mpp_portal.workdays import JAKARTA
from services import queue
from services.models import Priority, Ticket
from tests.factories import AgencyFactory, CounterFactory, HallFactory, ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

OPEN_MOMENT = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=JAKARTA)
THREADS = 16


@pytest.fixture(autouse=True)
def _office_hours():
    with time_machine.travel(OPEN_MOMENT, tick=True):
        yield


def _in_thread(function):
    """Run ``function`` and close this thread's connection afterwards."""

    def run(*args):
        try:
            return function(*args)
        finally:
            connection.close()

    return run


def _hammer(function, args_list):
    barrier = threading.Barrier(min(THREADS, len(args_list)))

    def start_together(*args):
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=5)
        return function(*args)

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(_in_thread(start_together), *zip(*args_list, strict=True)))


def test_200_tickets_for_one_service_are_numbered_1_to_200():
    service = ServiceFactory(code="A")
    tickets = _hammer(lambda _n: queue.ticket_issue(service=service), [(n,) for n in range(200)])
    numbers = sorted(t.number for t in tickets)
    assert numbers == list(range(1, 201))
    stored = list(Ticket.objects.order_by("number").values_list("number", flat=True))
    assert stored == list(range(1, 201))


def test_200_tickets_over_several_services_number_each_service_alone():
    agency = AgencyFactory()
    services = [ServiceFactory(agency=agency, code=code) for code in ("A", "B", "C", "D")]
    requests = [
        (services[n % 4], Priority.ELDERLY if n % 7 == 0 else Priority.NORMAL) for n in range(200)
    ]
    _hammer(lambda s, p: queue.ticket_issue(service=s, priority=p), requests)
    for service in services:
        numbers = sorted(Ticket.objects.filter(service=service).values_list("number", flat=True))
        assert numbers == list(range(1, 51)), service.code


def test_daily_cap_holds_under_concurrency():
    service = ServiceFactory(code="Q", daily_ticket_cap=30)

    def issue(_n):
        try:
            return queue.ticket_issue(service=service).number
        except queue.DailyCapReached:
            return None

    results = _hammer(issue, [(n,) for n in range(60)])
    issued = sorted(n for n in results if n is not None)
    assert issued == list(range(1, 31))
    assert Ticket.objects.count() == 30


def test_counters_calling_at_once_never_share_a_ticket():
    hall = HallFactory()
    agency = AgencyFactory(hall=hall)
    services = [ServiceFactory(agency=agency, code=code) for code in ("A", "B")]
    staff, counters = [], []
    for number in range(1, 5):
        member = UserFactory(
            username=f"petugas{number}", role=User.Role.COUNTER_STAFF, agency=agency
        )
        counter = CounterFactory(agency=agency, hall=hall, number=number, services=services)
        queue.counter_open(counter=counter, by=member)
        staff.append(member)
        counters.append(counter)
    for n in range(60):
        queue.ticket_issue(
            service=services[n % 2], priority=Priority.ELDERLY if n % 5 == 0 else Priority.NORMAL
        )

    def drain(counter, member):
        called = []
        while True:
            ticket = queue.ticket_call_next(counter=counter, by=member)
            if ticket is None:
                return called
            queue.ticket_finish(ticket=queue.ticket_start(ticket=ticket, by=member), by=member)
            called.append(ticket.pk)

    results = _hammer(drain, list(zip(counters, staff, strict=True)))
    every_call = [pk for called in results for pk in called]
    assert len(every_call) == 60
    assert max(Tally(every_call).values()) == 1
    assert Ticket.objects.filter(status=Ticket.Status.DONE).count() == 60
    # Work was shared: several counters called tickets.
    assert sum(1 for called in results if called) >= 2
