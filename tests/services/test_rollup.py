"""The daily rollup: statistics read from it equal those computed from the raw tickets."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from mpp_portal.workdays.models import CalendarDay
from services import rollup
from services.models import Ticket, TicketDayStat, TicketRollupDay, TicketTransfer
from services.queue import ticket_issue
from services.stats import StatsScope, busiest_hours, dashboard, day_service_rows, totals
from tests.transition_guard import force_status

pytestmark = pytest.mark.django_db

# tests/services/conftest.py: today is Tuesday 1 December 2026, 09:00 WIB.
TODAY = datetime.date(2026, 12, 1)
HOLIDAY = datetime.date(2026, 11, 17)


def _seed_month(services, counters):
    """November 2026: working days with tickets of every status, counter and priority.

    Weekends and HOLIDAY (closed for the hall) have no tickets; every
    eleventh ticket was transferred from its numbering service to the next.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO services_ticket (
                service_id, numbered_service_id, date, number, code, tracking_code,
                priority, status, issued_at, queued_at, called_at, started_at, finished_at,
                counter_id, booked_first, call_count, requeued, note, phone,
                near_turn_notified)
            SELECT
                CASE WHEN n %% 11 = 0 THEN svc[1 + (n + 1) %% 3] ELSE svc[1 + n %% 3] END,
                svc[1 + n %% 3], d::date, n, 'R-' || n, 'ROLL-' || d::date || '-' || n,
                (ARRAY['normal','normal','normal','lansia','disabilitas'])[1 + n %% 5],
                st.status,
                issued,
                issued,
                CASE WHEN st.status IN ('done', 'skipped')
                     THEN issued + ((n * 7) %% 53 + 1) * interval '37 seconds' END,
                CASE WHEN st.status = 'done'
                     THEN issued + ((n * 7) %% 53 + 2) * interval '37 seconds' END,
                CASE WHEN st.status = 'done'
                     THEN issued + ((n * 7) %% 53 + 2) * interval '37 seconds'
                                 + ((n * 13) %% 29 + 1) * interval '41 seconds' END,
                CASE WHEN st.status IN ('done', 'skipped') THEN ctr[1 + n %% 2] END,
                false, 1, false, '', '', false
            FROM generate_series('2026-11-01'::date, '2026-11-30'::date, '1 day') AS d,
                 generate_series(1, 23) AS n,
                 LATERAL (SELECT (ARRAY['done','done','done','skipped','cancelled',
                                        'done'])[1 + (n + extract(day from d)::int) %% 6]
                                 AS status) st,
                 LATERAL (SELECT (d::date + time '07:55' + n * interval '17 minutes')
                                 AT TIME ZONE 'Asia/Jakarta' AS issued) i,
                 (SELECT %(services)s::bigint[] AS svc, %(counters)s::bigint[] AS ctr) ids
            WHERE extract(isodow from d) < 6 AND d::date <> %(holiday)s
            """,
            {
                "services": [s.pk for s in services],
                "counters": [c.pk for c in counters],
                "holiday": HOLIDAY,
            },
        )
    transferred = Ticket.objects.exclude(service_id=models_F("numbered_service_id"))
    TicketTransfer.objects.bulk_create(
        TicketTransfer(
            ticket=ticket,
            from_service_id=ticket.numbered_service_id,
            to_service_id=ticket.service_id,
        )
        for ticket in transferred
    )
    return transferred.count()


def models_F(name):
    from django.db.models import F

    return F(name)


@pytest.fixture
def month(hall, service_a, service_a2, service_b, counter_a, counter_b, staff_a):
    CalendarDay.objects.create(date=HOLIDAY, hall=hall, name="Cuti bersama")
    transfers = _seed_month([service_a, service_a2, service_b], [counter_a, counter_b])
    assert transfers > 10
    # Today's live tickets: one served with a wait, one still waiting.
    now = timezone.now()
    served = ticket_issue(service=service_a)
    force_status(
        served,
        Ticket.Status.DONE,
        called_at=now + datetime.timedelta(minutes=4),
        started_at=now + datetime.timedelta(minutes=5),
        finished_at=now + datetime.timedelta(minutes=12),
        counter=counter_a,
    )
    ticket_issue(service=service_b)


def _comparable(data):
    """The dashboard with objects replaced by ids and minutes rounded to 1e-9."""

    def clean(value):
        if isinstance(value, float):
            return round(value, 9)
        if hasattr(value, "pk"):
            return value.pk
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [clean(v) for v in value]
        return value

    return clean(data)


@pytest.mark.parametrize("agency", [False, True])
def test_a_year_from_the_rollup_equals_the_raw_tickets(hall, agency_a, month, agency):
    start = TODAY - datetime.timedelta(days=364)
    scope_args = {"hall_id": hall.pk, "start": start, "end": TODAY}
    if agency:
        scope_args["agency_id"] = agency_a.pk
    raw = dashboard(StatsScope(**scope_args, use_rollup=False))

    days = rollup.rollup_closed_days()
    assert days == 29  # 2-30 November (the 1st is a Sunday); today is not closed
    assert TicketRollupDay.objects.filter(date=HOLIDAY).exists()
    assert not TicketDayStat.objects.filter(date=HOLIDAY).exists()
    assert not TicketDayStat.objects.filter(date=TODAY).exists()

    scope = StatsScope(**scope_args)
    assert len(scope.rolled) == 29
    rolled = dashboard(scope)
    assert _comparable(rolled) == _comparable(raw)
    # The figures are not empty: medians, percentiles, transfers, hours.
    assert raw["totals"]["transferred"] > 0 and raw["totals"]["wait_p90"] is not None
    assert raw["hours"] and len(raw["per_day"]) == 20 + 1  # 20 working days + today
    assert HOLIDAY not in [row["day"] for row in rolled["per_day"]]
    assert _comparable(day_service_rows(StatsScope(**scope_args))) == _comparable(
        day_service_rows(StatsScope(**scope_args, use_rollup=False))
    )


def test_the_rollup_rows_hold_each_figure_where_the_raw_statistics_group_it(hall, service_a, month):
    rollup.rollup_closed_days()
    day = datetime.date(2026, 11, 2)
    scope = StatsScope(hall_id=hall.pk, start=day, end=day)
    raw = StatsScope(hall_id=hall.pk, start=day, end=day, use_rollup=False)
    assert totals(scope) == pytest.approx(totals(raw))
    assert busiest_hours(scope) == busiest_hours(raw)
    issued = sum(
        TicketDayStat.objects.filter(date=day, service=service_a).values_list("issued", flat=True)
    )
    assert issued == Ticket.objects.filter(date=day, numbered_service=service_a).count()


def test_rolling_up_again_changes_nothing_and_picks_up_late_changes(hall, service_a, month):
    rollup.rollup_closed_days()
    before = list(TicketDayStat.objects.order_by("date", "service", "counter", "priority").values())
    # The next night: only the last REDO_DAYS days are written again.
    assert rollup.rollup_closed_days() == rollup.REDO_DAYS
    after = list(TicketDayStat.objects.order_by("date", "service", "counter", "priority").values())
    strip = [{k: v for k, v in row.items() if k != "id"} for row in before]
    assert strip == [{k: v for k, v in row.items() if k != "id"} for row in after]

    # A ticket of yesterday finished after midnight reaches the rollup the next night.
    late = Ticket.objects.filter(date=datetime.date(2026, 11, 30), status="skipped").first()
    force_status(late, Ticket.Status.WAITING)
    rollup.rollup_closed_days()
    scope = StatsScope(hall_id=hall.pk, start=late.date, end=late.date)
    raw = StatsScope(hall_id=hall.pk, start=late.date, end=late.date, use_rollup=False)
    assert totals(scope) == pytest.approx(totals(raw))


def test_a_year_of_statistics_is_a_fixed_number_of_queries(hall, month):
    from django.test.utils import CaptureQueriesContext

    rollup.rollup_closed_days()
    counts = []
    for days in (7, 364):
        scope = StatsScope(hall_id=hall.pk, start=TODAY - datetime.timedelta(days=days), end=TODAY)
        with CaptureQueriesContext(connection) as queries:
            dashboard(scope)
        counts.append(len(queries))
    # Rolled days, services, counters, then seven figures (each in a
    # transaction with its SET LOCAL: a savepoint inside the test's own).
    assert counts[0] == counts[1] <= 32


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_rollup_task_runs_in_a_real_worker(hall, service_a, celery_worker_process):
    from django.db import transaction

    from services.tasks import rollup_closed_days

    ticket = ticket_issue(service=service_a)
    Ticket.objects.filter(pk=ticket.pk).update(date=datetime.date(2026, 1, 5))
    with transaction.atomic():
        transaction.on_commit(lambda: rollup_closed_days.delay())
    celery_worker_process.wait_for(
        lambda: TicketDayStat.objects.filter(date=datetime.date(2026, 1, 5)).exists(),
        timeout=60,
        message="the rollup written by the worker",
    )
    row = TicketDayStat.objects.get(date=datetime.date(2026, 1, 5), counter=None)
    assert row.issued == 1
    # The worker goes on through the later days, a chunk per transaction:
    # let it finish (yesterday rolled up) before the test's flush truncates
    # the tables under it (a CI run deadlocked there).
    from mpp_portal.workdays import JAKARTA

    yesterday = timezone.localdate(timezone=JAKARTA) - datetime.timedelta(days=1)
    celery_worker_process.wait_for(
        lambda: TicketRollupDay.objects.filter(date__gte=yesterday).exists(),
        timeout=60,
        message="the worker to finish the rollup",
    )


def test_the_ikm_population_from_the_rollup_equals_the_served_tickets(
    hall, agency_a, service_a, month
):
    from services import skm

    rollup.rollup_closed_days()
    for kwargs in (
        {"hall": hall},
        {"hall": hall, "agency": agency_a},
        {"hall": hall, "service": service_a, "date_from": datetime.date(2026, 11, 10)},
        {"hall": hall, "date_from": datetime.date(2026, 11, 20), "date_to": TODAY},
    ):
        responses, served = skm.scope(**kwargs)
        population = skm.ikm_summary(responses, served)["population"]
        assert population == served.count() > 0, kwargs


def _page_passes(queries):
    """The statistics passes among captured queries (rollup rows or today's tickets)."""
    return [q["sql"] for q in queries if "GROUPING SETS" in q["sql"]]


def test_the_closed_days_are_read_once_per_rollup_version(hall, service_a, month):
    from django.core.cache import cache
    from django.test.utils import CaptureQueriesContext

    cache.clear()
    rollup.rollup_closed_days()
    args = {"hall_id": hall.pk, "start": TODAY - datetime.timedelta(days=29), "end": TODAY}
    with CaptureQueriesContext(connection) as first:
        cold = dashboard(StatsScope(**args))
    # Rollup rows and today's tickets: two passes for every grouping of the page.
    assert len(_page_passes(first)) == 2
    with CaptureQueriesContext(connection) as second:
        warm = dashboard(StatsScope(**args))
    # Only today's tickets are read again.
    passes = _page_passes(second)
    assert len(passes) == 1 and "services_ticketdaystat" not in passes[0]
    assert _comparable(warm) == _comparable(cold)
    assert _comparable(warm) == _comparable(dashboard(StatsScope(**args, use_rollup=False)))

    # A late change rolled up again: a new version, the new figures.
    late = Ticket.objects.filter(date=datetime.date(2026, 11, 30), status="done").first()
    force_status(late, Ticket.Status.CANCELLED)
    rollup.rollup_closed_days()
    changed = dashboard(StatsScope(**args))
    assert changed["totals"]["cancelled"] == cold["totals"]["cancelled"] + 1
    assert _comparable(changed) == _comparable(dashboard(StatsScope(**args, use_rollup=False)))


def test_the_nightly_task_computes_the_common_ranges_ahead(hall, agency_a, month):
    from django.core.cache import cache
    from django.test.utils import CaptureQueriesContext

    cache.clear()
    rollup.rollup_closed_days()
    # Hall and both agencies, each for 7 and 30 days, this month (1 December:
    # today only, nothing rolled) and the year.
    assert rollup.warm_page_cache() == 3 * 3
    for agency in (None, agency_a.pk):
        scope = StatsScope(
            hall_id=hall.pk,
            start=TODAY - datetime.timedelta(days=364),
            end=TODAY,
            agency_id=agency,
        )
        with CaptureQueriesContext(connection) as queries:
            dashboard(scope)
        assert all("services_ticketdaystat" not in sql for sql in _page_passes(queries))


def test_percentiles_from_histograms_equal_percentile_cont():
    import random

    generator = random.Random(15)
    for size in (1, 2, 3, 10, 101, 1000):
        minutes = [generator.choice([0, 1, 1, 2, 5, 7, 30, 61, 240]) for _ in range(size)]
        histogram = {}
        for minute in minutes:
            histogram[minute] = histogram.get(minute, 0) + 1
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY m), "
                "percentile_cont(0.9) WITHIN GROUP (ORDER BY m) FROM unnest(%s::int[]) m",
                [minutes],
            )
            median, p90 = cursor.fetchone()
        assert rollup.histogram_percentile(histogram, 0.5) == median
        assert rollup.histogram_percentile(histogram, 0.9) == p90
    assert rollup.histogram_percentile({}, 0.5) is None


def test_a_new_night_reads_again_only_the_month_rolled_up_again(hall, month):
    from django.core.cache import cache
    from django.test.utils import CaptureQueriesContext

    cache.clear()
    october = datetime.date(2026, 10, 14)
    rollup.rollup_closed_days()
    rollup.rollup_days([october])  # a rolled day of another month (no tickets)
    args = {"hall_id": hall.pk, "start": TODAY - datetime.timedelta(days=364), "end": TODAY}
    with CaptureQueriesContext(connection) as first:
        before = dashboard(StatsScope(**args))
    closed = [sql for sql in _page_passes(first) if "services_ticketdaystat" in sql]
    # One pass per month (October, November), each then cached.
    assert len(closed) == 2

    late = Ticket.objects.filter(date=datetime.date(2026, 11, 30), status="done").first()
    force_status(late, Ticket.Status.SKIPPED)
    rollup.rollup_closed_days()  # the next night: 29 and 30 November again
    with CaptureQueriesContext(connection) as second:
        after = dashboard(StatsScope(**args))
    closed = [sql for sql in _page_passes(second) if "services_ticketdaystat" in sql]
    assert len(closed) == 1 and "2026-10-14" not in closed[0] and "2026-11-30" in closed[0]
    assert after["totals"]["no_show"] == before["totals"]["no_show"] + 1
    assert _comparable(after) == _comparable(dashboard(StatsScope(**args, use_rollup=False)))
