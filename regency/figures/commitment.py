"""Shared commitment of the agency heads: FKM forums and their agreements.

What is counted (the forums issue's data):

- **Forums held**: the hall's public consultation forums (FKM) whose date
  (``starts_at``, WIB) falls in the period and that took place (any status
  after "planned").
- **Berita acara signed**: forums whose berita acara received its last
  approval (``signed_at``, WIB) in the period.
- **Agreement items** due in the period (``target_date`` in the period),
  each with its standing from forums.reports (the hall's working-day
  calendar, a target on a closed day moves to the next working day): done
  on time, done late, not done yet (of which past the target today);
  dropped items are left out.

An agency admin's slice counts the forums the agency took part in and the
items assigned to it. The public page counts published forums only.

Queries: one aggregate for the forums of both periods, one for the items
due in both periods (with their agency), one calendar read. The items due in
a period are few (dozens), so their standing is worked out by
forums.reports.late_working_days, the same rule the forum reports use.
"""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from forums.models import AgreementItem, Forum
from forums.reports import Standing, late_working_days
from mpp_portal.workdays import JAKARTA
from regency.figures import Chart, Context, Figure, Table, Tile

S = AgreementItem.Status
PLANNED = Forum.Status.PLANNED


def _in(field, period):
    return Q(**{f"{field}__gte": period.start_at, f"{field}__lt": period.end_at})


def _forums(ctx: Context, periods):
    forums = Forum.objects.filter(hall=ctx.hall)
    if ctx.public:
        forums = forums.filter(is_published=True)
    if ctx.agency is not None:
        forums = forums.filter(agencies__agency=ctx.agency)
    aggregates = {}
    for name, period in periods.items():
        aggregates[f"held_{name}"] = Count(
            "pk", filter=_in("starts_at", period) & ~Q(status=PLANNED), distinct=True
        )
        aggregates[f"signed_{name}"] = Count(
            "pk", filter=_in("signed_at", period) & Q(status=Forum.Status.SIGNED), distinct=True
        )
    return forums.aggregate(**aggregates)


def _standings(ctx: Context, first, last, today):
    """[(item, agency name, standing)] of the items due in first..last."""
    items = AgreementItem.objects.filter(
        forum__hall=ctx.hall, target_date__gte=first, target_date__lte=last
    ).exclude(status=S.DROPPED)
    if ctx.public:
        items = items.filter(forum__is_published=True)
    if ctx.agency is not None:
        items = items.filter(agency=ctx.agency)
    items = list(
        items.only("pk", "status", "done_on", "target_date", "agency__name")
        .select_related("agency")
        .order_by()
    )
    late = late_working_days(items, hall=ctx.hall, today=today)
    result = []
    for item in items:
        if item.status == S.DONE:
            standing = Standing.DONE_LATE if late[item.pk] else Standing.DONE_ON_TIME
        else:
            standing = Standing.OVERDUE if late[item.pk] else Standing.OPEN
        result.append((item, item.agency.name, standing))
    return result


def _counts(standings, period):
    counts = {"due": 0, "on_time": 0, "late": 0, "open": 0, "overdue": 0}
    for item, _agency, standing in standings:
        if not period.contains(item.target_date):
            continue
        counts["due"] += 1
        if standing == Standing.DONE_ON_TIME:
            counts["on_time"] += 1
        elif standing == Standing.DONE_LATE:
            counts["late"] += 1
        else:
            counts["open"] += 1
            counts["overdue"] += standing == Standing.OVERDUE
    return counts


def _rate(part, whole):
    return round(100 * part / whole, 1) if whole else None


def build(ctx: Context) -> Tile:
    today = ctx.today or timezone.localdate(timezone=JAKARTA)
    period, previous = ctx.period, ctx.period.previous()
    forums = _forums(ctx, {"now": period, "before": previous})
    standings = _standings(ctx, previous.start, period.end, today)
    now, before = _counts(standings, period), _counts(standings, previous)
    figures = [
        Figure(
            "forums_held",
            _("Forum konsultasi publik terlaksana"),
            forums["held_now"],
            forums["held_before"],
        ),
        Figure(
            "berita_acara_signed",
            _("Berita acara ditandatangani"),
            forums["signed_now"],
            forums["signed_before"],
        ),
        Figure(
            "items_due",
            _("Butir kesepakatan jatuh tempo"),
            now["due"],
            before["due"],
            higher_is_better=None,
        ),
        Figure("items_on_time", _("Selesai tepat waktu"), now["on_time"], before["on_time"]),
        Figure(
            "items_late",
            _("Selesai terlambat"),
            now["late"],
            before["late"],
            higher_is_better=False,
        ),
        Figure(
            "items_open", _("Belum selesai"), now["open"], before["open"], higher_is_better=False
        ),
        Figure(
            "items_overdue",
            _("Belum selesai, lewat target"),
            now["overdue"],
            before["overdue"],
            higher_is_better=False,
        ),
        Figure(
            "on_time_rate",
            _("Butir selesai tepat waktu"),
            _rate(now["on_time"], now["due"]),
            _rate(before["on_time"], before["due"]),
            unit="%",
        ),
    ]
    per_agency = {}
    for item, agency, standing in standings:
        if not period.contains(item.target_date):
            continue
        row = per_agency.setdefault(agency, [agency, 0, 0, 0, 0, 0])
        row[1] += 1
        column = {
            Standing.DONE_ON_TIME: 2,
            Standing.DONE_LATE: 3,
            Standing.OPEN: 4,
            Standing.OVERDUE: 4,
        }[standing]
        row[column] += 1
        row[5] += standing == Standing.OVERDUE
    rows = [per_agency[name] for name in sorted(per_agency)]
    table = Table(
        columns=[
            _("Instansi"),
            _("Jatuh tempo"),
            _("Selesai tepat waktu"),
            _("Selesai terlambat"),
            _("Belum selesai"),
            _("Lewat target"),
        ],
        rows=rows,
        caption=_("Butir kesepakatan forum yang jatuh tempo dalam periode, per instansi"),
    )
    chart = Chart(
        type="bar",
        labels=[row[0] for row in rows],
        datasets=[
            {"label": str(_("Selesai tepat waktu")), "data": [row[2] for row in rows]},
            {"label": str(_("Selesai terlambat")), "data": [row[3] for row in rows]},
            {"label": str(_("Belum selesai")), "data": [row[4] for row in rows]},
        ],
    )
    definition = _(
        "Forum terlaksana: forum konsultasi publik yang tanggalnya (WIB) dalam periode "
        "dan sudah dilaksanakan. Berita acara ditandatangani: persetujuan terakhirnya "
        "diberikan dalam periode. Butir kesepakatan: butir yang target selesainya dalam "
        "periode, selain yang dibatalkan; tepat waktu bila selesai paling lambat pada "
        "hari kerja target (target pada hari libur bergeser ke hari kerja berikutnya), "
        "terlambat bila selesai sesudahnya; belum selesai dihitung lewat target bila "
        "hari ini sudah melewati hari kerja target."
    )
    return Tile(
        key="commitment",
        title=_("Komitmen bersama kepala OPD"),
        definition=definition,
        figures=figures,
        table=table,
        chart=chart,
        url=reverse("forums:agency_items")
        if ctx.agency is not None
        else reverse("forums:manage_list"),
        public_url=reverse("forums:public_list"),
    )
