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


# Complaints claimed per statement and transaction: a first run over a big
# backlog is many short transactions (each with its own digests) rather
# than one long one; a usual run is one chunk per kind.
CLAIM_CHUNK = 20_000

# Reminders claimed in one run after which the log's statistics are renewed.
ANALYZE_AFTER = 10_000

# Open complaints with a deadline not yet escalated: the escalation claim
# reads only these, through the partial index complaint_escalate_idx
# (complaints/models.py), whose condition this repeats word for word. A
# complaint escalated for its deadline leaves the index; a new deadline
# (dispatch, reply, reopen reset escalated_at; a resumed or extended
# deadline moves past it) brings it back.
NOT_ESCALATED = (
    "c.status IN ('submitted', 'dispatched') AND c.due_at IS NOT NULL "
    "AND (c.escalated_at IS NULL OR c.escalated_at < c.due_at)"
)


# Before every deadline: where a kind's first chunk starts.
_START = (datetime.datetime.min.replace(tzinfo=datetime.UTC), 0)


def _claim_chunk(kind, where, params, *, after, escalate_at=None, chunk=CLAIM_CHUNK):
    """Claim the next ``chunk`` matching complaints after ``after`` (due_at, id).

    One statement: the candidates in deadline order, one ReminderLog row
    each (ON CONFLICT DO NOTHING: a concurrent scan claims nothing twice),
    and with ``escalate_at`` the candidates stamped escalated. Returns
    (claimed rows as (id, hall_id, assigned_agency_id, status), the last
    candidate's (due_at, id) or None when there were fewer than ``chunk``).
    """
    stamp = (
        ", stamped AS (UPDATE complaints_complaint SET escalated_at = %(escalate_at)s "
        "WHERE id IN (SELECT id FROM candidates) RETURNING id)"
        if escalate_at
        else ""
    )
    sql = f"""
        WITH candidates AS (
            SELECT c.id, c.due_at, c.status
            FROM complaints_complaint c
            WHERE {NOT_ESCALATED if escalate_at else "c.status IN ('submitted', 'dispatched') AND c.due_at IS NOT NULL"}
              AND {where} AND (c.due_at, c.id) > (%(after_due)s, %(after_id)s)
            ORDER BY c.due_at, c.id
            LIMIT %(chunk)s
        ), claimed AS (
            INSERT INTO complaints_reminderlog (complaint_id, kind, step, due_at, sent_at)
            SELECT id, %(kind)s,
                   CASE status WHEN 'submitted' THEN 'verify' ELSE 'followup' END,
                   due_at, now()
            FROM candidates
            ON CONFLICT (complaint_id, kind, step, due_at) DO NOTHING
            RETURNING complaint_id
        ){stamp}
        SELECT ca.id, ca.due_at, c.hall_id, c.assigned_agency_id, c.status,
               cl.complaint_id IS NOT NULL
        FROM candidates ca
        JOIN complaints_complaint c ON c.id = ca.id
        LEFT JOIN claimed cl ON cl.complaint_id = ca.id
        ORDER BY ca.due_at, ca.id
    """  # noqa: S608, E501 - ``where`` is one of the fixed clauses of complaint_sla_scan
    args = {
        **params,
        "kind": kind,
        "after_due": after[0],
        "after_id": after[1],
        "chunk": chunk,
        "escalate_at": escalate_at,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        rows = cursor.fetchall()
    claimed = [(pk, hall, agency, status) for pk, _due, hall, agency, status, new in rows if new]
    last = (rows[-1][1], rows[-1][0]) if len(rows) == chunk else None
    return claimed, last


def complaint_sla_scan(*, now=None, chunk=CLAIM_CHUNK):
    """Send due-soon, due-today and overdue notices once each; auto-close.

    Returns a dict of counts. Each kind is claimed in chunks of ``chunk``
    complaints in deadline order, each chunk in a transaction of its own
    with its digests, so the scan never holds a long transaction and a
    usual run is one statement per kind. The number of queries does not
    grow with the number of complaints (per chunk: one claim, one query
    for the staff addresses, one for the complaints named in the digests,
    one INSERT per digest); the auto-close is one UPDATE. Only the
    auto-closed complaints' reporters add a message each (their outbox
    rows), as every message to a reporter does.

    The escalation claim reads only complaints not yet escalated for their
    deadline (NOT_ESCALATED, a partial index): the backlog of overdue
    complaints already escalated costs nothing on later runs. The reminder
    windows are one day of deadlines each.
    """
    now = now or timezone.now()
    today = timezone.localtime(now, JAKARTA).date()
    day_start = datetime.datetime.combine(today, datetime.time.min, tzinfo=JAKARTA)
    tomorrow_start = day_start + datetime.timedelta(days=1)
    due_soon_where, due_soon_params = _next_working_day_clause(today)
    # A window's complaints already reminded are skipped before the INSERT.
    not_reminded = (
        " AND NOT EXISTS (SELECT 1 FROM complaints_reminderlog r WHERE "
        "r.complaint_id = c.id AND r.kind = %(kind)s AND r.due_at = c.due_at)"
    )
    kinds = [
        (ReminderLog.Kind.DUE_SOON, due_soon_where + not_reminded, due_soon_params, None),
        (
            ReminderLog.Kind.DUE_NOW,
            "c.due_at >= %(now)s AND c.due_at >= %(day_start)s AND c.due_at < %(tomorrow)s"
            + not_reminded,
            {"now": now, "day_start": day_start, "tomorrow": tomorrow_start},
            None,
        ),
        (ReminderLog.Kind.ESCALATION, "c.due_at < %(now)s", {"now": now}, now),
    ]
    counts, more = {}, []
    # The first chunk of every kind and the auto-close in one transaction
    # (a usual run: one statement per kind); what a full chunk leaves, chunk
    # by chunk in transactions of their own.
    with transaction.atomic():
        for kind, where, params, escalate_at in kinds:
            claimed, after = _claim_chunk(
                kind, where, params, after=_START, escalate_at=escalate_at, chunk=chunk
            )
            _send_digests({kind: claimed}, now)
            counts[str(kind)] = len(claimed)
            if after is not None:
                more.append((kind, where, params, escalate_at, after))
        closed = _autoclose(now)
    unanalyzed = sum(counts.values())
    for kind, where, params, escalate_at, after in more:
        # A big backlog just went into the log: its statistics would still
        # say "nearly empty" until autovacuum comes, and the next claims'
        # "already reminded?" test would be planned as a scan of the whole
        # log per complaint.
        unanalyzed = _analyze_if_grown(unanalyzed)
        while after is not None:
            with transaction.atomic():
                claimed, after = _claim_chunk(
                    kind, where, params, after=after, escalate_at=escalate_at, chunk=chunk
                )
                _send_digests({kind: claimed}, now)
            counts[str(kind)] += len(claimed)
            unanalyzed += len(claimed)
    _analyze_if_grown(unanalyzed)
    return counts | {"closed": closed}


def _analyze_if_grown(claimed):
    """ANALYZE the reminder log after ``claimed`` >= ANALYZE_AFTER new rows; return
    the rows claimed since the last ANALYZE."""
    if claimed < ANALYZE_AFTER:
        return claimed
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE complaints_reminderlog")
    return 0


def _next_working_day_clause(today):
    """Return (SQL, params) matching deadlines on each hall's next working day.

    Each hall has its own closed days, so "tomorrow" is worked out per hall
    with an open deadline (halls are few: one calendar read each), and
    halls sharing the same next working day share one condition.
    """
    from mpp_portal.organizations.models import Hall

    # Every hall, not only those with an open deadline: halls are few, and
    # finding the latter read every open complaint on every run.
    by_day = {}
    for hall in Hall.objects.all():
        by_day.setdefault(add_working_days(today, 1, hall), []).append(hall.pk)
    if not by_day:
        return "FALSE", {}
    clauses, params = [], {}
    for n, (day, ids) in enumerate(sorted(by_day.items())):
        start = datetime.datetime.combine(day, datetime.time.min, tzinfo=JAKARTA)
        clauses.append(
            f"(c.hall_id = ANY(%(halls_{n})s) AND c.due_at >= %(start_{n})s "
            f"AND c.due_at < %(end_{n})s)"
        )
        params |= {
            f"halls_{n}": ids,
            f"start_{n}": start,
            f"end_{n}": start + datetime.timedelta(days=1),
        }
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
