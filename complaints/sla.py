"""The SLA scan (every 5 minutes, DESIGN.md §5): reminders before a deadline,
escalation of overdue complaints to the hall admin, auto-close of answered
complaints the reporter left alone.

Set-based: one claiming statement per kind of reminder and chunk, which
also sums the claimed complaints per hall, agency and status, so Python
handles recipients, never complaints. Each kind is claimed under a lock of
its own, so a second (or concurrent) scan claims nothing twice:

- the H-1 reminder writes one ReminderLog row per complaint (a deadline set
  today may fall on tomorrow, a window already claimed);
- the due-today reminder and the escalation claim in deadline order after
  their kind's SlaMark and move it, under a lock of their kind. A new
  deadline is at least one working day ahead (``workdays.deadline`` with
  n >= 1), so it is never today's nor past, never behind a mark: no row
  per complaint, and a run reads only the deadlines reached since the last.
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
from mpp_portal.workdays import JAKARTA, add_working_days, day_start

S = Complaint.Status
K = ReminderLog.Kind

# A digest lists this many complaints, then links to the overdue board.
DIGEST_LINES = 50

# Complaints claimed per statement and transaction: a first run over a big
# backlog is several short transactions (each with its own digests) rather
# than one long one; a usual run is one chunk per kind.
CLAIM_CHUNK = 50_000

# H-1 reminders claimed in one run after which the log's statistics are
# renewed at its end (and once in the middle of a run of several chunks).
ANALYZE_AFTER = 10_000

# Open complaints with a deadline: what every claim reads, through the
# partial covering index complaint_sla_claim_idx (complaints/models.py), in
# (due_at, id) order.
OPEN = "c.status IN ('submitted', 'dispatched') AND c.due_at IS NOT NULL"

# The kinds claimed from a mark rather than with a row per complaint.
MARKED = (K.DUE_NOW, K.ESCALATION)

# Before every deadline: where the H-1 reminder's first chunk starts.
_START = (datetime.datetime.min.replace(tzinfo=datetime.UTC), 0)

# What a claim returns: the claimed complaints summed per (hall, agency,
# status), each with its first DIGEST_LINES ids in deadline order, then one
# row ("page") with the number of candidates and the last one's key.
_SUMMARY = f"""
    SELECT hall_id, assigned_agency_id, status, count(*),
           (array_agg(id ORDER BY due_at, id))[1:{DIGEST_LINES}], NULL::timestamptz, NULL::bigint
    FROM candidates
    GROUP BY hall_id, assigned_agency_id, status
    UNION ALL
    SELECT NULL, NULL, 'page', (SELECT count(*) FROM candidates), NULL, last.due_at, last.id
    FROM (SELECT due_at, id FROM candidates ORDER BY due_at DESC, id DESC LIMIT 1) AS last
"""


def _claim(kind, where, params, *, after, chunk):
    """Claim the next ``chunk`` complaints of ``kind`` in deadline order.

    First the kind's lock, held to the end of the transaction: concurrent
    scans claim a kind one after the other, each seeing what the other
    claimed. Then one statement reads the candidates after ``after``
    (due_at, id) in the order of complaint_sla_claim_idx and records the
    claim: the H-1 reminder writes a ReminderLog row per candidate not yet
    reminded for its deadline; the marked kinds start from their SlaMark
    (``after`` is ignored) and move it to the last candidate. Returns (the
    candidates summed per hall, agency and status, how many were read, the
    last one's key).
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"complaints.sla:{kind}"])
        if kind in MARKED:
            cursor.execute(
                "SELECT due_at, complaint_id FROM complaints_slamark WHERE kind = %s", [kind]
            )
            after = cursor.fetchone() or _START
    if kind in MARKED:
        record = """
            , moved AS (
                INSERT INTO complaints_slamark (kind, due_at, complaint_id, updated_at)
                SELECT %(kind)s, due_at, id, now() FROM candidates
                ORDER BY due_at DESC, id DESC LIMIT 1
                ON CONFLICT (kind) DO UPDATE SET due_at = EXCLUDED.due_at,
                    complaint_id = EXCLUDED.complaint_id, updated_at = EXCLUDED.updated_at
            )
        """
        reminded = ""
    else:
        # Under the lock no other scan inserts meanwhile; the unique key
        # stays as the guard.
        record = """
            , logged AS (
                INSERT INTO complaints_reminderlog (complaint_id, kind, step, due_at, sent_at)
                SELECT id, %(kind)s,
                       CASE status WHEN 'submitted' THEN 'verify' ELSE 'followup' END,
                       due_at, now()
                FROM candidates
            )
        """
        reminded = """
            AND NOT EXISTS (
                SELECT 1 FROM complaints_reminderlog r
                WHERE r.complaint_id = c.id AND r.kind = %(kind)s AND r.due_at = c.due_at
            )
        """
    sql = f"""
        WITH candidates AS MATERIALIZED (
            SELECT c.id, c.due_at, c.status, c.hall_id, c.assigned_agency_id
            FROM complaints_complaint c
            WHERE {OPEN} AND {where}
              AND (c.due_at, c.id) > (%(after_due)s, %(after_id)s) {reminded}
            ORDER BY c.due_at, c.id
            LIMIT %(chunk)s
        ){record}{_SUMMARY}
    """  # noqa: S608 - ``where`` is one of the fixed clauses of complaint_sla_scan
    args = {**params, "kind": kind, "chunk": chunk, "after_due": after[0], "after_id": after[1]}
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        rows = cursor.fetchall()
    cells = [row[:5] for row in rows if row[2] != "page"]
    page = [row for row in rows if row[2] == "page"]
    if not page:
        return cells, 0, None
    _hall, _agency, _page, read, _ids, last_due, last_id = page[0]
    return cells, read, (last_due, last_id)


def complaint_sla_scan(*, now=None, chunk=CLAIM_CHUNK):
    """Send due-soon, due-today and overdue notices once each; auto-close.

    Returns a dict of counts. Each kind is claimed in chunks of ``chunk``
    complaints in deadline order, each chunk in a transaction of its own
    with its digests, so the scan never holds a long transaction and a
    usual run is one claim per kind. The number of queries does not grow
    with the number of complaints (per chunk: the kind's lock, the mark of
    a marked kind, the claim; one query for the staff addresses, one for
    the agencies, one for the complaints named in the digests, one INSERT
    per digest); the auto-close is one UPDATE. Only the auto-closed complaints'
    reporters add a message each (their outbox rows), as every message to a
    reporter does. The reminder windows are one day of deadlines each.
    """
    now = now or timezone.now()
    today = timezone.localtime(now, JAKARTA).date()
    today_start = day_start(today)
    tomorrow_start = today_start + datetime.timedelta(days=1)
    due_soon_where, due_soon_params = _next_working_day_clause(today)
    kinds = [
        (K.DUE_SOON, due_soon_where, due_soon_params),
        (
            K.DUE_NOW,
            "c.due_at >= %(now)s AND c.due_at >= %(day_start)s AND c.due_at < %(tomorrow)s",
            {"now": now, "day_start": today_start, "tomorrow": tomorrow_start},
        ),
        (K.ESCALATION, "c.due_at < %(now)s", {"now": now}),
    ]

    def claim(kind, where, params, after):
        """One chunk of ``kind``, its digests; the key to go on from, or None."""
        cells, read, last = _claim(kind, where, params, after=after, chunk=chunk)
        _send_digests(kind, cells, now, page=last)
        counts[str(kind)] += sum(total for *_key, total, _ids in cells)
        return last if read == chunk else None

    counts = {str(kind): 0 for kind, _where, _params in kinds}
    # Chunk by chunk, each in a transaction of its own with its digests (a
    # usual run: one per kind); then the auto-close.
    for kind, where, params in kinds:
        after, chunks = _START, 0
        while after is not None:
            if kind == K.DUE_SOON and chunks == 1:
                # A big backlog is going into the log: its statistics would
                # still say "nearly empty" until autovacuum comes, and the
                # next claims' "already reminded?" test could be planned as
                # a scan of the whole log per complaint. Once a run.
                _analyze_log()
            with transaction.atomic():
                after = claim(kind, where, params, after)
            chunks += 1
    with transaction.atomic():
        closed = _autoclose(now)
    if counts[str(K.DUE_SOON)] >= ANALYZE_AFTER:
        _analyze_log()  # for the next run
    return counts | {"closed": closed}


def _analyze_log():
    """Renew the reminder log's statistics (after a big claim)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE complaints_reminderlog")


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
        start = day_start(day)
        clauses.append(
            f"(c.hall_id = ANY(%(halls_{n})s) AND c.due_at >= %(start_{n})s "
            f"AND c.due_at < %(end_{n})s)"
        )
        params |= {
            f"halls_{n}": ids,
            f"start_{n}": start,
            f"end_{n}": start + datetime.timedelta(days=1),
        }
    # The days' overall span first: the claim reads it as one range of the
    # deadline index, the halls' own days are tested on what it finds.
    days = sorted(by_day)
    params |= {
        "soon_from": day_start(days[0]),
        "soon_to": day_start(days[-1]) + datetime.timedelta(days=1),
    }
    return (
        "c.due_at >= %(soon_from)s AND c.due_at < %(soon_to)s AND (" + " OR ".join(clauses) + ")",
        params,
    )


def _send_digests(kind, cells, now, *, page):
    """One message per recipient of ``kind``, listing (the first of) its complaints.

    ``cells`` are the claim's sums: (hall id, agency id, status, number of
    complaints, their first ids). The hall's admins hear of new complaints
    and of every escalation, the agency's admins and contact of the
    complaints dispatched to it.
    """
    if not cells:
        return
    hall_ids = {hall_id for hall_id, *_rest in cells}
    agency_ids = {agency_id for _hall, agency_id, *_rest in cells if agency_id}
    emails = _staff_emails(hall_ids=hall_ids, agency_ids=agency_ids)
    agencies = {a.pk: a for a in Agency.objects.filter(pk__in=agency_ids)}
    inbox = {}  # email: [number of complaints, ids to show]
    for hall_id, agency_id, status, total, ids in cells:
        targets = []
        if status == S.SUBMITTED or kind == K.ESCALATION:
            targets += emails.get(("hall", hall_id), [])
        if status == S.DISPATCHED and agency_id:
            targets += _agency_recipients(
                agencies[agency_id], emails.get(("agency", agency_id), [])
            )
        for email in dict.fromkeys(targets):
            box = inbox.setdefault(email, [0, []])
            box[0] += total
            box[1] += ids
    if not inbox:
        return
    complaints = Complaint.objects.in_bulk({pk for _total, ids in inbox.values() for pk in ids})
    titles = {
        K.DUE_SOON: _("Pengaduan jatuh tempo besok (hari kerja berikutnya)"),
        K.DUE_NOW: _("Pengaduan jatuh tempo hari ini"),
        K.ESCALATION: _("ESKALASI: pengaduan melewati batas waktu"),
    }
    overdue_url = settings.SITE_URL + reverse("complaints:overdue")
    for email, (total, ids) in inbox.items():
        shown = sorted((complaints[pk] for pk in ids), key=lambda c: (c.due_at, c.pk))
        shown = shown[:DIGEST_LINES]
        lines = [
            f"- {c.tracking_id} {c.title} ({c.get_status_display()}, "
            f"{_format_due(c.due_at)}): {settings.SITE_URL}{c.get_absolute_url()}"
            for c in shown
        ]
        if total > len(shown):
            lines.append(
                _("… dan %(n)s pengaduan lainnya: %(url)s")
                % {"n": total - len(shown), "url": overdue_url}
            )
        # The chunk's last key tells this digest from another of the same
        # minute (the next chunk, a concurrent scan's claim).
        digest_id = hashlib.sha256(
            f"{page}:{total}:{','.join(str(c.pk) for c in shown)}".encode()
        ).hexdigest()[:16]
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
