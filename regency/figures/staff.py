"""Service staff: waits, service times, tickets per staff hour, busiest hours.

What is counted (the queue issue's data, read through ``services.stats``,
which reads the daily rollup for closed days and the raw tickets of today):

- **Wait**: minutes from the arrival (the ticket's issue, a booking's
  check-in) to the first call; **service time**: from the start of service
  to its end, tickets served only. Medians and 90th percentiles, whole
  minutes, by the service and counter the ticket ended at.
- **Tickets per staff hour**: tickets served divided by the counters'
  staffed hours. A counter is staffed on a day it handled at least one
  ticket (called, served, skipped), for the hall's office hours of that
  day (``OfficeHours``, 08:00-16:00 by default), less the breaks
  (``CounterPause``) it took that day; summed over counters and days. The
  daily rollup keeps which counter worked which day, so a year costs little;
  the console's open/close times are not kept for past days.
- **Busiest hours**: tickets issued per hour of the day (WIB).
- **Counters over the standard**: counters whose median wait in the period
  exceeds the waiting-time standard (``WAIT_STANDARD_MINUTES``, from the
  setting ``QUEUE_WAIT_STANDARD_MINUTES``, default 30 minutes): the
  catalogue's standar pelayanan has no waiting-time component of its own.

An agency admin's slice counts the agency's services and counters.
"""

import datetime

from django.conf import settings
from django.db import connection
from django.db.models import Max, Min, prefetch_related_objects
from django.urls import reverse
from django.utils.translation import gettext as _

from mpp_portal.workdays.calendar import DEFAULT_CLOSES, DEFAULT_OPENS
from regency.figures import Chart, Context, Figure, Table, Tile, without_jit
from services import rollup, stats
from services.models import Ticket


def wait_standard_minutes() -> int:
    return settings.QUEUE_WAIT_STANDARD_MINUTES


# Staffed minutes per counter and period: each day a counter handled a
# ticket counts the hall's office hours of that day (``minutes`` from the
# working-day calendar), less the breaks the counter took that day. The
# days come from the daily rollup (services.rollup) where it covers them and
# from the tickets of the other days (today), like services.stats.
_STAFFED_SQL = """
WITH cal AS (
    SELECT * FROM unnest(%(days)s::date[], %(minutes)s::int[]) AS cal(day, minutes)
), counters AS (
    SELECT c.id FROM services_counter c
    WHERE c.hall_id = %(hall)s AND (%(agency)s::bigint IS NULL OR c.agency_id = %(agency)s)
), live AS (
    -- The days the rollup does not cover yet, one index probe per day (an
    -- empty day costs nothing; the planner would scan every ticket for a
    -- long list of days).
    SELECT x.counter_id, day.d AS date
    FROM unnest(%(live)s::date[]) AS day(d)
    CROSS JOIN LATERAL (
        SELECT DISTINCT t.counter_id FROM services_ticket t
        WHERE t.date = day.d AND t.counter_id IS NOT NULL
    ) x
), counter_days AS (
    SELECT r.counter_id, r.date FROM services_ticketdaystat r
    WHERE r.date = ANY(%(rolled)s) AND r.counter_id IN (SELECT id FROM counters)
    UNION
    SELECT l.counter_id, l.date FROM live l WHERE l.counter_id IN (SELECT id FROM counters)
), breaks AS (
    SELECT p.counter_id, (p.started_at AT TIME ZONE 'Asia/Jakarta')::date AS date,
           sum(EXTRACT(EPOCH FROM p.ended_at - p.started_at) / 60.0) AS minutes
    FROM services_counterpause p
    WHERE p.counter_id IN (SELECT id FROM counters)
      AND p.started_at >= %(first_at)s AND p.started_at < %(end_at)s
    GROUP BY 1, 2
)
SELECT d.counter_id, d.date >= %(start)s AS is_now,
       sum(greatest(cal.minutes - coalesce(b.minutes, 0), 0))
FROM counter_days d
JOIN cal ON cal.day = d.date
LEFT JOIN breaks b ON b.counter_id = d.counter_id AND b.date = d.date
GROUP BY 1, 2
"""


def _office_minutes(hall, first, last) -> dict:
    """{"days": [...], "minutes": [...]}: the hall's office minutes of each day.

    The hall's office hours are read once (``Hall.hours_on``). A day without
    hours of its own (a Saturday service, a reopened day) counts the usual
    08:00-16:00, as the working-day calendar does.
    """
    prefetch_related_objects([hall], "office_hours")
    days, minutes = [], []
    day = first
    while day <= last:
        opens, closes = hall.hours_on(day) or (DEFAULT_OPENS, DEFAULT_CLOSES)
        days.append(day)
        minutes.append((closes.hour * 60 + closes.minute) - (opens.hour * 60 + opens.minute))
        day += datetime.timedelta(days=1)
    return {"days": days, "minutes": minutes}


def staffed_minutes(ctx: Context) -> dict:
    """{(counter id, "now"|"before"): staffed minutes} for the period and the previous one."""
    period, previous = ctx.period, ctx.period.previous()
    rolled = rollup.rolled_days(previous.start, period.end)
    done = set(rolled)
    live = [
        previous.start + datetime.timedelta(days=n)
        for n in range((period.end - previous.start).days + 1)
        if previous.start + datetime.timedelta(days=n) not in done
    ]
    params = {
        "hall": ctx.hall.pk,
        "agency": getattr(ctx.agency, "pk", None),
        "start": period.start,
        "first_at": previous.start_at,
        "end_at": period.end_at,
        "rolled": rolled,
        "live": live,
        **_office_minutes(ctx.hall, previous.start, period.end),
    }
    with connection.cursor() as cursor:
        cursor.execute(_STAFFED_SQL, params)
        return {
            (counter_id, "now" if is_now else "before"): float(minutes or 0)
            for counter_id, is_now, minutes in cursor.fetchall()
        }


def _ticket_days() -> tuple:
    """(first, last) ticket day of every hall, or (None, None): two index probes in one query."""
    return Ticket.objects.aggregate(first=Min("date"), last=Max("date")).values()


def _scope(ctx: Context, period, days: tuple) -> stats.StatsScope:
    """The statistics scope of ``period``, narrowed to the days that have tickets at all.

    The figures are the same (no ticket lies outside), but a period
    reaching before the first ticket or past today then lists no days
    the rollup does not cover and is read from the rollup alone (a year
    before the history began would otherwise scan the tickets for nothing).
    """
    first, last = days
    start, end = period.start, period.end
    if first is not None:
        start, end = max(start, first), min(end, last)
    return stats.StatsScope(
        hall_id=ctx.hall.pk,
        start=start,
        end=end,
        agency_id=getattr(ctx.agency, "pk", None),
    )


def _round(value, digits=1):
    return None if value is None else round(float(value), digits)


def _per_hour(served, minutes):
    if not minutes:
        return None
    return round(served / (minutes / 60.0), 2)


def build(ctx: Context) -> Tile:
    with without_jit():
        return _build(ctx)


def _build(ctx: Context) -> Tile:
    period, previous = ctx.period, ctx.period.previous()
    days = _ticket_days()
    scope, before_scope = _scope(ctx, period, days), _scope(ctx, previous, days)
    now, before = stats.totals(scope), stats.totals(before_scope)
    counters = stats.counter_rows(scope)
    agencies = stats.agency_rows(scope)
    hours = stats.busiest_hours(scope)
    staffed = staffed_minutes(ctx)
    standard = wait_standard_minutes()

    minutes_now = sum(m for (_c, key), m in staffed.items() if key == "now")
    minutes_before = sum(m for (_c, key), m in staffed.items() if key == "before")
    over = [
        row for row in counters if row["wait_median"] is not None and row["wait_median"] > standard
    ]
    before_counters = stats.counter_rows(before_scope)
    over_before = sum(
        1
        for row in before_counters
        if row["wait_median"] is not None and row["wait_median"] > standard
    )
    busiest = max(hours, key=lambda h: (h[1], -h[0]))[0] if hours else None

    figures = [
        Figure("served", _("Tiket dilayani"), now["served"], before["served"]),
        Figure(
            "wait_median",
            _("Median waktu tunggu"),
            _round(now["wait_median"]),
            _round(before["wait_median"]),
            unit=_("menit"),
            higher_is_better=False,
        ),
        Figure(
            "wait_p90",
            _("Waktu tunggu persentil 90"),
            _round(now["wait_p90"]),
            _round(before["wait_p90"]),
            unit=_("menit"),
            higher_is_better=False,
        ),
        Figure(
            "service_median",
            _("Median waktu layanan"),
            _round(now["service_median"]),
            _round(before["service_median"]),
            unit=_("menit"),
            higher_is_better=None,
        ),
        Figure(
            "staff_hours",
            _("Jam layanan petugas"),
            round(minutes_now / 60, 1),
            round(minutes_before / 60, 1),
            unit=_("jam"),
            higher_is_better=None,
        ),
        Figure(
            "tickets_per_staff_hour",
            _("Tiket dilayani per jam petugas"),
            _per_hour(now["served"], minutes_now),
            _per_hour(before["served"], minutes_before),
        ),
        Figure(
            "busiest_hour",
            _("Jam tersibuk"),
            busiest,
            None,
            unit=_("WIB"),
            higher_is_better=None,
            note=f"{busiest:02d}.00-{busiest + 1:02d}.00" if busiest is not None else "",
        ),
        Figure(
            "counters_over_standard",
            _("Loket dengan median tunggu di atas standar (%(minutes)s menit)")
            % {"minutes": standard},
            len(over),
            over_before,
            higher_is_better=False,
        ),
    ]

    # One block per agency: its counters, then all its counters together.
    def agency_label(agency):
        return agency.short_name or agency.name

    blocks = {}
    for row in counters:
        counter = row["counter"]
        minutes = staffed.get((counter.pk, "now"), 0)
        block = blocks.setdefault(
            counter.agency_id, {"agency": counter.agency, "rows": [], "minutes": 0}
        )
        block["minutes"] += minutes
        block["rows"].append(
            [
                str(counter.label),
                agency_label(counter.agency),
                row["served"],
                _round(row["wait_median"]),
                _round(row["wait_p90"]),
                _round(row["service_median"]),
                round(minutes / 60, 1),
                _per_hour(row["served"], minutes),
                _("Ya") if row in over else _("Tidak"),
            ]
        )
    for row in agencies:
        agency = row["agency"]
        block = blocks.setdefault(agency.pk, {"agency": agency, "rows": [], "minutes": 0})
        minutes = block["minutes"]
        block["rows"].append(
            [
                _("Semua loket"),
                agency_label(agency),
                row["served"],
                _round(row["wait_median"]),
                _round(row["wait_p90"]),
                _round(row["service_median"]),
                round(minutes / 60, 1) if minutes else None,
                _per_hour(row["served"], minutes),
                "",
            ]
        )
    rows = [
        line
        for block in sorted(blocks.values(), key=lambda b: agency_label(b["agency"]))
        for line in block["rows"]
    ]
    table = Table(
        columns=[
            _("Loket"),
            _("Instansi"),
            _("Dilayani"),
            _("Median tunggu (menit)"),
            _("Tunggu P90 (menit)"),
            _("Median layanan (menit)"),
            _("Jam petugas"),
            _("Tiket per jam petugas"),
            _("Di atas standar tunggu"),
        ],
        rows=rows,
        caption=_("Waktu tunggu dan layanan per loket dan per instansi"),
    )
    chart = Chart(
        type="bar",
        labels=[f"{hour:02d}.00" for hour, _n in hours],
        datasets=[{"label": str(_("Tiket diambil per jam (WIB)")), "data": [n for _h, n in hours]}],
    )
    definition = _(
        "Periode %(period)s, dibandingkan dengan %(previous)s (tanggal WIB). "
        "Waktu tunggu: menit dari pengambilan tiket (atau check-in pemesanan) "
        "sampai panggilan pertama; waktu layanan: dari mulai sampai selesai "
        "dilayani, hanya tiket yang selesai; median dan persentil 90 dalam menit "
        "bulat, menurut layanan dan loket terakhir tiket. Jam petugas: jam buka "
        "gedung pada setiap hari sebuah loket menangani sedikitnya satu tiket, "
        "dikurangi istirahat loket yang tercatat hari itu; tiket per jam petugas = "
        "tiket dilayani dibagi jam petugas. Jam tersibuk: jam (WIB) dengan tiket "
        "diambil terbanyak. Loket di atas standar: median waktu tunggunya melebihi "
        "standar waktu tunggu %(minutes)s menit."
    ) % {"period": period.label, "previous": previous.label, "minutes": standard}
    return Tile(
        key="staff",
        title=_("Petugas layanan"),
        definition=definition,
        figures=figures,
        table=table,
        chart=chart,
        url=reverse("services:stats"),
        public_url="",
    )
