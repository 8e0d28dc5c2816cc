"""Service staff: waits, tickets per staff hour, busiest hours, counters over the standard.

Hand-made March 2026 (times WIB):

Counter 1 (agency A), 2 March: waits 10, 20, 40 (no-show), 50 minutes;
service 10, 15, 19 minutes; the hall's 08:00-16:00 less a break
09:00-09:30 -> 7.5 staffed hours, 3 served = 0.4 per staff hour.
Counter 2 (agency B), 3 March: wait 5, service 30 -> 8 hours, 1 served.
February: one ticket at counter 1 on 2 February -> 8 hours, 1 served.
"""

import datetime
import itertools

import pytest

from regency.figures import Context, staff
from regency.periods import MONTH, Period
from services.models import CounterPause, Ticket
from tests.factories import CounterFactory, ServiceFactory
from tests.regency.conftest import wib

MARCH = Period(MONTH, 2026, 3)
TODAY = datetime.date(2026, 4, 8)
DONE, SKIPPED = Ticket.Status.DONE, Ticket.Status.SKIPPED
_numbers = itertools.count(1)


def served(service, counter, day, issued, called, started=None, finished=None, status=DONE):
    n = next(_numbers)

    def at(hm):
        return None if hm is None else wib(day.year, day.month, day.day, *hm)

    return Ticket.objects.create(
        service=service,
        numbered_service=service,
        counter=counter,
        date=day,
        number=n,
        code=f"S-{n}",
        status=status,
        issued_at=at(issued),
        queued_at=at(issued),
        called_at=at(called),
        started_at=at(started),
        finished_at=at(finished),
    )


@pytest.fixture
def world(hall, agency_a, agency_b):
    a = ServiceFactory(agency=agency_a, slug="ktp")
    b = ServiceFactory(agency=agency_b, slug="pbb")
    c1 = CounterFactory(agency=agency_a, number=1, services=[a])
    c2 = CounterFactory(agency=agency_b, number=2, services=[b])
    d2, d3 = datetime.date(2026, 3, 2), datetime.date(2026, 3, 3)
    served(a, c1, d2, (8, 0), (8, 10), (8, 11), (8, 21))
    served(a, c1, d2, (8, 5), (8, 25), (8, 26), (8, 41))
    served(a, c1, d2, (9, 0), (9, 40), status=SKIPPED)
    served(a, c1, d2, (10, 0), (10, 50), (10, 51), (11, 10))
    served(b, c2, d3, (9, 0), (9, 5), (9, 5), (9, 35))
    served(a, c1, datetime.date(2026, 2, 2), (8, 0), (8, 5), (8, 5), (8, 15))
    CounterPause.objects.create(
        counter=c1, started_at=wib(2026, 3, 2, 9), ended_at=wib(2026, 3, 2, 9, 30)
    )
    # A break on a day the counter served nobody, and one in April: not in March's hours.
    CounterPause.objects.create(
        counter=c2, started_at=wib(2026, 4, 1, 9), ended_at=wib(2026, 4, 1, 10)
    )
    return c1, c2


def values(tile):
    return {f.key: (f.value, f.previous) for f in tile.figures}


def test_hall_figures_match_the_hand_count(world, hall, django_assert_max_num_queries):
    # services.stats' queries for both periods, the calendar, the staffed hours:
    # a fixed number, whatever the number of tickets (with the first and last
    # ticket day, and the transaction without JIT: savepoint, SET LOCAL, release).
    with django_assert_max_num_queries(26):
        tile = staff.build(Context(hall, MARCH, today=TODAY))
    got = values(tile)
    assert got["served"] == (4, 1)
    assert got["wait_median"] == (20.0, 5.0)  # 5, 10, 20, 40, 50
    assert got["wait_p90"] == (46.0, 5.0)  # 40 + 0.6 * 10
    assert got["service_median"] == (17.0, 10.0)  # 10, 15, 19, 30
    assert got["staff_hours"] == (15.5, 8.0)
    assert got["tickets_per_staff_hour"] == (0.26, 0.12)  # 4 / 15.5, 1 / 8
    assert got["busiest_hour"][0] == 8  # 08: 2 tickets, 09: 2 (the earlier wins), 10: 1
    # Counter 1's median wait is exactly 30 minutes: not over a 30-minute standard.
    assert got["counters_over_standard"] == (0, 0)
    rows = {row[0]: row for row in tile.table.rows if row[0] != "Semua loket"}
    assert rows["Loket 1"][2:] == [3, 30.0, 47.0, 15.0, 7.5, 0.4, "Tidak"]
    assert rows["Loket 2"][2:] == [1, 5.0, 5.0, 30.0, 8.0, 0.12, "Tidak"]
    # Each agency's counters, then the agency as a whole (Bapenda before Disdukcapil).
    assert [row[:2] for row in tile.table.rows] == [
        ["Loket 2", "Bapenda"],
        ["Semua loket", "Bapenda"],
        ["Loket 1", "Disdukcapil"],
        ["Semua loket", "Disdukcapil"],
    ]
    assert tile.table.rows[3][2:8] == [3, 30.0, 47.0, 15.0, 7.5, 0.4]
    assert tile.chart.labels == ["08.00", "09.00", "10.00"]
    assert tile.chart.datasets[0]["data"] == [2, 2, 1]


def test_counter_over_a_stricter_standard(world, hall, settings):
    settings.QUEUE_WAIT_STANDARD_MINUTES = 25
    tile = staff.build(Context(hall, MARCH, today=TODAY))
    assert values(tile)["counters_over_standard"] == (1, 0)
    rows = {row[0]: row for row in tile.table.rows}
    assert rows["Loket 1"][-1] == "Ya"
    assert "25" in tile.figure("counters_over_standard").label
    assert "25 menit" in tile.definition


def test_agency_slice_sees_its_own_counters_only(world, hall, agency_a):
    tile = staff.build(Context(hall, MARCH, agency=agency_a, today=TODAY))
    got = values(tile)
    assert got["served"] == (3, 1)
    assert got["staff_hours"] == (7.5, 8.0)
    assert got["tickets_per_staff_hour"] == (0.4, 0.12)
    assert [row[0] for row in tile.table.rows] == ["Loket 1"]


def test_empty_period_shows_no_data_not_zero(hall):
    got = values(staff.build(Context(hall, MARCH, today=TODAY)))
    assert got["wait_median"] == (None, None)
    assert got["tickets_per_staff_hour"] == (None, None)
    assert got["busiest_hour"] == (None, None)


def test_the_rollup_gives_the_same_figures(world, hall):
    from services.rollup import rollup_days

    before = staff.build(Context(hall, MARCH, today=TODAY))
    rollup_days([datetime.date(2026, 2, 2), datetime.date(2026, 3, 2), datetime.date(2026, 3, 3)])
    # The raw tickets no longer matter for rolled days: the counter-days come from the rollup.
    Ticket.objects.filter(date=datetime.date(2026, 3, 3)).update(counter=None)
    after = staff.build(Context(hall, MARCH, today=TODAY))
    assert values(after) == values(before)


def test_the_halls_office_hours_count(world, hall):
    from mpp_portal.organizations.models import OfficeHours

    # Mondays 08:00-12:00: counter 1's Monday 2 March is 4 hours less the break.
    OfficeHours.objects.create(
        hall=hall, weekday=0, opens=datetime.time(8), closes=datetime.time(12)
    )
    tile = staff.build(Context(hall, MARCH, today=TODAY))
    rows = {row[0]: row for row in tile.table.rows}
    assert rows["Loket 1"][6] == 3.5


def test_a_period_past_the_history_is_read_from_the_rollup_alone(world, hall):
    # The first quarter reaches back before the first ticket (2 February):
    # the tile narrows its statistics to the days with tickets, so with
    # those days rolled up no ticket is read, and the figures are those of
    # the whole quarter.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from regency.periods import QUARTER
    from services import stats
    from services.rollup import rollup_days

    quarter = Period(QUARTER, 2026, 1)
    first, last = datetime.date(2026, 2, 2), datetime.date(2026, 3, 3)
    rollup_days([first + datetime.timedelta(days=n) for n in range((last - first).days + 1)])
    with CaptureQueriesContext(connection) as queries:
        tile = staff.build(Context(hall, quarter, today=TODAY))
    whole = stats.totals(stats.StatsScope(hall_id=hall.pk, start=quarter.start, end=quarter.end))
    got = values(tile)
    assert got["served"][0] == whole["served"] == 5
    assert got["wait_median"][0] == round(whole["wait_median"], 1)
    assert got["service_median"][0] == round(whole["service_median"], 1)
    assert not [q for q in queries.captured_queries if "t.date = ANY" in q["sql"]]


def test_the_tile_runs_without_jit(world, hall):
    # PostgreSQL's JIT compiles a year's statement for longer than it runs.
    from django.db import connection

    from regency.figures import without_jit

    with without_jit(), connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
