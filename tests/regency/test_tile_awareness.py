"""Public awareness: visits, online bookings, new vs returning visitors, catalogue views.

A hand-counted world for March 2026 (previous period February):

- P (0812-1111-0001): tickets at agency A in January and March, one at
  agency B in March -> returning in March for the hall and agency A, new to B.
- Q: a booking at A created on 10 March and a ticket at A in March
  -> one person, new in March.
- R: tickets at A in February (new then) and on 31 March at 23:30 WIB
  (16:30 UTC, still March) -> returning in March.
- S: a booking at A created on 31 March at 23:30 WIB -> March, new; T's
  booking at 00:10 WIB on 1 April is not in March.
- one ticket at A in March without a phone: a visit, not a visitor.
- page views: March catalogue 5, March A's service page 3, B's 2, February
  catalogue 4, another hall's 100.
"""

import datetime
import itertools

import pytest

from mpp_portal.pageviews.models import PageViewDay
from regency.figures import Context, awareness
from regency.periods import MONTH, QUARTER, Period
from services.models import Booking, Ticket
from tests.factories import BookingFactory, HallFactory, ServiceFactory
from tests.regency.conftest import wib

MARCH = Period(MONTH, 2026, 3)
TODAY = datetime.date(2026, 4, 8)
P, Q, R, S, T = (f"+6281211110{n:03d}" for n in range(1, 6))
_numbers = itertools.count(1000)


def visit(service, day, phone="", hour=9, minute=0):
    n = next(_numbers)
    issued = wib(day.year, day.month, day.day, hour, minute)
    return Ticket.objects.create(
        service=service,
        numbered_service=service,
        date=day,
        number=n,
        code=f"V-{n}",
        status=Ticket.Status.WAITING,
        issued_at=issued,
        queued_at=issued,
        phone=phone,
    )


def booking(service, created_at, phone, nik):
    return BookingFactory(
        service=service,
        date=created_at.date() + datetime.timedelta(days=3),
        created_at=created_at,
        phone=phone,
        nik=nik,
        status=Booking.Status.BOOKED,
    )


@pytest.fixture
def world(hall, agency_a, agency_b):
    a = ServiceFactory(agency=agency_a, name="KTP-el", slug="ktp")
    b = ServiceFactory(agency=agency_b, name="PBB", slug="pbb")
    visit(a, datetime.date(2026, 1, 15), P)
    visit(a, datetime.date(2026, 3, 2), P)
    visit(b, datetime.date(2026, 3, 3), P)
    booking(a, wib(2026, 3, 10, 20), Q, "1707015001900002")
    visit(a, datetime.date(2026, 3, 13), Q)
    visit(a, datetime.date(2026, 2, 20), R)
    visit(a, datetime.date(2026, 3, 31), R, hour=23, minute=30)
    booking(a, wib(2026, 3, 31, 23, 30), S, "1707015001900004")
    booking(a, wib(2026, 4, 1, 0, 10), T, "1707015001900005")
    visit(a, datetime.date(2026, 3, 20))
    other = HallFactory(slug="mpp-lain", name="MPP Lain")
    rows = [
        (datetime.date(2026, 3, 5), hall, "catalogue", None, 5),
        (datetime.date(2026, 3, 6), hall, "service", a.pk, 3),
        (datetime.date(2026, 3, 31), hall, "service", b.pk, 2),
        (datetime.date(2026, 2, 27), hall, "catalogue", None, 4),
        (datetime.date(2026, 3, 5), other, "catalogue", None, 100),
        (datetime.date(2026, 4, 1), hall, "catalogue", None, 7),
    ]
    for date, where, kind, obj, count in rows:
        PageViewDay.objects.create(date=date, hall=where, kind=kind, object_id=obj, count=count)
    return a, b


def values(tile):
    return {f.key: (f.value, f.previous) for f in tile.figures}


def test_hall_figures_match_the_hand_count(world, hall, django_assert_num_queries):
    # The transaction without JIT (savepoint, SET LOCAL jit = off, release),
    # the rolled days, the statement.
    with django_assert_num_queries(5):
        tile = awareness.build(Context(hall, MARCH, today=TODAY))
    assert values(tile) == {
        "visits": (5, 1),  # P, P at B, Q, R at 23:30, no phone; February: R
        "bookings_online": (2, 0),  # Q, S (T is April)
        "visitors": (4, 1),  # P, Q, R, S ; February: R
        "visitors_new": (2, 1),  # Q, S ; February: R
        "visitors_returning": (2, 0),  # P, R
        "catalogue_views": (10, 4),
    }
    assert tile.table.rows == [["Mar 2026", 5, 2, 4, 2, 2, 10]]
    assert tile.chart.labels == ["Mar 2026"]


def test_agency_slice_counts_its_own_services_and_new_to_it(world, hall, agency_a, agency_b):
    tile = awareness.build(Context(hall, MARCH, agency=agency_a, today=TODAY))
    assert "baru bagi instansi ini" in tile.definition
    a = values(tile)
    assert a["visits"] == (4, 1)
    assert a["visitors"] == (4, 1)
    assert a["visitors_new"] == (2, 1)
    assert a["catalogue_views"] == (3, 0)  # its service page only
    b = values(awareness.build(Context(hall, MARCH, agency=agency_b, today=TODAY)))
    # P first came to agency B in March: new to B, although not to the hall.
    assert b == {
        "visits": (1, 0),
        "bookings_online": (0, 0),
        "visitors": (1, 0),
        "visitors_new": (1, 0),
        "visitors_returning": (0, 0),
        "catalogue_views": (2, 0),
    }


def test_quarter_series_has_one_row_per_month(world, hall):
    tile = awareness.build(Context(hall, Period(QUARTER, 2026, 1), today=TODAY))
    assert [row[0] for row in tile.table.rows] == ["Jan 2026", "Feb 2026", "Mar 2026"]
    # January: P new; February: R new; March: Q and S new, P and R back.
    assert [row[3:6] for row in tile.table.rows] == [[1, 1, 0], [1, 1, 0], [4, 2, 2]]
    # Over the quarter: four people, all new in it (P's first visit is January).
    assert values(tile)["visitors"] == (4, 0)
    assert values(tile)["visitors_new"] == (4, 0)


def test_no_phone_nik_or_hash_leaves_the_database(world, hall):
    tile = awareness.build(Context(hall, MARCH, public=True, today=TODAY))
    text = repr(tile)
    for secret in (P, Q, "081211110002", "1707015001900002", "81211110001"):
        assert secret not in text
    assert "md5" not in text


def test_empty_period_is_zero_not_an_error(hall):
    tile = awareness.build(Context(hall, MARCH, today=TODAY))
    assert values(tile)["visits"] == (0, 0)
    assert tile.table.rows == [["Mar 2026", 0, 0, 0, 0, 0, 0]]


def test_visits_of_rolled_days_come_from_the_daily_rollup(world, hall):
    from services.rollup import rollup_days

    before = values(awareness.build(Context(hall, MARCH, today=TODAY)))
    rollup_days(sorted(set(Ticket.objects.values_list("date", flat=True))))
    # The ticket without a phone number is gone from the tickets, not from the rollup.
    Ticket.objects.filter(phone="").delete()
    assert values(awareness.build(Context(hall, MARCH, today=TODAY))) == before


def test_catalogue_views_counted_by_the_pages_reach_the_tile(client, hall, agency_a):
    import time_machine

    from mpp_portal.workdays import JAKARTA

    service = ServiceFactory(agency=agency_a, name="KTP-el", slug="ktp")
    browser = (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
    )
    with time_machine.travel(datetime.datetime(2026, 3, 31, 23, 30, tzinfo=JAKARTA)):
        client.get("/layanan/", HTTP_USER_AGENT=browser)
        client.get(service.get_absolute_url(), HTTP_USER_AGENT=browser)
        client.get(service.get_absolute_url(), HTTP_USER_AGENT="Googlebot/2.1")
    tile = awareness.build(Context(hall, MARCH, today=TODAY))
    assert tile.figure("catalogue_views").value == 2
    sliced = awareness.build(Context(hall, MARCH, agency=agency_a, today=TODAY))
    assert sliced.figure("catalogue_views").value == 1  # its standar pelayanan page
