"""Queue statistics, computed by PostgreSQL aggregates.

Every figure is one GROUP BY query: counts with FILTER, medians and 90th
percentiles with ``percentile_cont``. Python only merges the grouped rows
(one per day, service, counter or agency), never loops over tickets.

A ticket counts as *issued* for the service that numbered it
(``numbered_service``), but is *handled* (served, no-show, cancelled,
waiting and service times) by the service it ended in, since a transfer
moves it; transfers are counted per ``from_service``.
"""

import dataclasses
import datetime
import functools

from django.db.models import (
    Aggregate,
    Count,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Cast, ExtractHour, Greatest, Least, Round
from django.utils import timezone

from mpp_portal.workdays import JAKARTA, day_start
from services import rollup
from services.models import Counter, CounterPause, Priority, Service, Ticket, TicketTransfer

LEARN_WINDOW_DAYS = 30
LEARN_MIN_TICKETS = 5


class Percentile(Aggregate):
    """``percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)``.

    An ordered-set aggregate: Django's ``Aggregate`` puts its argument in
    the parentheses, so the template places it after ORDER BY instead.
    A FILTER clause (``filter=Q(...)``) is appended by ``Aggregate``.
    """

    name = "Percentile"
    template = "percentile_cont(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction, **extra):
        fraction = float(fraction)
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        # float() above: the value is written into the SQL, never user text.
        super().__init__(expression, fraction=repr(fraction), **extra)


class EpochMinutes(Func):
    """Minutes in an interval: ``EXTRACT(EPOCH FROM interval) / 60``."""

    template = "(EXTRACT(EPOCH FROM %(expressions)s)::double precision / 60.0)"
    output_field = FloatField()


# The wait runs from the arrival at the hall: the ticket's issue, which for a
# booking is its check-in (services.queue.ticket_issue), never its slot's
# start, so a booking checked in late did not "wait" before it came.
#
# Both count in whole minutes (rounded): the daily rollup keeps them as
# histograms over minutes (services/rollup.py), and a year's medians from
# it equal those computed here from the tickets.
WAIT_MINUTES = Round(EpochMinutes(F("called_at") - F("issued_at")))
SERVICE_MINUTES = Round(EpochMinutes(F("finished_at") - F("started_at")))
HAS_WAIT = Q(called_at__isnull=False)
HAS_SERVICE = Q(status=Ticket.Status.DONE, started_at__isnull=False, finished_at__isnull=False)

MEASURES = (
    "issued",
    "served",
    "no_show",
    "transferred",
    "cancelled",
    "wait_median",
    "wait_p90",
    "service_median",
    "service_p90",
)


def handled_aggregates():
    return {
        "served": Count("pk", filter=Q(status=Ticket.Status.DONE)),
        "no_show": Count("pk", filter=Q(status=Ticket.Status.SKIPPED)),
        "cancelled": Count("pk", filter=Q(status=Ticket.Status.CANCELLED)),
        "wait_median": Percentile(WAIT_MINUTES, 0.5, filter=HAS_WAIT),
        "wait_p90": Percentile(WAIT_MINUTES, 0.9, filter=HAS_WAIT),
        "service_median": Percentile(SERVICE_MINUTES, 0.5, filter=HAS_SERVICE),
        "service_p90": Percentile(SERVICE_MINUTES, 0.9, filter=HAS_SERVICE),
    }


# Where each grouping key lives in the three queries (None: not applicable).
_KEYS = {
    "day": {"issued": "date", "handled": "date", "transfer": "ticket__date"},
    "service": {
        "issued": "numbered_service_id",
        "handled": "service_id",
        "transfer": "from_service_id",
    },
    "agency": {
        "issued": "numbered_service__agency_id",
        "handled": "service__agency_id",
        "transfer": "from_service__agency_id",
    },
    "counter": {"issued": None, "handled": "counter_id", "transfer": None},
    "priority": {"issued": "priority", "handled": "priority", "transfer": "ticket__priority"},
}


@dataclasses.dataclass(frozen=True)
class StatsScope:
    """What a statistics page or export covers: a hall, maybe one agency, a date range."""

    hall_id: int
    start: datetime.date
    end: datetime.date
    agency_id: int | None = None
    # Read the daily rollup (services.rollup) for the days it covers; False
    # computes everything from the raw tickets (the rollup's own tests).
    use_rollup: bool = True

    @functools.cached_property
    def rolled_marks(self) -> list:
        """[(day, rolled_at)] of the days of the scope the rollup covers (one query, kept)."""
        return rollup.rolled_marks(self.start, self.end) if self.use_rollup else []

    @functools.cached_property
    def rolled(self) -> list:
        """The days of the scope the rollup covers."""
        return [day for day, _at in self.rolled_marks]

    @functools.cached_property
    def page(self) -> dict:
        """Every grouping of the statistics page in one pass (services.rollup.page_facts).

        The rolled days' part is cached per rollup version; kept for the
        scope's other figures.
        """
        return rollup.page_facts(self, self.rolled_marks)

    def tickets(self, via="service"):
        """Tickets of the range, scoped through ``via`` (service or numbered_service)."""
        qs = Ticket.objects.filter(date__range=(self.start, self.end))
        qs = qs.filter(**{f"{via}__agency__hall_id": self.hall_id})
        if self.agency_id:
            qs = qs.filter(**{f"{via}__agency_id": self.agency_id})
        return qs

    def transfers(self):
        qs = TicketTransfer.objects.filter(
            ticket__date__range=(self.start, self.end),
            from_service__agency__hall_id=self.hall_id,
        )
        if self.agency_id:
            qs = qs.filter(from_service__agency_id=self.agency_id)
        return qs


def _empty_row():
    row = dict.fromkeys(MEASURES, 0)
    for name in ("wait_median", "wait_p90", "service_median", "service_p90"):
        row[name] = None
    return row


def grouped(scope: StatsScope, keys: tuple[str, ...]) -> dict:
    """Return {key tuple: measures} grouped by ``keys`` (of day/service/agency/counter).

    Three GROUP BY queries: issued (by numbering service), handled (by
    current service), transfers (by origin service). When the daily rollup
    covers days of the scope, one query over the rollup and today's tickets
    instead (services.rollup), with the same figures.
    """
    if scope.rolled:
        if len(keys) == 1 and keys[0] in rollup.PAGE_GROUPINGS:
            return scope.page[keys[0]]
        return rollup.fact_groups(scope, keys, scope.rolled)
    rows: dict = {}

    def merge(queryset, kind, aggregates):
        paths = [_KEYS[k][kind] for k in keys]
        if any(p is None for p in paths):
            return
        aliases = {f"k_{k}": F(p) for k, p in zip(keys, paths, strict=True)}
        for item in queryset.values(**aliases).annotate(**aggregates).order_by():
            key = tuple(item[f"k_{k}"] for k in keys)
            target = rows.setdefault(key, _empty_row())
            for name in aggregates:
                target[name] = item[name]

    merge(scope.tickets(via="numbered_service"), "issued", {"issued": Count("pk")})
    merge(scope.tickets(), "handled", handled_aggregates())
    merge(scope.transfers(), "transfer", {"transferred": Count("pk")})
    return rows


def totals(scope: StatsScope) -> dict:
    """Return the measures over the whole scope (three aggregate queries)."""
    if scope.rolled:
        return scope.page["total"].get((), _empty_row())
    row = _empty_row()
    row.update(scope.tickets(via="numbered_service").aggregate(issued=Count("pk")))
    row.update(scope.tickets().aggregate(**handled_aggregates()))
    row["transferred"] = scope.transfers().count()
    return row


def busiest_hours(scope: StatsScope) -> list[tuple[int, int]]:
    """Return [(hour, tickets issued)] by hour of day in Asia/Jakarta, busiest data only."""
    if scope.rolled:
        return scope.page["hours"]
    qs = (
        scope.tickets(via="numbered_service")
        .annotate(hour=ExtractHour("issued_at", tzinfo=JAKARTA))
        .values("hour")
        .annotate(n=Count("pk"))
        .order_by("hour")
    )
    return [(item["hour"], item["n"]) for item in qs]


def _labelled(rows, key_name, objects):
    """Turn {(pk,): measures} into a list of dicts with the object, sorted by label."""
    out = []
    for (pk,), measures in rows.items():
        obj = objects.get(pk)
        if obj is None:
            continue
        out.append({key_name: obj, **measures})
    out.sort(key=lambda r: str(r[key_name]))
    return out


def dashboard(scope: StatsScope) -> dict:
    """Everything the statistics page shows, in a fixed number of queries."""
    services = {
        s.pk: s
        for s in Service.objects.filter(agency__hall_id=scope.hall_id).select_related("agency")
    }
    if scope.agency_id:
        services = {pk: s for pk, s in services.items() if s.agency_id == scope.agency_id}
    per_day = [
        {"day": key[0], **measures} for key, measures in sorted(grouped(scope, ("day",)).items())
    ]
    per_service = _labelled(grouped(scope, ("service",)), "service", services)
    per_counter = counter_rows(scope)
    per_agency = agency_rows(scope, services=services)
    hours = busiest_hours(scope)
    pauses = pause_rows(scope)
    return {
        "pauses": pauses,
        "totals": totals(scope),
        "per_day": per_day,
        "per_service": per_service,
        "per_counter": per_counter,
        "per_agency": per_agency,
        "per_priority": priority_rows(scope),
        "hours": hours,
        "busiest_hour": max(hours, key=lambda h: (h[1], -h[0]))[0] if hours else None,
    }


def priority_rows(scope: StatsScope) -> list[dict]:
    """One row per priority group (UU 25/2009 Pasal 29), "Umum" first, zeros kept.

    Every group is listed, so a report shows that no disaster victim came
    rather than leaving the group out.
    """
    rows = grouped(scope, ("priority",))
    return [{"priority": group, **rows.get((group.value,), _empty_row())} for group in Priority]


def counter_rows(scope: StatsScope) -> list[dict]:
    """One row per counter of the hall that handled tickets in the scope."""
    counters = {
        c.pk: c for c in Counter.objects.filter(hall_id=scope.hall_id).select_related("agency")
    }
    return _labelled(grouped(scope, ("counter",)), "counter", counters)


def pause_rows(scope: StatsScope) -> list[dict]:
    """Breaks (istirahat) per counter in the scope: how many, and their minutes (one query).

    A break counts on the day it started; an open break is not in yet.
    """
    start = day_start(scope.start)
    end = day_start(scope.end + datetime.timedelta(days=1))
    pauses = CounterPause.objects.filter(
        counter__hall_id=scope.hall_id, started_at__gte=start, started_at__lt=end
    ).select_related("counter__agency")
    if scope.agency_id:
        pauses = pauses.filter(counter__agency_id=scope.agency_id)
    rows = {}
    for pause in pauses:
        row = rows.setdefault(
            pause.counter_id, {"counter": pause.counter, "breaks": 0, "minutes": 0}
        )
        row["breaks"] += 1
        row["minutes"] += pause.minutes
    return sorted(rows.values(), key=lambda row: row["counter"].number)


def agency_rows(scope: StatsScope, *, services: dict | None = None) -> list[dict]:
    """One row per agency of the hall; none when the scope is one agency."""
    if scope.agency_id:
        return []
    if services is None:
        services = {
            s.pk: s
            for s in Service.objects.filter(agency__hall_id=scope.hall_id).select_related("agency")
        }
    agencies = {s.agency_id: s.agency for s in services.values()}
    return _labelled(grouped(scope, ("agency",)), "agency", agencies)


def day_service_rows(scope: StatsScope) -> list[dict]:
    """One row per (day, service) with every measure, for the CSV export."""
    services = {
        s.pk: s
        for s in Service.objects.filter(agency__hall_id=scope.hall_id).select_related("agency")
    }
    out = []
    for (day, service_id), measures in grouped(scope, ("day", "service")).items():
        service = services.get(service_id)
        if service is None:
            continue
        out.append({"day": day, "service": service, **measures})
    out.sort(key=lambda r: (r["day"], r["service"].agency.name, r["service"].name))
    return out


def chart_data(data: dict) -> dict:
    """The figures the Chart.js charts draw (passed to the page with json_script)."""

    def num(value):
        return None if value is None else round(value, 1)

    return {
        "hours": {
            "labels": [f"{hour:02d}.00" for hour, _n in data["hours"]],
            "issued": [n for _hour, n in data["hours"]],
        },
        "services": {
            "labels": [r["service"].name for r in data["per_service"]],
            "issued": [r["issued"] for r in data["per_service"]],
            "served": [r["served"] for r in data["per_service"]],
            "wait_median": [num(r["wait_median"]) for r in data["per_service"]],
            "wait_p90": [num(r["wait_p90"]) for r in data["per_service"]],
        },
    }


def service_learn_average_minutes(*, now=None) -> int:
    """Set each learning service's average to its median service time of the last 30 days.

    One UPDATE with a correlated subquery; services with fewer than five
    finished tickets in the window, or with a manually fixed average, keep
    theirs. Returns the number of services updated.
    """
    now = now or timezone.now()
    since = now - datetime.timedelta(days=LEARN_WINDOW_DAYS)
    finished = Ticket.objects.filter(HAS_SERVICE, finished_at__gte=since, finished_at__lte=now)
    per_service = (
        finished.filter(service_id=OuterRef("pk"))
        .values("service_id")
        .annotate(n=Count("pk"), median=Percentile(SERVICE_MINUTES, 0.5))
        .filter(n__gte=LEARN_MIN_TICKETS)
        .order_by()
    )
    eligible = (
        finished.values("service_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=LEARN_MIN_TICKETS)
        .values("service_id")
    )
    # The model allows 1-480 minutes; a sub-minute median still means 1.
    minutes = Greatest(
        1,
        Least(480, Cast(Round(Subquery(per_service.values("median")[:1])), IntegerField())),
    )
    return Service.objects.filter(average_minutes_fixed=False, pk__in=eligible).update(
        average_service_minutes=minutes
    )
