"""The daily rollup of the queue (TicketDayStat) and the statistics read from it.

After a day closes, ``rollup_closed_days`` (a Celery task, services.tasks)
condenses each day's tickets into one row per (day, service, counter,
priority): the counts, every ticket's wait and service minutes, tickets
issued per hour. ``ROLLUP_SQL`` is the one definition of a row; the
statistics of services.stats read the rollup for the days it covers and run
the same SQL over the raw tickets of the other days (today), so a range
mixes both without a seam, and a year costs about as much as a month.

Each measure lands in the row of the service the raw statistics group it
by (services.stats): issued by the numbering service, handled (served,
no-show, cancelled, waits, service times) by the service and counter the
ticket ended at, transfers by the service it left.
"""

import datetime
import logging

from django.db import connection, transaction
from django.utils import timezone

from mpp_portal.workdays import JAKARTA
from services.models import Priority, Ticket, TicketRollupDay

logger = logging.getLogger(__name__)

# Days rolled up again on every run: a ticket of yesterday finished after
# midnight, or a late correction, reaches the rollup the next night.
REDO_DAYS = 2
# Days per transaction when catching up on a long history.
CHUNK_DAYS = 31

_HOURS = ", ".join(f"count(*) FILTER (WHERE f.hour = {hour})" for hour in range(24))

# Rollup rows of the tickets of %(days)s (an array of dates). Waits and
# service times are the expressions of services.stats (WAIT_MINUTES,
# SERVICE_MINUTES, HAS_WAIT, HAS_SERVICE), the hour that of busiest_hours.
ROLLUP_SQL = f"""
SELECT f.date, f.service_id, f.counter_id, f.priority,
       sum(f.issued)::int AS issued, sum(f.served)::int AS served,
       sum(f.no_show)::int AS no_show, sum(f.cancelled)::int AS cancelled,
       sum(f.transferred)::int AS transferred,
       coalesce(array_agg(f.wait ORDER BY f.wait) FILTER (WHERE f.wait IS NOT NULL),
                '{{}}') AS waits,
       coalesce(array_agg(f.service_time ORDER BY f.service_time)
                    FILTER (WHERE f.service_time IS NOT NULL),
                '{{}}') AS service_times,
       ARRAY[{_HOURS}]::int[] AS issued_by_hour
FROM (
    SELECT t.date, t.numbered_service_id AS service_id, NULL::bigint AS counter_id,
           t.priority, 1 AS issued, 0 AS served, 0 AS no_show, 0 AS cancelled,
           0 AS transferred, NULL::double precision AS wait,
           NULL::double precision AS service_time,
           EXTRACT(HOUR FROM t.issued_at AT TIME ZONE 'Asia/Jakarta')::int AS hour
    FROM services_ticket t
    WHERE t.date = ANY(%(days)s)
    UNION ALL
    SELECT t.date, t.service_id, t.counter_id, t.priority, 0,
           (t.status = 'done')::int, (t.status = 'skipped')::int,
           (t.status = 'cancelled')::int, 0,
           CASE WHEN t.called_at IS NOT NULL
                THEN EXTRACT(EPOCH FROM t.called_at - t.issued_at)::double precision / 60.0
           END,
           CASE WHEN t.status = 'done' AND t.started_at IS NOT NULL
                     AND t.finished_at IS NOT NULL
                THEN EXTRACT(EPOCH FROM t.finished_at - t.started_at)::double precision / 60.0
           END,
           NULL
    FROM services_ticket t
    WHERE t.date = ANY(%(days)s)
    UNION ALL
    SELECT t.date, tr.from_service_id, NULL, t.priority, 0, 0, 0, 0, 1, NULL, NULL, NULL
    FROM services_tickettransfer tr
    JOIN services_ticket t ON t.id = tr.ticket_id
    WHERE t.date = ANY(%(days)s)
) f
GROUP BY f.date, f.service_id, f.counter_id, f.priority
"""

_COLUMNS = (
    "date, service_id, counter_id, priority, issued, served, no_show, cancelled, "
    "transferred, waits, service_times, issued_by_hour"
)

# Guard against a drift between the SQL above and the model's statuses.
assert {Ticket.Status.DONE, Ticket.Status.SKIPPED, Ticket.Status.CANCELLED} == {
    "done",
    "skipped",
    "cancelled",
}
assert Priority.NORMAL == "normal"


def rollup_days(days) -> int:
    """Write the rollup of ``days`` (dates) again, in one transaction; return the rows.

    Idempotent: the days' rows are replaced, and their TicketRollupDay marks
    set, so the statistics switch to the rollup for them in the same commit.
    """
    days = sorted(set(days))
    if not days:
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM services_ticketdaystat WHERE date = ANY(%s)", [days])
        cursor.execute(
            f"INSERT INTO services_ticketdaystat ({_COLUMNS}) {ROLLUP_SQL}",  # noqa: S608
            {"days": days},
        )
        rows = cursor.rowcount
        now = timezone.now()
        TicketRollupDay.objects.bulk_create(
            [TicketRollupDay(date=day, rolled_at=now) for day in days],
            update_conflicts=True,
            unique_fields=["date"],
            update_fields=["rolled_at"],
        )
    return rows


def rollup_closed_days(*, now=None, redo=REDO_DAYS) -> int:
    """Roll up every closed day not yet rolled up, and the last ``redo`` ones again.

    A day is closed once it is over in Asia/Jakarta. The first run on an
    existing database works through the whole history, CHUNK_DAYS per
    transaction. Returns the number of days written.
    """
    now = now or timezone.now()
    yesterday = timezone.localtime(now, JAKARTA).date() - datetime.timedelta(days=1)
    first = Ticket.objects.order_by("date").values_list("date", flat=True).first()
    if first is None or first > yesterday:
        return 0
    done = set(
        TicketRollupDay.objects.filter(date__gte=first, date__lte=yesterday).values_list(
            "date", flat=True
        )
    )
    todo = []
    day = first
    while day <= yesterday:
        if day not in done or (yesterday - day).days < redo:
            todo.append(day)
        day += datetime.timedelta(days=1)
    for start in range(0, len(todo), CHUNK_DAYS):
        chunk = todo[start : start + CHUNK_DAYS]
        rows = rollup_days(chunk)
        logger.info("rollup: %s days from %s, %s rows", len(chunk), chunk[0], rows)
    return len(todo)


def rolled_days(start, end) -> list:
    """Return the days of ``start``..``end`` (dates) that the rollup covers."""
    return list(
        TicketRollupDay.objects.filter(date__gte=start, date__lte=end)
        .order_by("date")
        .values_list("date", flat=True)
    )


# ---------------------------------------------------------------------------
# Statistics over rollup rows + live rows
# ---------------------------------------------------------------------------
# The facts of a scope: rollup rows of the rolled days, the same rows
# computed from the tickets of the other days, with each row's agency.
_FACTS_SQL = f"""
WITH facts AS (
    SELECT {_COLUMNS} FROM services_ticketdaystat WHERE date = ANY(%(rolled)s)
    UNION ALL
    SELECT * FROM ({ROLLUP_SQL}) live
), scoped AS (
    SELECT f.*, s.agency_id
    FROM facts f
    JOIN services_service s ON s.id = f.service_id
    JOIN organizations_agency a ON a.id = s.agency_id
    WHERE a.hall_id = %(hall)s AND (%(agency)s::bigint IS NULL OR s.agency_id = %(agency)s)
)
"""

# Grouping keys of services.stats and their column among the facts.
FACT_KEYS = {
    "day": "date",
    "service": "service_id",
    "agency": "agency_id",
    "counter": "counter_id",
    "priority": "priority",
}

_COUNTS = ("issued", "served", "no_show", "cancelled", "transferred")


def _days_between(start, end):
    return [start + datetime.timedelta(days=n) for n in range((end - start).days + 1)]


def _execute(sql, params):
    # Each percentile sorts up to a year of minutes: in memory, not on disk.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(sql, params)
        return cursor.fetchall()


def _params(scope, rolled):
    rolled_set = set(rolled)
    live = [day for day in _days_between(scope.start, scope.end) if day not in rolled_set]
    return {
        "rolled": list(rolled),
        "days": live,
        "hall": scope.hall_id,
        "agency": scope.agency_id,
    }


def fact_groups(scope, keys, rolled) -> dict:
    """Return {key tuple: measures} as services.stats.grouped does, from the facts.

    One statement: counts summed per group; medians and 90th percentiles
    with ``percentile_cont`` over every ticket's minutes of the group.
    """
    columns = [FACT_KEYS[key] for key in keys]
    group = ", ".join(columns) if columns else "()"
    select = ", ".join(columns) + ", " if columns else ""
    on = " AND ".join(f"c.{col} IS NOT DISTINCT FROM {{t}}.{col}" for col in columns) or "TRUE"
    sums = ", ".join(f"sum({name})::bigint AS {name}" for name in _COUNTS)
    sql = (
        _FACTS_SQL
        + f""",
counts AS (SELECT {select}{sums} FROM scoped GROUP BY {group}),
w AS (
    SELECT {select}percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY x) AS p
    FROM scoped CROSS JOIN LATERAL unnest(scoped.waits) x GROUP BY {group}
),
s AS (
    SELECT {select}percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY x) AS p
    FROM scoped CROSS JOIN LATERAL unnest(scoped.service_times) x GROUP BY {group}
)
SELECT {", ".join(f"c.{col}" for col in columns) + ", " if columns else ""}
       {", ".join(f"c.{name}" for name in _COUNTS)}, w.p, s.p
FROM counts c
LEFT JOIN w ON {on.format(t="w")}
LEFT JOIN s ON {on.format(t="s")}
"""
    )
    from services.stats import _empty_row

    rows = {}
    for record in _execute(sql, _params(scope, rolled)):
        key = tuple(record[: len(columns)])
        counts = record[len(columns) : len(columns) + len(_COUNTS)]
        waits, service = record[-2], record[-1]
        row = _empty_row()
        row.update(dict(zip(_COUNTS, (int(n or 0) for n in counts), strict=True)))
        if waits:
            row["wait_median"], row["wait_p90"] = waits
        if service:
            row["service_median"], row["service_p90"] = service
        rows[key] = row
    return rows


def fact_hours(scope, rolled) -> list[tuple[int, int]]:
    """Return [(hour, tickets issued)] as services.stats.busiest_hours does."""
    sql = (
        _FACTS_SQL
        + """
SELECT h - 1, sum(scoped.issued_by_hour[h])::bigint AS n
FROM scoped CROSS JOIN generate_series(1, 24) h
GROUP BY h HAVING sum(scoped.issued_by_hour[h]) > 0
ORDER BY h
"""
    )
    return [(hour, int(n)) for hour, n in _execute(sql, _params(scope, rolled))]
