"""Many people booking the last seats at once never overbook."""

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection

from mpp_portal.workdays import JAKARTA
from services import booking as bookings
from services.models import Booking, BookingSchedule, BookingSeat
from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db(transaction=True)
T = datetime.time
WED = datetime.date(2026, 12, 2)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(datetime.datetime(2026, 12, 1, 9, 0, tzinfo=JAKARTA), tick=True):
        yield


def _nik(n):
    # A man born 15 Jan 1990 in Lebong Utara; the serial makes each unique.
    return f"170701150190{n:04d}"


def _hammer(function, count, threads=16):
    barrier = threading.Barrier(threads)

    def run(n):
        try:
            if n < threads:
                barrier.wait(timeout=10)
            return function(n)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(run, range(count)))


def _try_book(service, start):
    def book(n):
        try:
            bookings.booking_create(
                service=service,
                day=WED,
                slot_start=start,
                name=f"W{n}",
                nik=_nik(n + 1),
                phone=f"0812{n:08d}",
            )
            return "ok"
        except bookings.SlotFull:
            return "full"
        except ValidationError as exc:
            return str(exc)

    return book


def test_forty_people_for_three_seats_of_one_slot():
    service = ServiceFactory(code="A")
    BookingSchedule.objects.create(
        service=service,
        weekdays=[0, 1, 2, 3, 4],
        opens=T(8),
        closes=T(12),
        seats_per_slot=3,
        daily_quota=50,
    )
    results = _hammer(_try_book(service, T(9)), 40)
    assert results.count("ok") == 3
    assert results.count("full") == 37
    assert Booking.objects.filter(slot_start=T(9)).count() == 3
    assert BookingSeat.objects.get(service=service, date=WED, slot_start=T(9)).taken == 3


def test_daily_quota_holds_across_slots():
    service = ServiceFactory(code="B")
    BookingSchedule.objects.create(
        service=service,
        weekdays=[0, 1, 2, 3, 4],
        opens=T(8),
        closes=T(12),
        seats_per_slot=10,
        daily_quota=7,
    )
    starts = [T(8), T(8, 30), T(9), T(9, 30), T(10), T(10, 30)]

    def book(n):
        return _try_book(service, starts[n % len(starts)])(n)

    results = _hammer(book, 48)
    assert results.count("ok") == 7
    assert Booking.objects.filter(service=service).count() == 7
    assert BookingSeat.objects.get(service=service, date=WED, slot_start=None).taken == 7
