"""The forums' follow-up scan (hourly, beat entry "forums-follow-up").

Three kinds of message, each sent once:

* **Sign-off reminder**: a signatory who has not approved the berita acara
  two working days after the forum went into signing
  (``SIGN_OFF_REMINDER_WORKING_DAYS``) is reminded once
  (``Signatory.reminded_at``). "Two working days after" is counted in the
  hall's calendar (mpp_portal.workdays, Asia/Jakarta, holidays and cuti
  bersama): from the same time of day on the second working day after the
  day it went into signing. Entered Thursday 10:00, the reminder goes on
  Monday from 10:00 (Friday and Monday are the two working days). A return
  and a new round of signing start the count again and allow a new
  reminder (a ``reminded_at`` older than the latest entry into signing
  does not count).
* **Target date approaching**: the responsible agency's admins (and its
  contact address) are told once (``AgreementItem.reminded_at``) when an
  open or in-progress item's target date is ``REMIND_BEFORE_WORKING_DAYS``
  working days away or less.
* **Overdue**: the hall admins are told once
  (``AgreementItem.overdue_flagged_at``) when an item is late: a working
  day has begun after its target date (moved to the next working day when
  it is a closed day) and it is neither done nor dropped (forums.reports).

Concurrency: each kind reads its candidates, decides with one calendar
read per hall, then claims them with ``SELECT ... FOR UPDATE SKIP
LOCKED`` on rows still unstamped, stamps them in one UPDATE and queues
the messages in the same transaction (the whole scan is one). A second scan
running at the same moment skips the rows the first holds and, once the
first commits, finds them stamped: nobody is told twice. Every message
also carries a dedupe key in the outbox.

Query count: constant in the number of forums, items and signatories
(one candidate query, two calendar queries per hall with candidates, the
claim's SELECT and UPDATE, one query for the addresses, one for the
agencies); the outbox adds its own insert per message, and messages are
digests: one per recipient and kind, whatever the number of items.
"""

import datetime
import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import CharField, F, OuterRef, Q, Subquery
from django.db.models.functions import Cast, Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mpp_portal.audit.models import AuditEntry
from mpp_portal.documents.formatting import format_date_id
from mpp_portal.notifications.services import notification_queue
from mpp_portal.organizations.models import Agency, Hall
from mpp_portal.workdays import JAKARTA
from mpp_portal.workdays.calendar import working_days_between_many

# A signatory is reminded once, this many working days after the forum
# went into signing (issue 11: "reminded after 2 working days").
SIGN_OFF_REMINDER_WORKING_DAYS = 2
# The responsible agency hears of a target date this many working days
# ahead (a week of work: time to finish or to report progress).
REMIND_BEFORE_WORKING_DAYS = 5
# Candidates are first narrowed by calendar days; the working-day test
# decides. Lebaran with its cuti bersama closes about ten days in a row,
# so five working days never span more than this many calendar days.
_WINDOW_DAYS = 45
# A digest lists this many items, then says how many more there are.
DIGEST_LINES = 50


def _url(name, *args):
    try:
        return settings.SITE_URL + reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _forum_url(forum):
    try:
        return settings.SITE_URL + forum.get_absolute_url()
    except NoReverseMatch:
        return ""


def _hall_calendars(rows_by_hall, pairs_of):
    """Return {hall_id: [counts...]}: working_days_between_many per hall."""
    halls = Hall.objects.in_bulk(list(rows_by_hall))
    return {
        hall_id: working_days_between_many(
            [pair for row in rows for pair in pairs_of(row)], halls[hall_id]
        )
        for hall_id, rows in rows_by_hall.items()
    }


def _claim(queryset, field, now):
    """Lock the rows of ``queryset`` nobody else holds, stamp ``field``; return their ids."""
    ids = list(
        queryset.select_for_update(skip_locked=True, of=("self",))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if ids:
        queryset.model.objects.filter(pk__in=ids).update(**{field: now})
    return ids


def _digest_key(kind, recipient, now, ids):
    digest = hashlib.sha256(",".join(map(str, sorted(ids))).encode()).hexdigest()[:16]
    return f"forum-{kind}-{recipient}-{now:%Y%m%d%H%M}-{digest}"


# ---------------------------------------------------------------------------
# Sign-off reminders
# ---------------------------------------------------------------------------
def _entered_signing():
    """Subquery: when the signatory's forum last went into signing (audit trail)."""
    from forums.models import BeritaAcara, Forum

    forum_type = ContentType.objects.get_for_model(Forum)
    audited = (
        AuditEntry.objects.filter(
            content_type=forum_type,
            object_id=Cast(OuterRef("forum_id"), CharField()),
            to_status=Forum.Status.IN_SIGNING,
        )
        .order_by("-created_at", "-pk")
        .values("created_at")[:1]
    )
    # A forum without the audit entry (imported data): its latest draft.
    drafted = (
        BeritaAcara.objects.filter(forum_id=OuterRef("forum_id"), is_final=False)
        .order_by("-version")
        .values("created_at")[:1]
    )
    return Coalesce(Subquery(audited), Subquery(drafted), F("forum__updated_at"))


def _not_reminded_this_round():
    return Q(reminded_at__isnull=True) | Q(reminded_at__lt=F("entered_at"))


def _pending_signatories():
    from forums.models import Forum, Signatory

    return (
        Signatory.objects.filter(forum__status=Forum.Status.IN_SIGNING, approved_at__isnull=True)
        .annotate(entered_at=_entered_signing())
        .filter(_not_reminded_this_round())
    )


def sign_off_due(now):
    """Return the ids of signatories to remind now (not yet claimed)."""
    local_now = timezone.localtime(now, JAKARTA)
    today = local_now.date()
    rows = list(_pending_signatories().values("pk", "entered_at", "forum__hall_id"))
    by_hall = {}
    for row in rows:
        row["entered_local"] = timezone.localtime(row["entered_at"], JAKARTA)
        by_hall.setdefault(row["forum__hall_id"], []).append(row)
    if not by_hall:
        return []
    counts = _hall_calendars(by_hall, lambda row: [(row["entered_local"].date(), today)])
    due = []
    n = SIGN_OFF_REMINDER_WORKING_DAYS
    for hall_id, hall_rows in by_hall.items():
        for row, passed in zip(hall_rows, counts[hall_id], strict=True):
            if passed > n or (passed == n and local_now.time() >= row["entered_local"].time()):
                due.append(row["pk"])
    return due


def remind_signatories(now):
    """Claim and remind the signatories due; return how many were reminded."""
    due = sign_off_due(now)
    if not due:
        return 0
    with transaction.atomic():
        ids = _claim(_pending_signatories().filter(pk__in=due), "reminded_at", now)
        if not ids:
            return 0
        from forums.models import Signatory

        signatories = (
            Signatory.objects.filter(pk__in=ids)
            .select_related("user", "forum", "forum__hall")
            .order_by("pk")
        )
        sent = 0
        for signatory in signatories:
            sent += _send_sign_off_reminder(signatory, now)
    return sent


def _recipient_of(user):
    if user is None or not user.is_active:
        return None, None
    if user.email:
        return "email", user.email
    if user.phone:
        return "sms", user.phone
    return None, None


def _send_sign_off_reminder(signatory, now):
    channel, recipient = _recipient_of(signatory.user)
    if channel is None:
        return 0
    forum = signatory.forum
    body = _(
        "Yth. %(name)s, berita acara kesepakatan forum “%(theme)s” (%(date)s) menunggu "
        "persetujuan Anda sejak lebih dari %(days)s hari kerja. Silakan baca dan setujui "
        "atau kembalikan dengan catatan: %(url)s"
    ) % {
        "name": signatory.name,
        "theme": forum.theme,
        "date": format_date_id(forum.starts_at),
        "days": SIGN_OFF_REMINDER_WORKING_DAYS,
        "url": _url("forums:signoff_detail", forum.pk) or _forum_url(forum),
    }
    notification_queue(
        channel=channel,
        recipient=recipient,
        subject=_("Pengingat: berita acara FKM menunggu persetujuan Anda"),
        body=body if channel == "email" else body[:300],
        dedupe_key=f"forum-signoff-{signatory.pk}-{now:%Y%m%d%H%M%S}",
        related=forum,
        hall=forum.hall,
    )
    return 1


# ---------------------------------------------------------------------------
# Agreement items: target date approaching, overdue
# ---------------------------------------------------------------------------
def _open_items():
    from forums.models import AgreementItem, Forum

    S = AgreementItem.Status
    return AgreementItem.objects.filter(status__in=[S.OPEN, S.IN_PROGRESS]).exclude(
        forum__status=Forum.Status.PLANNED
    )


def items_due_soon(today):
    """Ids of items whose target date is at most N working days away, not yet reminded."""
    rows = list(
        _open_items()
        .filter(
            reminded_at__isnull=True,
            target_date__gte=today,
            target_date__lte=today + datetime.timedelta(days=_WINDOW_DAYS),
        )
        .values("pk", "target_date", "forum__hall_id")
    )
    by_hall = {}
    for row in rows:
        by_hall.setdefault(row["forum__hall_id"], []).append(row)
    if not by_hall:
        return []
    counts = _hall_calendars(by_hall, lambda row: [(today, row["target_date"])])
    return [
        row["pk"]
        for hall_id, hall_rows in by_hall.items()
        for row, left in zip(hall_rows, counts[hall_id], strict=True)
        if left <= REMIND_BEFORE_WORKING_DAYS
    ]


def items_overdue(today):
    """Ids of open items late by at least one working day, not yet flagged."""
    from forums.reports import late_working_days

    items = list(
        _open_items()
        .filter(overdue_flagged_at__isnull=True, target_date__lt=today)
        .only("pk", "status", "target_date", "done_on", "forum")
        .annotate(hall_id=F("forum__hall_id"))
    )
    by_hall = {}
    for item in items:
        by_hall.setdefault(item.hall_id, []).append(item)
    halls = Hall.objects.in_bulk(list(by_hall)) if by_hall else {}
    late = []
    for hall_id, hall_items in by_hall.items():
        days = late_working_days(hall_items, hall=halls[hall_id], today=today)
        late += [item.pk for item in hall_items if days[item.pk] > 0]
    return late


def _staff_addresses(*, hall_ids=(), agency_ids=()):
    """{("hall", id) | ("agency", id): [emails]} of hall and agency admins, one query."""
    User = get_user_model()
    rows = (
        User.objects.filter(is_active=True)
        .exclude(email="")
        .filter(
            Q(role=User.Role.HALL_ADMIN, hall_id__in=list(hall_ids))
            | Q(role=User.Role.AGENCY_ADMIN, agency_id__in=list(agency_ids))
        )
        .values_list("role", "hall_id", "agency_id", "email")
        .order_by("pk")
    )
    result = {}
    for role, hall_id, agency_id, email in rows:
        if role == User.Role.HALL_ADMIN and hall_id in hall_ids:
            result.setdefault(("hall", hall_id), []).append(email)
        if role == User.Role.AGENCY_ADMIN and agency_id in agency_ids:
            result.setdefault(("agency", agency_id), []).append(email)
    return result


def _item_line(item, url):
    return _("- Butir %(number)s forum “%(theme)s”: %(text)s (target %(target)s) %(url)s") % {
        "number": item.number,
        "theme": item.forum.theme,
        "text": item.text if len(item.text) <= 160 else item.text[:157] + "…",
        "target": format_date_id(item.target_date, with_day=False),
        "url": url,
    }


# Where a digest line sends its reader: the agency to the item's page, where
# it reports progress; the hall admin to the forum's follow-up report.
_LINKS = {
    "due-soon": lambda item: _url("forums:agency_item", item.pk),
    "overdue": lambda item: _url("forums:report", item.forum_id),
}


def _send_digests(kind, inbox, items, now, *, subject, intro):
    """One message per address listing (the first of) its items."""
    sent = 0
    for email, pks in inbox.items():
        link = _LINKS[kind]
        lines = [intro, ""] + [_item_line(items[pk], link(items[pk])) for pk in pks[:DIGEST_LINES]]
        if len(pks) > DIGEST_LINES:
            lines.append(_("… dan %(n)s butir lainnya.") % {"n": len(pks) - DIGEST_LINES})
        first = items[pks[0]]
        notification_queue(
            channel="email",
            recipient=email,
            subject=subject,
            body="\n".join(lines),
            dedupe_key=_digest_key(kind, email, now, pks),
            hall=first.forum.hall,
        )
        sent += 1
    return sent


def _claimed_items(ids):
    from forums.models import AgreementItem

    return AgreementItem.objects.filter(pk__in=ids).select_related("forum", "forum__hall").in_bulk()


def remind_due_soon(now):
    """Tell each responsible agency of its items whose target date approaches."""
    today = timezone.localtime(now, JAKARTA).date()
    due = items_due_soon(today)
    if not due:
        return 0
    with transaction.atomic():
        ids = _claim(_open_items().filter(pk__in=due, reminded_at__isnull=True), "reminded_at", now)
        if not ids:
            return 0
        items = _claimed_items(ids)
        agency_ids = {item.agency_id for item in items.values()}
        emails = _staff_addresses(agency_ids=agency_ids)
        agencies = Agency.objects.in_bulk(list(agency_ids))
        inbox = {}
        for pk in sorted(items, key=lambda pk: (items[pk].target_date, pk)):
            agency_id = items[pk].agency_id
            targets = list(emails.get(("agency", agency_id), []))
            contact = agencies[agency_id].contact_email
            if contact and contact not in targets:
                targets.append(contact)
            for email in targets:
                inbox.setdefault(email, []).append(pk)
        _send_digests(
            "due-soon",
            inbox,
            items,
            now,
            subject=_("Target kesepakatan FKM segera tiba"),
            intro=_(
                "Butir kesepakatan Forum Konsultasi Publik berikut menjadi tanggung jawab "
                "instansi Anda dan targetnya tinggal %(days)s hari kerja atau kurang. Mohon "
                "selesaikan atau laporkan kemajuannya:"
            )
            % {"days": REMIND_BEFORE_WORKING_DAYS},
        )
    return len(ids)


def flag_overdue(now):
    """Tell the hall admins of items that passed their target date unfinished."""
    today = timezone.localtime(now, JAKARTA).date()
    late = items_overdue(today)
    if not late:
        return 0
    with transaction.atomic():
        ids = _claim(
            _open_items().filter(pk__in=late, overdue_flagged_at__isnull=True),
            "overdue_flagged_at",
            now,
        )
        if not ids:
            return 0
        items = _claimed_items(ids)
        hall_ids = {item.forum.hall_id for item in items.values()}
        emails = _staff_addresses(hall_ids=hall_ids)
        inbox = {}
        for pk in sorted(items, key=lambda pk: (items[pk].target_date, pk)):
            hall = items[pk].forum.hall
            targets = emails.get(("hall", hall.pk), []) or ([hall.email] if hall.email else [])
            for email in targets:
                inbox.setdefault(email, []).append(pk)
        _send_digests(
            "overdue",
            inbox,
            items,
            now,
            subject=_("Kesepakatan FKM melewati target"),
            intro=_(
                "Butir kesepakatan Forum Konsultasi Publik berikut melewati tanggal targetnya "
                "dan belum selesai:"
            ),
        )
    return len(ids)


def follow_up_scan(*, now=None):
    """Run the three reminders; return the counts of what this run claimed."""
    now = now or timezone.now()
    # One transaction: every claim and its messages commit together, and
    # the outbox's deliveries are published once, after the whole scan.
    with transaction.atomic():
        return {
            "sign_off": remind_signatories(now),
            "due_soon": remind_due_soon(now),
            "overdue": flag_overdue(now),
        }
