"""The daily rollup of the queue (TicketDayStat) and the statistics read from it.

After a day closes, ``rollup_closed_days`` (a Celery task, services.tasks)
condenses each day's tickets into one row per (day, service, counter,
priority): the counts, histograms of the wait and service minutes, tickets
issued per hour. ``ROLLUP_SQL`` is the one definition of a row; the
statistics of services.stats read the rollup for the days it covers and run
the same SQL over the raw tickets of the other days (today), so a range
mixes both without a seam, and a year costs about as much as a month.

Each measure lands in the row of the service the raw statistics group it
by (services.stats): issued by the numbering service, handled (served,
no-show, cancelled, waits, service times) by the service and counter the
ticket ended at, transfers by the service it left.

The statistics page reads every grouping in one pass (page_facts): the
rolled days' histograms cached per rollup version, whole range and per
calendar month, today's added live; the nightly task computes the common
ranges ahead (warm_page_cache).

The same run rolls up the SKM answers (SurveyDayStat, read by services.skm
and services.ikm_report): per day and service the respondents, the nine
score sums and the profile counts, up to a cutoff; later answers are read
live.
"""

import datetime
import hashlib
import logging
import math

from django.db import connection, transaction
from django.utils import timezone

from mpp_portal.workdays import JAKARTA
from services.models import (
    Priority,
    SurveyResponse,
    SurveyRollupDay,
    Ticket,
    TicketRollupDay,
)

logger = logging.getLogger(__name__)

# Days rolled up again on every run: a ticket of yesterday finished after
# midnight, or a late correction, reaches the rollup the next night.
REDO_DAYS = 2
# Days per transaction when catching up on a long history.
CHUNK_DAYS = 31

_HOURS = ", ".join(f"count(*) FILTER (WHERE f.hour = {hour})" for hour in range(24))
_KEY = "date, service_id, counter_id, priority"
_SAME_KEY = " AND ".join(f"c.{col} IS NOT DISTINCT FROM {{t}}.{col}" for col in _KEY.split(", "))

# Rollup rows of the tickets of %(days)s (an array of dates). Waits and
# service times are the whole minutes of services.stats (WAIT_MINUTES,
# SERVICE_MINUTES: Django's Round, half away from zero on numeric; HAS_WAIT,
# HAS_SERVICE), the hour that of busiest_hours.
ROLLUP_SQL = f"""
WITH f AS (
    SELECT t.date, t.numbered_service_id AS service_id, NULL::bigint AS counter_id,
           t.priority, 1 AS issued, 0 AS served, 0 AS no_show, 0 AS cancelled,
           0 AS transferred, NULL::int AS wait, NULL::int AS service_time,
           EXTRACT(HOUR FROM t.issued_at AT TIME ZONE 'Asia/Jakarta')::int AS hour
    FROM services_ticket t
    WHERE t.date = ANY(%(days)s)
    UNION ALL
    SELECT t.date, t.service_id, t.counter_id, t.priority, 0,
           (t.status = 'done')::int, (t.status = 'skipped')::int,
           (t.status = 'cancelled')::int, 0,
           CASE WHEN t.called_at IS NOT NULL
                THEN round((EXTRACT(EPOCH FROM t.called_at - t.issued_at)::double precision
                            / 60.0)::numeric, 0)::int
           END,
           CASE WHEN t.status = 'done' AND t.started_at IS NOT NULL
                     AND t.finished_at IS NOT NULL
                THEN round((EXTRACT(EPOCH FROM t.finished_at - t.started_at)::double precision
                            / 60.0)::numeric, 0)::int
           END,
           NULL
    FROM services_ticket t
    WHERE t.date = ANY(%(days)s)
    UNION ALL
    SELECT t.date, tr.from_service_id, NULL, t.priority, 0, 0, 0, 0, 1, NULL, NULL, NULL
    FROM services_tickettransfer tr
    JOIN services_ticket t ON t.id = tr.ticket_id
    WHERE t.date = ANY(%(days)s)
), c AS (
    SELECT {_KEY},
           sum(issued)::int AS issued, sum(served)::int AS served,
           sum(no_show)::int AS no_show, sum(cancelled)::int AS cancelled,
           sum(transferred)::int AS transferred,
           ARRAY[{_HOURS}]::int[] AS issued_by_hour
    FROM f GROUP BY {_KEY}
), w AS (
    SELECT {_KEY}, array_agg(m ORDER BY m) AS minutes, array_agg(n ORDER BY m) AS counts
    FROM (SELECT {_KEY}, wait AS m, count(*)::int AS n FROM f
          WHERE wait IS NOT NULL GROUP BY {_KEY}, wait) x
    GROUP BY {_KEY}
), s AS (
    SELECT {_KEY}, array_agg(m ORDER BY m) AS minutes, array_agg(n ORDER BY m) AS counts
    FROM (SELECT {_KEY}, service_time AS m, count(*)::int AS n FROM f
          WHERE service_time IS NOT NULL GROUP BY {_KEY}, service_time) x
    GROUP BY {_KEY}
)
SELECT c.date, c.service_id, c.counter_id, c.priority, c.issued, c.served, c.no_show,
       c.cancelled, c.transferred,
       coalesce(w.minutes, '{{}}'), coalesce(w.counts, '{{}}'),
       coalesce(s.minutes, '{{}}'), coalesce(s.counts, '{{}}'),
       c.issued_by_hour
FROM c
LEFT JOIN w ON {_SAME_KEY.format(t="w")}
LEFT JOIN s ON {_SAME_KEY.format(t="s")}
"""

_COLUMNS = (
    "date, service_id, counter_id, priority, issued, served, no_show, cancelled, "
    "transferred, wait_minutes, wait_counts, service_minutes, service_counts, issued_by_hour"
)

# The SKM rollup (SurveyDayStat): per day, service, agency and hall, the
# respondents, the nine score sums and the profile counts, in the order of
# SURVEY_PROFILE (each profile question's answers, then "not answered").
SURVEY_PROFILE = [
    (field, value)
    for field, choices in (
        ("sex", SurveyResponse.Sex),
        ("age_band", SurveyResponse.AgeBand),
        ("education", SurveyResponse.Education),
        ("occupation", SurveyResponse.Occupation),
    )
    for value in [*choices.values, ""]
]
SURVEY_LAYOUT = ";".join(f"{field}={value}" for field, value in SURVEY_PROFILE)
# Answers written less than this before a run are left to the live part:
# an answer still in its (short) transaction is counted once, live.
SURVEY_CUTOFF_MARGIN = datetime.timedelta(minutes=1)
_SCORES = ", ".join(SurveyResponse.SCORE_FIELDS)


def survey_profile_sql(alias, aggregate):
    """The profile counts as an int array: ``sum`` of rollup rows or ``count`` of answers.

    Returns (SQL, params); the answer values are parameters.
    """
    parts, params = [], []
    for index, (field, value) in enumerate(SURVEY_PROFILE, start=1):
        if aggregate == "sum":
            parts.append(f"coalesce(sum({alias}.profile[{index}]), 0)::bigint")
        else:
            parts.append(f"count(*) FILTER (WHERE {alias}.{field} = %s)")
            params.append(value)
    return "ARRAY[" + ", ".join(parts) + "]", params


def survey_rollup_days(days, cutoff) -> int:
    """Write the SKM rollup of ``days`` (the answers written before ``cutoff``).

    Called by rollup_days, in its transaction.
    """
    profile, params = survey_profile_sql("r", "count")
    sums = ", ".join(f"sum(r.{name})" for name in SurveyResponse.SCORE_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM services_surveydaystat WHERE date = ANY(%s)", [days])
        cursor.execute(
            f"""
            INSERT INTO services_surveydaystat (
                date, service_id, agency_id, hall_id, respondents, {_SCORES}, profile)
            SELECT r.date, r.service_id, r.agency_id, r.hall_id, count(*), {sums}, {profile}
            FROM services_surveyresponse r
            WHERE r.date = ANY(%s) AND r.created_at < %s
            GROUP BY r.date, r.service_id, r.agency_id, r.hall_id
            """,  # noqa: S608
            [*params, days, cutoff],
        )
        rows = cursor.rowcount
    SurveyRollupDay.objects.bulk_create(
        [SurveyRollupDay(date=day, cutoff=cutoff, layout=SURVEY_LAYOUT) for day in days],
        update_conflicts=True,
        unique_fields=["date"],
        update_fields=["cutoff", "layout"],
    )
    return rows


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
    The SKM answers of the days are rolled up too (SurveyDayStat).
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
        survey_rollup_days(days, now - SURVEY_CUTOFF_MARGIN)
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
    # A day counts as done once its SKM answers are rolled up in this layout too.
    done &= set(
        SurveyRollupDay.objects.filter(
            date__gte=first, date__lte=yesterday, layout=SURVEY_LAYOUT
        ).values_list("date", flat=True)
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


def _percentiles_sql(name, columns, minutes, counts):
    """CTEs giving, per group, the count and the ranks' minutes of the 50th and
    90th percentile of histogram ``minutes``/``counts`` (percentile_cont's
    ranks: floor and ceil of fraction x (n - 1), in double precision)."""
    keys = ", ".join(columns)
    select = keys + ", " if columns else ""
    partition = f"PARTITION BY {keys}" if columns else ""
    group = f"GROUP BY {keys}, n" if columns else "GROUP BY n"
    ranks = []
    for tag, fraction in (("50", "0.5"), ("90", "0.9")):
        pos = f"({fraction}::float8 * (n - 1)::float8)"
        ranks.append(f"min(m) FILTER (WHERE upto > floor({pos})) AS lo{tag}")
        ranks.append(f"min(m) FILTER (WHERE upto > ceil({pos})) AS hi{tag}")
    return f"""
{name}_h AS (
    SELECT {select}h.m, sum(h.c) AS c
    FROM scoped CROSS JOIN LATERAL unnest(scoped.{minutes}, scoped.{counts}) AS h(m, c)
    GROUP BY {select}h.m
), {name}_cum AS (
    SELECT {select}m, sum(c) OVER ({partition} ORDER BY m) AS upto,
           sum(c) OVER ({partition}) AS n
    FROM {name}_h
), {name} AS (
    SELECT {select}n::bigint AS n, {", ".join(ranks)}
    FROM {name}_cum {group}
)"""


def _percentile(n, lo, hi, fraction):
    """percentile_cont's interpolation between the two ranks' values."""
    if not n:
        return None
    pos = fraction * (n - 1)
    return float(lo) + (float(hi) - float(lo)) * (pos - float(int(pos)))


def fact_groups(scope, keys, rolled) -> dict:
    """Return {key tuple: measures} as services.stats.grouped does, from the facts.

    One statement: counts summed per group; medians and 90th percentiles
    from the groups' minute histograms (the ranks percentile_cont reads,
    interpolated as it does), so they equal it over the tickets' minutes.
    """
    columns = [FACT_KEYS[key] for key in keys]
    group = ", ".join(columns) if columns else "()"
    select = ", ".join(columns) + ", " if columns else ""
    on = " AND ".join(f"c.{col} IS NOT DISTINCT FROM {{t}}.{col}" for col in columns) or "TRUE"
    sums = ", ".join(f"sum({name})::bigint AS {name}" for name in _COUNTS)
    measured = ", ".join(f"{t}.n, {t}.lo50, {t}.hi50, {t}.lo90, {t}.hi90" for t in ("w", "s"))
    sql = (
        _FACTS_SQL
        + f""",
counts AS (SELECT {select}{sums} FROM scoped GROUP BY {group}),"""
        + _percentiles_sql("w", columns, "wait_minutes", "wait_counts")
        + ","
        + _percentiles_sql("s", columns, "service_minutes", "service_counts")
        + f"""
SELECT {", ".join(f"c.{col}" for col in columns) + ", " if columns else ""}
       {", ".join(f"c.{name}" for name in _COUNTS)}, {measured}
FROM counts c
LEFT JOIN w ON {on.format(t="w")}
LEFT JOIN s ON {on.format(t="s")}
"""
    )
    from services.stats import _empty_row

    rows = {}
    width = len(columns)
    for record in _execute(sql, _params(scope, rolled)):
        key = tuple(record[:width])
        counts = record[width : width + len(_COUNTS)]
        wn, wlo50, whi50, wlo90, whi90, sn, slo50, shi50, slo90, shi90 = record[
            width + len(_COUNTS) :
        ]
        row = _empty_row()
        row.update(dict(zip(_COUNTS, (int(n or 0) for n in counts), strict=True)))
        row["wait_median"] = _percentile(wn, wlo50, whi50, 0.5)
        row["wait_p90"] = _percentile(wn, wlo90, whi90, 0.9)
        row["service_median"] = _percentile(sn, slo50, shi50, 0.5)
        row["service_p90"] = _percentile(sn, slo90, shi90, 0.9)
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


# ---------------------------------------------------------------------------
# The whole statistics page in one pass, the closed days cached
# ---------------------------------------------------------------------------
# The groupings of the statistics page (services.stats.dashboard) and the
# columns of each among the facts; "total" is the whole scope.
PAGE_GROUPINGS = {
    "day": "date",
    "service": "service_id",
    "agency": "agency_id",
    "counter": "counter_id",
    "priority": "priority",
    "total": None,
}
_GROUP_COLUMNS = "date, service_id, agency_id, counter_id, priority"
# GROUPING(date, service_id, agency_id, counter_id, priority) of each set.
_GROUPING_BITS = {
    "day": 0b01111,
    "service": 0b10111,
    "agency": 0b11011,
    "counter": 0b11101,
    "priority": 0b11110,
    "total": 0b11111,
}
_SETS = ", ".join(
    f"({column}, x.kind, x.m)" if column else "(x.kind, x.m)" for column in PAGE_GROUPINGS.values()
)
_COUNT_SETS = ", ".join(f"({column})" if column else "()" for column in PAGE_GROUPINGS.values())

# Rows of one pass over the scoped facts: kind 'c' the counts of a group,
# 'w'/'s' one minute of its wait/service histogram, 'h' tickets issued in
# an hour of the day. Every grouping of the page from one scan and one
# unnest of the histograms, summed in two steps: per day, and per service,
# agency, counter and priority (a few thousand rows, regrouped for each of
# those and the total), so the year's minute pairs are hashed twice, not six
# times. ``g`` is GROUPING(date, service_id, agency_id, counter_id, priority).
_PAGE_SQL = f"""
, pairs AS (
    SELECT GROUPING(date) AS by_service, {_GROUP_COLUMNS}, x.kind, x.m, sum(x.c)::bigint AS c
    FROM scoped CROSS JOIN LATERAL (
        SELECT 'w' AS kind, u.m, u.c FROM unnest(scoped.wait_minutes, scoped.wait_counts) u(m, c)
        UNION ALL
        SELECT 's', u.m, u.c FROM unnest(scoped.service_minutes, scoped.service_counts) u(m, c)
    ) x
    GROUP BY GROUPING SETS ((date, x.kind, x.m), (service_id, agency_id, counter_id, priority,
                                                  x.kind, x.m))
), hist AS (
    SELECT {_GROUPING_BITS["day"]} AS g, date, NULL::bigint AS service_id,
           NULL::bigint AS agency_id, NULL::bigint AS counter_id, NULL::varchar AS priority,
           kind, m, c
    FROM pairs WHERE by_service = 0
    UNION ALL
    SELECT 16 + GROUPING(service_id, agency_id, counter_id, priority), NULL::date, service_id,
           agency_id, counter_id, priority, kind, m, sum(c)::bigint
    FROM pairs WHERE by_service = 1
    GROUP BY GROUPING SETS ({_SETS.replace("x.", "").replace("(date, kind, m), ", "")})
), counts AS (
    SELECT GROUPING({_GROUP_COLUMNS}) AS g, {_GROUP_COLUMNS},
           ARRAY[{", ".join(f"sum({name})" for name in _COUNTS)}]::bigint[] AS n
    FROM scoped GROUP BY GROUPING SETS ({_COUNT_SETS})
)
SELECT 'c', g, {_GROUP_COLUMNS}, NULL::int, NULL::bigint, n FROM counts
UNION ALL
SELECT kind, g, {_GROUP_COLUMNS}, m, c, NULL FROM hist
UNION ALL
SELECT 'h', NULL, NULL, NULL, NULL, NULL, NULL, u.h::int - 1, sum(u.n)::bigint, NULL
FROM scoped CROSS JOIN LATERAL unnest(scoped.issued_by_hour) WITH ORDINALITY AS u(n, h)
WHERE scoped.issued > 0
GROUP BY u.h HAVING sum(u.n) > 0
"""
_BITS_TO_GROUPING = {bits: name for name, bits in _GROUPING_BITS.items()}
_COLUMN_INDEX = {"day": 0, "service": 1, "agency": 2, "counter": 3, "priority": 4}
# The cached closed part of a page changes when a day is rolled up again.
PAGE_CACHE_SECONDS = 60 * 60 * 24 * 2
# Part of the cache key: raise it when the cached structure changes.
PAGE_CACHE_FORMAT = 1


def _page_pass(scope, *, rolled, live) -> dict:
    """One statement over the rollup rows of ``rolled`` and the tickets of ``live`` days.

    Returns {"groups": {grouping: {key: {"n": [counts], "w": {minute: count},
    "s": {...}}}}, "hours": {hour: count}}: histograms, not percentiles, so
    that two parts (closed days, today) add up exactly.
    """
    part = {"groups": {name: {} for name in PAGE_GROUPINGS}, "hours": {}}
    if not rolled and not live:
        return part
    params = {"rolled": list(rolled), "days": list(live), "hall": scope.hall_id}
    params["agency"] = scope.agency_id
    sources = []
    if rolled:
        sources.append(
            f"SELECT {_COLUMNS} FROM services_ticketdaystat WHERE date = ANY(%(rolled)s)"
        )
    if live:
        sources.append(f"SELECT * FROM ({ROLLUP_SQL}) live({_COLUMNS})")
    sql = (
        "WITH facts AS (\n"
        + "\n    UNION ALL\n    ".join(sources)
        + """
), scoped AS (
    SELECT f.*, s.agency_id
    FROM facts f
    JOIN services_service s ON s.id = f.service_id
    JOIN organizations_agency a ON a.id = s.agency_id
    WHERE a.hall_id = %(hall)s AND (%(agency)s::bigint IS NULL OR s.agency_id = %(agency)s)
)"""
        + _PAGE_SQL
    )
    groups = part["groups"]
    for kind, bits, *columns, minute, count, counts in _execute(sql, params):
        if kind == "h":
            part["hours"][minute] = int(count)
            continue
        name = _BITS_TO_GROUPING[bits]
        key = () if name == "total" else (columns[_COLUMN_INDEX[name]],)
        group = groups[name].setdefault(key, {"n": [0] * len(_COUNTS), "w": {}, "s": {}})
        if kind == "c":
            group["n"] = [int(value or 0) for value in counts]
        else:
            group[kind][minute] = int(count)
    return part


def _merge(into, part):
    for name, rows in part["groups"].items():
        target = into["groups"][name]
        for key, group in rows.items():
            mine = target.setdefault(key, {"n": [0] * len(_COUNTS), "w": {}, "s": {}})
            mine["n"] = [a + b for a, b in zip(mine["n"], group["n"], strict=True)]
            for kind in ("w", "s"):
                for minute, count in group[kind].items():
                    mine[kind][minute] = mine[kind].get(minute, 0) + count
    for hour, count in part["hours"].items():
        into["hours"][hour] = into["hours"].get(hour, 0) + count
    return into


def histogram_percentile(histogram, fraction):
    """percentile_cont(fraction) of the minutes of ``histogram`` ({minute: count}).

    The two ranks floor and ceil of fraction x (n - 1) in double precision,
    interpolated as PostgreSQL does (services.stats.Percentile).
    """
    n = sum(histogram.values())
    if not n:
        return None
    pos = fraction * float(n - 1)
    low_rank, high_rank = math.floor(pos), math.ceil(pos)
    low = high = None
    upto = 0
    for minute in sorted(histogram):
        upto += histogram[minute]
        if low is None and upto > low_rank:
            low = minute
        if upto > high_rank:
            high = minute
            break
    return float(low) + (float(high) - float(low)) * (pos - float(low_rank))


def _rows(groups):
    from services.stats import _empty_row

    out = {}
    for key, group in groups.items():
        row = _empty_row()
        row.update(dict(zip(_COUNTS, group["n"], strict=True)))
        row["wait_median"] = histogram_percentile(group["w"], 0.5)
        row["wait_p90"] = histogram_percentile(group["w"], 0.9)
        row["service_median"] = histogram_percentile(group["s"], 0.5)
        row["service_p90"] = histogram_percentile(group["s"], 0.9)
        out[key] = row
    return out


def rolled_marks(start, end) -> list:
    """[(day, rolled_at)] of the days of ``start``..``end`` the rollup covers (one query)."""
    return list(
        TicketRollupDay.objects.filter(date__gte=start, date__lte=end)
        .order_by("date")
        .values_list("date", "rolled_at")
    )


def rolled_version(marks) -> str:
    """A fingerprint of rolled_marks(): changes with every day written again."""
    text = ";".join(f"{day}@{at.timestamp()}" for day, at in marks)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _closed_key(scope, marks):
    return (
        f"stats-closed:{PAGE_CACHE_FORMAT}:{scope.hall_id}:{scope.agency_id or 0}:"
        f"{marks[0][0]}:{marks[-1][0]}:{len(marks)}:{rolled_version(marks)}"
    )


def _closed_part(scope, marks) -> dict:
    """The histograms of the rolled days ``marks`` ([(day, rolled_at)]) of the scope.

    Cached per rollup version, for the whole range and per calendar month:
    after the nightly task rolls up yesterday again, a year is this
    month's pass plus eleven months read from the cache.
    """
    from django.core.cache import cache

    whole = _closed_key(scope, marks)
    found = cache.get(whole)
    if found is not None:
        return found
    months = {}
    for mark in marks:
        months.setdefault((mark[0].year, mark[0].month), []).append(mark)
    keys = {_closed_key(scope, month): month for month in months.values()}
    parts = cache.get_many(list(keys)) if len(keys) > 1 else {}
    missing = {}
    for key, month in keys.items():
        if key not in parts:
            missing[key] = _page_pass(scope, rolled=[day for day, _at in month], live=[])
    if len(keys) > 1 and missing:
        cache.set_many(missing, PAGE_CACHE_SECONDS)
    parts.update(missing)
    # The parts are this request's own objects (pickled when cached): summed in place.
    ordered = [parts[key] for key in keys]
    total = ordered[0]
    for part in ordered[1:]:
        _merge(total, part)
    cache.set(whole, total, PAGE_CACHE_SECONDS)
    return total


def page_facts(scope, marks) -> dict:
    """Every grouping of the statistics page: {grouping: {key: measures}, "hours": [...]}.

    ``marks`` are the scope's rolled days with their rollup time
    (rolled_marks). The closed days come from the rollup, once per rollup
    version (_closed_part: cached, and computed ahead by the nightly task
    for the common ranges), so a year costs a cache read plus today's
    tickets. Today (and any day not rolled) is read live and added to
    them, and the medians and percentiles are taken over the sum, so they
    equal those of the tickets.
    """
    rolled_set = {day for day, _at in marks}
    live = [day for day in _days_between(scope.start, scope.end) if day not in rolled_set]
    total = {"groups": {name: {} for name in PAGE_GROUPINGS}, "hours": {}}
    if marks:
        # A part read from the cache is this request's own copy: today's adds to it.
        total = _closed_part(scope, marks)
    if live:
        _merge(total, _page_pass(scope, rolled=[], live=live))
    result = {name: _rows(groups) for name, groups in total["groups"].items()}
    result["hours"] = sorted(total["hours"].items())
    return result


# Ranges whose closed part the nightly task computes ahead (days back from today).
WARM_RANGES = (7, 30, 365)


def warm_page_cache(*, now=None) -> int:
    """Cache the closed part of the common statistics ranges of every hall and agency.

    Run by the nightly task after the rollup: the first visit of the day
    then reads the year from the cache too. Returns the passes computed.
    """
    from mpp_portal.organizations.models import Agency
    from services.stats import StatsScope

    today = timezone.localtime(now or timezone.now(), JAKARTA).date()
    starts = {today - datetime.timedelta(days=days - 1) for days in WARM_RANGES}
    starts.add(today.replace(day=1))
    agencies = Agency.objects.filter(services__isnull=False).values_list("hall_id", "pk")
    scopes = set()
    for hall_id, agency_id in agencies.distinct():
        scopes.add((hall_id, None))
        scopes.add((hall_id, agency_id))
    passes = 0
    for hall_id, agency_id in sorted(scopes, key=lambda s: (s[0], s[1] or 0)):
        for start in sorted(starts):
            scope = StatsScope(hall_id=hall_id, start=start, end=today, agency_id=agency_id)
            if scope.rolled:
                scope.page  # noqa: B018 (computes and caches the closed part)
                passes += 1
    return passes
