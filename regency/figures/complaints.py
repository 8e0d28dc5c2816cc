"""Complaints followed by the LAPOR flow: received, verified, followed up, overdue, rated.

What is counted, for complaints received in the period (``submitted_at``,
WIB) in the hall (DOMAIN.md, SP4N-LAPOR!; the deadlines are the hall's
``ComplaintPolicy``, 3 and 5 working days by default):

- **Received**: every report (complaint, aspiration, information request).
- **Verified on time**: the admin's first verification (dispatch to an
  agency, or archiving with a reason; a re-dispatch after the agency handed
  the report back does not count again) came by closing time of the ``verify_days``-th
  working day after the day the report counts as received, the rule of
  ``mpp_portal.workdays.deadline`` (after closing time or on a closed day it
  counts from the next working day; weekends, public holidays, cuti bersama
  and the admin's closed days are skipped). Reports whose clock was paused
  for an information request to the reporter are left out of this rate;
  a report still waiting past its deadline counts as late.
- **Followed up on time**: the agency's response came before the deadline
  the portal set at dispatch (``responded_late``, the same figure as the
  complaint statistics page); a dispatched report still unanswered past it
  counts as late.
- **Overdue now**: open reports (waiting for verification or follow-up)
  past their deadline at the moment of the report (``ctx.today``), whenever
  received.
- **Satisfaction**: the reporters' rating (1-5) of the reports received in
  the period that were rated.

Per agency: the reports dispatched to it. An agency admin's slice counts
the reports dispatched to the agency. The public page hides an agency's
average rating when fewer than ``MIN_RATINGS`` reporters rated.

One SQL statement for both periods and every agency (the calendar of the
span is read once and passed in as arrays).
"""

import datetime

from django.db import connection
from django.db.models import prefetch_related_objects
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from complaints.models import ComplaintPolicy
from mpp_portal.organizations.models import Agency
from mpp_portal.workdays import JAKARTA, day_start
from mpp_portal.workdays.calendar import (
    DEFAULT_CLOSES,
    DEFAULT_OPENS,
    working_days_between_many,
)
from regency.figures import Chart, Context, Figure, Table, Tile

# Fewer ratings than this are not shown per agency on the public page: one
# reporter's rating must not be readable.
MIN_RATINGS = 3

_SQL = """
WITH cal AS (
    SELECT * FROM unnest(%(days)s::date[], %(idx)s::int[], %(working)s::bool[],
                         %(closes)s::time[]) AS cal(day, idx, working, closes)
), base AS (
    SELECT c.id, c.status, c.assigned_agency_id AS agency_id, c.rating, c.responded_late,
           c.due_at,
           CASE WHEN c.submitted_at >= %(start_at)s THEN 'now' ELSE 'before' END AS p,
           (c.submitted_at AT TIME ZONE 'Asia/Jakarta') AS submitted_local,
           -- The first verification (a later re-dispatch after a hand-back
           -- moves dispatched_at, not the admin's first decision).
           coalesce(
               (SELECT min(u.created_at) FROM complaints_complaintupdate u
                WHERE u.complaint_id = c.id AND u.from_status = 'submitted'
                  AND u.to_status IN ('dispatched', 'archived')),
               c.dispatched_at,
               CASE WHEN c.status = 'archived' THEN c.closed_at END
           ) AS verified_at,
           EXISTS (SELECT 1 FROM complaints_complaintupdate u
                   WHERE u.complaint_id = c.id AND u.to_status = 'info_requested') AS paused
    FROM complaints_complaint c
    WHERE c.hall_id = %(hall)s
      AND c.submitted_at >= %(first_at)s AND c.submitted_at < %(end_at)s
      AND (%(agency)s::bigint IS NULL OR c.assigned_agency_id = %(agency)s)
), marked AS (
    SELECT b.*,
           rc.idx + CASE WHEN rc.working AND b.submitted_local::time < rc.closes
                         THEN 0 ELSE 1 END AS received_idx,
           vc.idx + CASE WHEN vc.working
                              AND (b.verified_at AT TIME ZONE 'Asia/Jakarta')::time <= vc.closes
                         THEN 0 ELSE 0.5 END AS verified_idx
    FROM base b
    JOIN cal rc ON rc.day = b.submitted_local::date
    LEFT JOIN cal vc ON vc.day = (b.verified_at AT TIME ZONE 'Asia/Jakarta')::date
), flags AS (
    SELECT m.*,
           NOT m.paused AND m.verified_at IS NOT NULL
               AND m.verified_idx <= m.received_idx + %(verify_days)s AS verify_on_time,
           NOT m.paused AND (m.verified_at IS NOT NULL
               OR (m.status = 'submitted' AND m.due_at < %(now)s)) AS verify_decided,
           m.responded_late IS FALSE AS followup_on_time,
           m.responded_late IS NOT NULL
               OR (m.status = 'dispatched' AND m.due_at < %(now)s) AS followup_decided
    FROM marked m
)
SELECT 'period', p, agency_id, GROUPING(agency_id),
       count(*), count(*) FILTER (WHERE verify_on_time), count(*) FILTER (WHERE verify_decided),
       count(*) FILTER (WHERE followup_on_time), count(*) FILTER (WHERE followup_decided),
       avg(rating)::float, count(rating)
FROM flags
GROUP BY GROUPING SETS ((p), (p, agency_id))
UNION ALL
SELECT 'overdue', NULL, c.assigned_agency_id, 0, count(*), NULL, NULL, NULL, NULL, NULL, NULL
FROM complaints_complaint c
WHERE c.hall_id = %(hall)s AND c.status IN ('submitted', 'dispatched') AND c.due_at < %(now)s
  AND (%(agency)s::bigint IS NULL OR c.assigned_agency_id = %(agency)s)
GROUP BY c.assigned_agency_id
"""


def _calendar_arrays(hall, first: datetime.date, last: datetime.date) -> dict:
    """The working-day calendar of first..last as parallel arrays for the query.

    ``idx`` counts the working days from ``first`` up to and including each
    day (``workdays.working_days_between_many``, one read of the calendar),
    so the working days between two dates are the difference of their
    indexes; ``closes`` is the hall's closing time that day (the usual
    16:00 on a day without hours of its own, as ``workdays.deadline``).
    """
    days = [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
    # Read once here; the calendar reuses the rows.
    prefetch_related_objects([hall], "office_hours")
    before = first - datetime.timedelta(days=1)
    idx = working_days_between_many([(before, day) for day in days], hall=hall)
    working = [n > previous for n, previous in zip(idx, [0, *idx[:-1]], strict=True)]
    closes = [(hall.hours_on(day) or (DEFAULT_OPENS, DEFAULT_CLOSES))[1] for day in days]
    return {"days": days, "idx": idx, "working": working, "closes": closes}


def moment(ctx: Context) -> datetime.datetime:
    """ "Now" for the overdue figures: the real now on today, else the end of ``ctx.today``."""
    now = timezone.now()
    today = ctx.today
    if today is None or today == timezone.localdate(now, timezone=JAKARTA):
        return now
    return day_start(today + datetime.timedelta(days=1))


def query(ctx: Context) -> list[tuple]:
    period, previous = ctx.period, ctx.period.previous()
    # Read only: a dashboard never writes (ComplaintPolicy.for_hall creates the row).
    policy = ComplaintPolicy.objects.filter(hall=ctx.hall).first() or ComplaintPolicy()
    now = moment(ctx)
    last = max(
        period.end, timezone.localdate(now, timezone=JAKARTA), timezone.localdate(timezone=JAKARTA)
    ) + datetime.timedelta(days=1)
    params = {
        "hall": ctx.hall.pk,
        "agency": getattr(ctx.agency, "pk", None),
        "first_at": previous.start_at,
        "start_at": period.start_at,
        "end_at": period.end_at,
        "now": now,
        "verify_days": policy.verify_days,
        **_calendar_arrays(ctx.hall, previous.start, last),
    }
    with connection.cursor() as cursor:
        cursor.execute(_SQL, params)
        return cursor.fetchall(), policy


def _of(part, whole):
    return ngettext("%(part)s dari %(whole)s laporan", "%(part)s dari %(whole)s laporan", whole) % {
        "part": part,
        "whole": whole,
    }


def _rate(part, whole):
    return round(100 * part / whole, 1) if whole else None


def build(ctx: Context) -> Tile:
    period, previous = ctx.period, ctx.period.previous()
    rows, policy = query(ctx)
    totals = {}
    per_agency = {}
    overdue = {}
    for kind, p, agency_id, grouped, *counts in rows:
        if kind == "overdue":
            overdue[agency_id] = counts[0]
            continue
        keys = (
            "received",
            "verify_on_time",
            "verify_decided",
            "followup_on_time",
            "followup_decided",
            "rating",
            "rated",
        )
        values = dict(zip(keys, counts, strict=True))
        if grouped:
            totals[p] = values
        elif p == "now" and agency_id is not None:
            per_agency[agency_id] = values
    empty = {
        "received": 0,
        "verify_on_time": 0,
        "verify_decided": 0,
        "followup_on_time": 0,
        "followup_decided": 0,
        "rating": None,
        "rated": 0,
    }
    now, before = totals.get("now", empty), totals.get("before", empty)

    def rating(values):
        # The public page shows no average of fewer than MIN_RATINGS ratings.
        if values["rating"] is None or (ctx.public and values["rated"] < MIN_RATINGS):
            return None
        return round(values["rating"], 2)

    figures = [
        Figure(
            "received",
            _("Laporan diterima"),
            now["received"],
            before["received"],
            higher_is_better=None,
        ),
        Figure(
            "verified_on_time_rate",
            _("Diverifikasi dalam %(days)s hari kerja") % {"days": policy.verify_days},
            _rate(now["verify_on_time"], now["verify_decided"]),
            _rate(before["verify_on_time"], before["verify_decided"]),
            unit="%",
            note=_of(now["verify_on_time"], now["verify_decided"]),
        ),
        Figure(
            "followed_up_on_time_rate",
            _("Ditindaklanjuti dalam %(days)s hari kerja") % {"days": policy.followup_days},
            _rate(now["followup_on_time"], now["followup_decided"]),
            _rate(before["followup_on_time"], before["followup_decided"]),
            unit="%",
            note=_of(now["followup_on_time"], now["followup_decided"]),
        ),
        Figure(
            "overdue_now",
            _("Lewat batas waktu saat ini"),
            sum(overdue.values()),
            None,
            higher_is_better=False,
        ),
        Figure(
            "satisfaction",
            _("Kepuasan pelapor (1-5)"),
            rating(now),
            rating(before),
            note=ngettext("%(n)s penilaian", "%(n)s penilaian", now["rated"]) % {"n": now["rated"]},
        ),
    ]
    agencies = {
        a.pk: a for a in Agency.objects.filter(pk__in=(set(per_agency) | set(overdue)) - {None})
    }

    def label(agency):
        return agency.short_name or agency.name

    table_rows = []
    for agency_id in sorted(agencies, key=lambda pk: label(agencies[pk])):
        values = per_agency.get(agency_id, empty)
        shown = rating(values)
        table_rows.append(
            [
                label(agencies[agency_id]),
                values["received"],
                values["followup_on_time"],
                values["followup_decided"] - values["followup_on_time"],
                _rate(values["followup_on_time"], values["followup_decided"]),
                overdue.get(agency_id, 0),
                shown,
            ]
        )
    table = Table(
        columns=[
            _("Instansi"),
            _("Diteruskan"),
            _("Ditindaklanjuti tepat waktu"),
            _("Terlambat"),
            _("Persentase tepat waktu"),
            _("Lewat batas saat ini"),
            _("Rata-rata penilaian"),
        ],
        rows=table_rows,
        caption=_("Laporan yang diterima dalam periode dan diteruskan, per instansi"),
    )
    chart = Chart(
        type="bar",
        labels=[row[0] for row in table_rows],
        datasets=[
            {"label": str(_("Ditindaklanjuti tepat waktu")), "data": [r[2] for r in table_rows]},
            {"label": str(_("Terlambat")), "data": [r[3] for r in table_rows]},
        ],
    )
    definition = _(
        "Laporan yang masuk dalam periode %(period)s, dibandingkan dengan %(previous)s "
        "(waktu masuk WIB). Diverifikasi tepat waktu: diteruskan ke instansi atau "
        "diarsipkan paling lambat jam tutup hari kerja ke-%(verify)s sesudah hari laporan "
        "diterima (laporan sesudah jam tutup atau pada hari libur dihitung dari hari kerja "
        "berikutnya; Sabtu, Minggu, hari libur nasional, cuti bersama dan hari tutup gedung "
        "tidak dihitung); laporan yang menunggu informasi pelapor tidak dihitung, yang belum "
        "diverifikasi melewati batas dihitung terlambat. Ditindaklanjuti tepat waktu: "
        "tanggapan instansi sebelum batas yang ditetapkan saat diteruskan (%(followup)s "
        "hari kerja; permintaan informasi %(information)s hari kerja, dapat diperpanjang "
        "sekali); yang belum ditanggapi melewati batas dihitung terlambat. Lewat batas "
        "saat ini: laporan terbuka yang melewati batas waktunya pada %(today)s, kapan pun "
        "masuknya. Kepuasan: rata-rata penilaian pelapor (1-5) atas laporan periode ini."
    ) % {
        "period": period.label,
        "previous": previous.label,
        "verify": policy.verify_days,
        "followup": policy.followup_days,
        "information": policy.information_days,
        "today": formats.date_format(ctx.today or timezone.localdate(timezone=JAKARTA), "j F Y"),
    }
    if ctx.agency is not None:
        url = reverse("complaints:agency_list")
    else:
        url = reverse("complaints:stats")
    return Tile(
        key="complaints",
        title=_("Pengaduan (alur LAPOR)"),
        definition=definition,
        figures=figures,
        table=table,
        chart=chart,
        url=url,
        public_url=reverse("complaints:public_list"),
    )
