"""The SLA scan (every 5 minutes, DESIGN.md §5): reminders before a deadline,
escalation of overdue complaints to the hall admin, auto-close of answered
complaints the reporter left alone.

Set-based: one claiming statement per kind of reminder, so the cost does not
grow with one query per complaint, and a second (or concurrent) scan claims
nothing twice.
"""

import datetime
import hashlib

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Complaint, ComplaintUpdate, ReminderLog
from complaints.services import (
    _agency_recipients,
    _format_due,
    _notify_reporter,
    _staff_emails,
)
from mpp_portal.notifications.services import notification_queue
from mpp_portal.organizations.models import Agency, Hall
from mpp_portal.transitions import bulk_transition
from mpp_portal.workdays import JAKARTA, add_working_days

S = Complaint.Status

# A digest lists this many complaints, then links to the overdue board.
DIGEST_LINES = 50


def _claim_reminders(kind, where, params, *, escalate_at=None):
    """Insert one ReminderLog row per matching complaint, skipping those sent.

    One statement for the whole kind: ON CONFLICT DO NOTHING makes a second
    (or concurrent) scan claim nothing, and the result lists only what this
    scan claimed, as (id, hall_id, assigned_agency_id, status) rows. With
    ``escalate_at`` the claimed complaints are stamped escalated as well.
    """
    escalate = (
        ", stamped AS (UPDATE complaints_complaint SET escalated_at = %s "
        "WHERE id IN (SELECT complaint_id FROM claimed) RETURNING id)"
        if escalate_at
        else ""
    )
    sql = f"""
        WITH claimed AS (
            INSERT INTO complaints_reminderlog (complaint_id, kind, step, due_at, sent_at)
            SELECT c.id, %s,
                   CASE c.status WHEN 'submitted' THEN 'verify' ELSE 'followup' END,
                   c.due_at, now()
            FROM complaints_complaint c
            WHERE c.status IN ('submitted', 'dispatched') AND c.due_at IS NOT NULL AND {where}
            ON CONFLICT (complaint_id, kind, step, due_at) DO NOTHING
            RETURNING complaint_id
        ){escalate}
        SELECT c.id, c.hall_id, c.assigned_agency_id, c.status
        FROM complaints_complaint c JOIN claimed ON claimed.complaint_id = c.id
        ORDER BY c.due_at, c.id
    """  # noqa: S608 - ``where`` is one of the fixed clauses of complaint_sla_scan
    args = [kind, *params] + ([escalate_at] if escalate_at else [])
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return cursor.fetchall()


def complaint_sla_scan(*, now=None):
    """Send due-soon, due-today and overdue notices once each; auto-close.

    Returns a dict of counts. The number of queries does not grow with the
    number of complaints: one claim per kind, one query for the staff
    addresses, one for the complaints named in the digests, one UPDATE for
    the auto-close. Only the auto-closed complaints' reporters add a
    message each (their outbox rows), as every message to a reporter does.
    """
    now = now or timezone.now()
    today = timezone.localtime(now, JAKARTA).date()
    day_start = datetime.datetime.combine(today, datetime.time.min, tzinfo=JAKARTA)
    tomorrow_start = day_start + datetime.timedelta(days=1)
    due_soon_where, due_soon_params = _next_working_day_clause(today)

    with transaction.atomic():
        claimed = {
            ReminderLog.Kind.DUE_SOON: _claim_reminders(
                ReminderLog.Kind.DUE_SOON, due_soon_where, due_soon_params
            ),
            ReminderLog.Kind.DUE_NOW: _claim_reminders(
                ReminderLog.Kind.DUE_NOW,
                "c.due_at >= %s AND c.due_at >= %s AND c.due_at < %s",
                [now, day_start, tomorrow_start],
            ),
            ReminderLog.Kind.ESCALATION: _claim_reminders(
                ReminderLog.Kind.ESCALATION, "c.due_at < %s", [now], escalate_at=now
            ),
        }
        _send_digests(claimed, now)
        closed = _autoclose(now)
    return {str(kind): len(rows) for kind, rows in claimed.items()} | {"closed": closed}


def _next_working_day_clause(today):
    """Return (SQL, params) matching deadlines on each hall's next working day.

    Each hall has its own closed days, so "tomorrow" is worked out per hall
    with an open deadline (halls are few: one calendar read each), and
    halls sharing the same next working day share one condition.
    """
    from mpp_portal.organizations.models import Hall

    hall_ids = (
        Complaint.objects.filter(status__in=[S.SUBMITTED, S.DISPATCHED], due_at__isnull=False)
        .order_by()
        .values("hall_id")
        .distinct()
    )
    by_day = {}
    for hall in Hall.objects.filter(pk__in=hall_ids):
        by_day.setdefault(add_working_days(today, 1, hall), []).append(hall.pk)
    if not by_day:
        return "FALSE", []
    clauses, params = [], []
    for day, ids in sorted(by_day.items()):
        start = datetime.datetime.combine(day, datetime.time.min, tzinfo=JAKARTA)
        clauses.append("(c.hall_id = ANY(%s) AND c.due_at >= %s AND c.due_at < %s)")
        params += [ids, start, start + datetime.timedelta(days=1)]
    return "(" + " OR ".join(clauses) + ")", params


def _send_digests(claimed, now):
    """One message per recipient and kind, listing (the first of) its complaints."""
    rows = [row for kind_rows in claimed.values() for row in kind_rows]
    if not rows:
        return
    hall_ids = {hall_id for _pk, hall_id, _agency_id, _status in rows}
    agency_ids = {agency_id for _pk, _hall, agency_id, _status in rows if agency_id}
    emails = _staff_emails(hall_ids=hall_ids, agency_ids=agency_ids)
    agencies = {a.pk: a for a in Agency.objects.filter(pk__in=agency_ids)}
    titles = {
        ReminderLog.Kind.DUE_SOON: _("Pengaduan jatuh tempo besok (hari kerja berikutnya)"),
        ReminderLog.Kind.DUE_NOW: _("Pengaduan jatuh tempo hari ini"),
        ReminderLog.Kind.ESCALATION: _("ESKALASI: pengaduan melewati batas waktu"),
    }
    digests = []  # (kind, email, [complaint ids])
    for kind, kind_rows in claimed.items():
        inbox = {}
        for pk, hall_id, agency_id, status in kind_rows:
            targets = []
            if status == S.SUBMITTED or kind == ReminderLog.Kind.ESCALATION:
                targets += emails.get(("hall", hall_id), [])
            if status == S.DISPATCHED and agency_id:
                targets += _agency_recipients(
                    agencies[agency_id], emails.get(("agency", agency_id), [])
                )
            for email in dict.fromkeys(targets):
                inbox.setdefault(email, []).append(pk)
        digests += [(kind, email, pks) for email, pks in inbox.items()]
    shown = {pk for _kind, _email, pks in digests for pk in pks[:DIGEST_LINES]}
    complaints = Complaint.objects.in_bulk(shown)
    overdue_url = settings.SITE_URL + reverse("complaints:overdue")
    for kind, email, pks in digests:
        lines = [
            f"- {c.tracking_id} {c.title} ({c.get_status_display()}, "
            f"{_format_due(c.due_at)}): {settings.SITE_URL}{c.get_absolute_url()}"
            for c in (complaints[pk] for pk in pks[:DIGEST_LINES])
        ]
        if len(pks) > DIGEST_LINES:
            lines.append(
                _("… dan %(n)s pengaduan lainnya: %(url)s")
                % {"n": len(pks) - DIGEST_LINES, "url": overdue_url}
            )
        digest_id = hashlib.sha256(",".join(map(str, pks)).encode()).hexdigest()[:16]
        notification_queue(
            channel="email",
            recipient=email,
            subject=titles[kind],
            body="\n".join(lines),
            dedupe_key=f"sla-{kind}-{email}-{now:%Y%m%d%H%M}-{digest_id}",
        )


def _autoclose(now):
    """Close responded complaints whose reply window has passed, in one UPDATE.

    Each closed complaint gets its timeline entry (one INSERT) and its
    reporter a message, if they left a contact and are not anonymous.
    """
    label = _("Ditutup otomatis: tidak ada balasan pelapor dalam batas waktu.")

    def closed(complaints):
        ComplaintUpdate.objects.bulk_create(
            ComplaintUpdate(
                complaint=complaint,
                kind=ComplaintUpdate.Kind.STATUS,
                body=label,
                from_status=S.RESPONDED,
                to_status=S.CLOSED,
                author_label=_("Sistem"),
                created_at=now,
            )
            for complaint in complaints
        )
        halls = Hall.objects.in_bulk({complaint.hall_id for complaint in complaints})
        for complaint in complaints:
            complaint.hall = halls[complaint.hall_id]
            _notify_reporter(
                complaint,
                None,
                subject=_("Laporan %(id)s ditutup") % {"id": complaint.tracking_id},
                body=_(
                    "Laporan Anda ditutup otomatis karena tidak ada balasan dalam batas waktu "
                    "setelah ditanggapi. Anda masih dapat memberi penilaian di halaman laporan."
                ),
                key=f"autoclosed-{now:%Y%m%d%H%M%S}",
            )

    moved = bulk_transition(
        Complaint.objects.filter(due_at__lt=now),
        S.CLOSED,
        sources=[S.RESPONDED],
        action="complaint.autoclose",
        note=label,
        fields={"closed_at": now, "due_at": None},
        then=closed,
    )
    return len(moved)
