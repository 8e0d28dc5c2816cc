"""Follow-up of a forum's agreements: each item's standing, the per-forum report.

An item's standing is worked out with the hall's working-day calendar
(``mpp_portal.workdays``), read once for all items of a forum:

* A target date that falls on a closed day (weekend, holiday, cuti bersama,
  a date the hall closed) moves to the next working day, as every deadline
  of the portal does.
* An item is *late* once a working day has begun after that (moved) target
  date without it being done: done on Saturday after a Friday target is on
  time, done on Monday is one working day late.
* ``done`` items are on time or late by ``done_on``; ``open`` and
  ``in_progress`` items are overdue ("terlambat") by today; ``dropped``
  items are neither.

``follow_up_summary(forum)`` feeds the public forum page and the report;
``report_data(forum)`` adds the counts overall and per agency, which the
staff page, the PDF and the CSV show.
"""

import datetime

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from mpp_portal.workdays import JAKARTA
from mpp_portal.workdays.calendar import working_days_between_many

# The registry's kind (documents.IssuedDocument.Kind.FORUM_REPORT).
KIND = "forum_report"
PDF_TEMPLATE = "forums/report_pdf.html"
JOB_TTL = 60 * 60 * 24


class Standing:
    """The follow-up standing of one item (a value of ``row["standing"]``)."""

    DONE_ON_TIME = "done_on_time"
    DONE_LATE = "done_late"
    OPEN = "open"
    OVERDUE = "overdue"
    DROPPED = "dropped"

    LABELS = {
        DONE_ON_TIME: gettext_lazy("Selesai tepat waktu"),
        DONE_LATE: gettext_lazy("Selesai terlambat"),
        OPEN: gettext_lazy("Belum selesai"),
        OVERDUE: gettext_lazy("Terlambat"),
        DROPPED: gettext_lazy("Dibatalkan"),
    }
    # Bootstrap colours of the badge on the pages.
    BADGES = {
        DONE_ON_TIME: "success",
        DONE_LATE: "warning",
        OPEN: "secondary",
        OVERDUE: "danger",
        DROPPED: "light",
    }


# The count columns of the report, in order (key, label).
COLUMNS = [
    ("total", gettext_lazy("Jumlah butir")),
    (Standing.DONE_ON_TIME, gettext_lazy("Selesai tepat waktu")),
    (Standing.DONE_LATE, gettext_lazy("Selesai terlambat")),
    ("open_total", gettext_lazy("Belum selesai")),
    (Standing.OVERDUE, gettext_lazy("Belum selesai, lewat target")),
    (Standing.DROPPED, gettext_lazy("Dibatalkan")),
]


def jakarta_today(now=None):
    return timezone.localtime(now or timezone.now(), JAKARTA).date()


def late_working_days(items, *, hall, today):
    """Return {item.pk: working days late (0 = not late)} for ``items``.

    One calendar read for all of them. An item's end is ``done_on`` when
    done, today when still open; dropped items are never late.
    """
    from forums.models import AgreementItem

    S = AgreementItem.Status
    pairs, index = [], []
    for item in items:
        if item.status == S.DROPPED:
            continue
        end = item.done_on if item.status == S.DONE else today
        if end is None:  # a done item without its date: count as done today
            end = today
        if end <= item.target_date:
            continue
        target = item.target_date
        # (target - 1, target] holds one working day iff the target is one.
        pairs += [(target - datetime.timedelta(days=1), target), (target, end)]
        index.append(item.pk)
    late = dict.fromkeys((item.pk for item in items), 0)
    if not pairs:
        return late
    counts = working_days_between_many(pairs, hall)
    for position, pk in enumerate(index):
        target_is_working, after = counts[2 * position], counts[2 * position + 1]
        # A closed target day moves to the next working day, which is then
        # not yet late.
        late[pk] = max(0, after - (0 if target_is_working else 1))
    return late


def _standing(item, late_days):
    from forums.models import AgreementItem

    S = AgreementItem.Status
    if item.status == S.DROPPED:
        return Standing.DROPPED
    if item.status == S.DONE:
        return Standing.DONE_LATE if late_days else Standing.DONE_ON_TIME
    return Standing.OVERDUE if late_days else Standing.OPEN


def _standing_text(item, standing, late_days):
    if standing in (Standing.DONE_LATE, Standing.OVERDUE):
        text = ngettext(
            "terlambat %(count)d hari kerja", "terlambat %(count)d hari kerja", late_days
        ) % {"count": late_days}
        if standing == Standing.DONE_LATE:
            return _("Selesai, %(late)s") % {"late": text}
        return text[:1].upper() + text[1:]
    if standing == Standing.OPEN:
        return item.get_status_display()
    return str(Standing.LABELS[standing])


def follow_up_summary(forum, *, today=None, items=None):
    """Return one dict per agreement item of ``forum``, in number order.

    Keys: ``item`` (the AgreementItem, agency loaded), ``number``, ``text``,
    ``agency`` (name shown), ``target_date``, ``status`` and
    ``status_label`` (the item's own status), ``done_on``, ``standing`` (a
    ``Standing`` value), ``standing_label`` ("Selesai tepat waktu",
    "Terlambat", ...), ``standing_text`` (with the working days late:
    "Terlambat 3 hari kerja"), ``late_days``, ``is_late`` and ``badge``.

    Three queries: the items with their agencies, and the hall's calendar.
    ``items`` may pass the forum's items already loaded (with ``agency``).
    """
    today = today or jakarta_today()
    if items is None:
        items = list(forum.items.select_related("agency").order_by("number"))
    late = late_working_days(items, hall=forum.hall, today=today)
    rows = []
    for item in items:
        standing = _standing(item, late[item.pk])
        rows.append(
            {
                "item": item,
                "number": item.number,
                "text": item.text,
                "agency": item.agency.short_name or item.agency.name,
                "agency_name": item.agency.name,
                "agency_id": item.agency_id,
                "target_date": item.target_date,
                "status": item.status,
                "status_label": item.get_status_display(),
                "status_reason": item.status_reason,
                "done_on": item.done_on,
                "standing": standing,
                "standing_label": str(Standing.LABELS[standing]),
                "standing_text": _standing_text(item, standing, late[item.pk]),
                "late_days": late[item.pk],
                "is_late": standing in (Standing.DONE_LATE, Standing.OVERDUE),
                "badge": Standing.BADGES[standing],
            }
        )
    return rows


def _empty_counts():
    return {key: 0 for key, _label in COLUMNS}


def _count(counts, standing):
    """Count one item; "open_total" holds the open items, overdue ones included."""
    counts["total"] += 1
    if standing in (Standing.OPEN, Standing.OVERDUE):
        counts["open_total"] += 1
    if standing != Standing.OPEN:
        counts[standing] += 1


def report_data(forum, *, today=None):
    """Everything the report page, PDF and CSV show for ``forum``."""
    today = today or jakarta_today()
    rows = follow_up_summary(forum, today=today)
    totals = _empty_counts()
    agencies = {}
    for row in rows:
        _count(totals, row["standing"])
        agency = agencies.setdefault(
            row["agency_id"],
            {"name": row["agency_name"], "short_name": row["agency"], "counts": _empty_counts()},
        )
        _count(agency["counts"], row["standing"])
    per_agency = sorted(agencies.values(), key=lambda agency: agency["name"])
    for agency in per_agency:
        agency["cells"] = [agency["counts"][key] for key, _label in COLUMNS]
    decided = totals[Standing.DONE_ON_TIME] + totals[Standing.DONE_LATE]
    return {
        "forum": forum,
        "today": today,
        "rows": rows,
        "totals": totals,
        "total_cells": [totals[key] for key, _label in COLUMNS],
        "agencies": per_agency,
        "columns": [(key, str(label)) for key, label in COLUMNS],
        "on_time_share": (
            round(100 * totals[Standing.DONE_ON_TIME] / decided) if decided else None
        ),
    }


def csv_rows(data):
    """The CSV: one line per item, then the counts per agency and in total."""
    yield [
        _("No."),
        _("Kesepakatan"),
        _("Instansi penanggung jawab"),
        _("Target selesai"),
        _("Status"),
        _("Selesai pada"),
        _("Keterangan tindak lanjut"),
        _("Terlambat (hari kerja)"),
        _("Alasan"),
    ]
    for row in data["rows"]:
        yield [
            row["number"],
            row["text"],
            row["agency_name"],
            row["target_date"].isoformat(),
            row["status_label"],
            row["done_on"].isoformat() if row["done_on"] else "",
            row["standing_text"],
            row["late_days"],
            row["status_reason"],
        ]
    yield []
    yield [_("Instansi"), *(label for _key, label in data["columns"])]
    for agency in data["agencies"]:
        yield [agency["name"], *(agency["counts"][key] for key, _label in data["columns"])]
    yield [_("Jumlah"), *(data["totals"][key] for key, _label in data["columns"])]


# ---------------------------------------------------------------------------
# PDF through Celery and documents (as the IKM report: services/ikm_report.py)
# ---------------------------------------------------------------------------
def report_title(forum):
    return _("Laporan Tindak Lanjut Kesepakatan Forum Konsultasi Publik")


def report_number(forum):
    """The next free number FKM-TL/<hall>/<forum id>/<n>, fixed before the job runs.

    The page polls the registry for exactly this number. The counter is an
    atomic INCR in the cache, seeded from the registry so numbers stay
    unique after a cache flush.
    """
    from mpp_portal.documents.models import IssuedDocument

    prefix = f"FKM-TL/{forum.hall.code}/{forum.pk}/"
    key = f"forum-report-seq:{prefix}"
    issued = IssuedDocument.objects.filter(kind=KIND, number__startswith=prefix).count()
    cache.add(key, issued, timeout=JOB_TTL)
    n = cache.incr(key)
    while IssuedDocument.objects.filter(kind=KIND, number=f"{prefix}{n}").exists():
        n = cache.incr(key)
    return f"{prefix}{n}"


def job_key(number):
    return f"forum-report-job:{number}"


def job_failed(number):
    return cache.get(job_key(number)) == "failed"


def report_issue(*, forum, number, issued_by=None, today=None):
    """Render the report's PDF and register it under ``number``."""
    from mpp_portal.documents.services import document_issue

    data = report_data(forum, today=today)
    return document_issue(
        kind=KIND,
        number=number,
        title=report_title(forum),
        template_name=PDF_TEMPLATE,
        context={"report": data, "forum": forum},
        hall=forum.hall,
        issued_by=issued_by,
        related=forum,
    )
