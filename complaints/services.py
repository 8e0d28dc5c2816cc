"""Use cases of the complaint workflow (DESIGN.md §3, DOMAIN.md "Complaints").

Every status change goes through ``_transition``, a thin wrapper over the
platform's ``transitions.transition`` (checks ``Complaint.TRANSITIONS``,
stamps the times and the deadline, writes the audit entry) that adds the
timeline entry; the use cases queue the notifications. The SLA scan's
auto-close uses ``transitions.bulk_transition`` (complaints/sla.py).
Deadlines come from ``mpp_portal.workdays.deadline``.
"""

import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from complaints.models import (
    INFORMATION_EXTENSION_DAYS,
    Attachment,
    Complaint,
    ComplaintPolicy,
    ComplaintUpdate,
)
from mpp_portal.accounts.permissions import can
from mpp_portal.audit import record
from mpp_portal.documents.uploads import CleanedFile, clean_upload, uploads_undone_on_error
from mpp_portal.exceptions import DomainError, TransitionNotAllowed
from mpp_portal.identity import normalize_phone
from mpp_portal.notifications.services import notification_queue
from mpp_portal.transitions import transition
from mpp_portal.webhooks.services import webhook_send
from mpp_portal.workdays import JAKARTA, day_start, deadline, working_days_remaining
from services.models import SurveyResponse

logger = logging.getLogger(__name__)

MAX_ATTACHMENTS = 5

S = Complaint.Status
# Reasons the hall admin picks when archiving; NO_INFO is given only by
# complaint_archive_unanswered.
ARCHIVE_REASONS = [
    value for value in Complaint.ArchiveReason.values if value != Complaint.ArchiveReason.NO_INFO
]


# ---------------------------------------------------------------------------
# Labels
# ---------------------------------------------------------------------------
def _actor_label(user, complaint):
    """Who acted, as the public timeline shows it (never the reporter's name)."""
    if user is None:
        return _("Sistem")
    if not user.is_authenticated or user == complaint.reporter:
        return _("Pelapor")
    if user.is_hall_admin:
        return _("Admin MPP")
    if user.agency_id:
        return user.agency.short_name
    return _("Petugas")


def _timeline_add(complaint, *, kind, body, by, is_public):
    """Add a staff entry that moves no status (note, instruction, extension)."""
    return ComplaintUpdate.objects.create(
        complaint=complaint,
        kind=kind,
        body=body,
        is_public=is_public,
        author=by,
        author_label=_actor_label(by, complaint),
    )


# ---------------------------------------------------------------------------
# Attachments: checked by content, photo metadata removed
# ---------------------------------------------------------------------------
def _store_attachments(
    complaint, uploads, written, *, update=None, is_public=True, by_reporter=False
):
    """Clean each upload (``mpp_portal.documents.uploads``) and attach it.

    A ``CleanedFile`` was cleaned by the form already (its field checks the
    files with the other fields) and is stored as it is: cleaning it again
    would re-encode a JPEG a second time.
    """
    if len(uploads) + complaint.attachments.count() > MAX_ATTACHMENTS:
        raise ValidationError(
            {"attachments": _("Paling banyak %(n)s lampiran.") % {"n": MAX_ATTACHMENTS}}
        )
    for upload in uploads:
        if isinstance(upload, CleanedFile):
            cleaned = upload
        else:
            cleaned = clean_upload(upload, stem="lampiran")
        attachment = Attachment(
            complaint=complaint,
            update=update,
            kind=cleaned.kind,
            extension=cleaned.extension,
            content_type=cleaned.content_type,
            size=cleaned.size,
            sha256=cleaned.sha256,
            is_public=is_public,
            uploaded_by_reporter=by_reporter,
        )
        written.save(attachment.file, cleaned)
        attachment.save()


# ---------------------------------------------------------------------------
# Filing
# ---------------------------------------------------------------------------
def _next_tracking_id(hall, year):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO complaints_complaintsequence (hall_id, year, last_number)
            VALUES (%s, %s, 1)
            ON CONFLICT (hall_id, year)
            DO UPDATE SET last_number = complaints_complaintsequence.last_number + 1
            RETURNING last_number
            """,
            [hall.pk, year],
        )
        number = cursor.fetchone()[0]
    return f"{hall.code}-{year}-{number:06d}"


def complaint_file(
    *,
    hall,
    kind,
    title,
    description,
    channel=Complaint.Channel.WEB,
    category=None,
    reported_agency=None,
    service=None,
    location="",
    event_date=None,
    reporter=None,
    reporter_name="",
    reporter_email="",
    reporter_phone="",
    is_anonymous=False,
    is_confidential=False,
    attachments=(),
    filed_by=None,
    request=None,
):
    """File a complaint; return (complaint, access_token).

    The access token is the reporter's secret link; only its hash is kept.
    An anonymous complaint keeps no name or contact at all, and is not
    tied to the reporter's account: nobody can find out who filed it.
    """
    reporter = reporter if reporter is not None and reporter.is_authenticated else None
    if is_anonymous:
        reporter_name = reporter_email = reporter_phone = ""
        reporter = None
    elif reporter is not None:
        reporter_name = reporter_name or reporter.get_full_name() or reporter.get_username()
        reporter_email = reporter_email or reporter.email
    if reported_agency is not None and reported_agency.hall_id != hall.pk:
        raise ValidationError({"agency": _("Instansi ini tidak berada di gedung MPP ini.")})
    if service is not None and service.agency.hall_id != hall.pk:
        raise ValidationError({"service": _("Layanan ini tidak berada di gedung MPP ini.")})
    if service is not None and reported_agency is None:
        reported_agency = service.agency

    now = timezone.now()
    policy = ComplaintPolicy.for_hall(hall)
    with uploads_undone_on_error() as written, transaction.atomic():
        complaint = Complaint(
            hall=hall,
            kind=kind,
            title=title.strip(),
            description=description.strip(),
            channel=channel,
            category=category,
            reported_agency=reported_agency,
            service=service,
            location=location,
            event_date=event_date,
            reporter=reporter,
            reporter_name=reporter_name,
            reporter_email=reporter_email,
            reporter_phone=reporter_phone,
            is_anonymous=is_anonymous,
            is_confidential=is_confidential,
            submitted_at=now,
            filed_by=filed_by if filed_by is not None and filed_by.is_authenticated else None,
            due_at=deadline(now, policy.verify_days, hall),
        )
        token = complaint.set_access_token()
        complaint.tracking_id = _next_tracking_id(hall, timezone.localtime(now).year)
        complaint.full_clean(exclude=["access_token_hash"])
        complaint.save()
        if attachments:
            _store_attachments(complaint, list(attachments), written, by_reporter=True)
        ComplaintUpdate.objects.create(
            complaint=complaint,
            kind=ComplaintUpdate.Kind.STATUS,
            to_status=S.SUBMITTED,
            author=None,
            author_label=_("Pelapor"),
            body=_("Laporan diterima melalui kanal %(channel)s.")
            % {"channel": complaint.get_channel_display()},
        )
        # The audit trail of an anonymous report names no actor either.
        record(
            actor=None if is_anonymous else (filed_by or reporter),
            action="complaint.file",
            obj=complaint,
            to_status=S.SUBMITTED,
            note=complaint.get_channel_display(),
            request=None if is_anonymous else request,
        )
        _notify_reporter(
            complaint,
            token,
            subject=_("Laporan %(id)s diterima") % {"id": complaint.tracking_id},
            body=_(
                "Terima kasih. Laporan Anda tercatat dengan nomor %(id)s dan akan "
                "diverifikasi paling lambat %(due)s. Pantau di: %(url)s"
            )
            % {
                "id": complaint.tracking_id,
                "due": _format_due(complaint.due_at),
                "url": tracking_url(complaint, token),
            },
            key="filed",
        )
    return complaint, token


def complaint_file_from_survey(*, response, by, request=None):
    """File the suggestion of a survey answer as an anonymous aspirasi, once.

    Return ``(complaint, created)``: a suggestion becomes at most one
    complaint, so a second call returns the first one. The aspirasi is
    anonymous (a survey keeps no identity) and points back to its answer
    through ``Complaint.source_survey``. Raise ValidationError when the
    suggestion cannot be a complaint (e.g. longer than one may be).
    """
    with transaction.atomic():
        # Lock the answer: two clicks must not file two aspirasi.
        SurveyResponse.objects.select_for_update().filter(pk=response.pk).first()
        existing = Complaint.objects.filter(source_survey=response).first()
        if existing is not None:
            return existing, False
        complaint, _token = complaint_file(
            hall=response.hall,
            kind=Complaint.Kind.ASPIRATION,
            channel=Complaint.Channel.WEB,
            title=_("Saran dari survei kepuasan: %(service)s")
            % {"service": Truncator(response.service.name).chars(120)},
            # The lead-in keeps even a one-word suggestion above the minimum
            # length and tells the agency where the text came from.
            description=_("Saran responden survei kepuasan (%(date)s): %(text)s")
            % {"date": response.date.strftime("%d-%m-%Y"), "text": response.suggestion},
            service=response.service,
            is_anonymous=True,
            filed_by=by,
            request=request,
        )
        complaint.source_survey = response
        complaint.save(update_fields=["source_survey"])
    return complaint, True


def tracking_url(complaint, token):
    path = reverse("complaints:track", args=[complaint.tracking_id])
    return f"{settings.SITE_URL}{path}?token={token}"


def _format_due(moment):
    from mpp_portal.documents.formatting import format_datetime_id

    return format_datetime_id(moment) if moment else "-"


def _notify_reporter(complaint, token, *, subject, body, key):
    """Message the reporter, if they left a contact (never for anonymous)."""
    if complaint.is_anonymous:
        return
    dedupe = f"complaint-{complaint.pk}-{key}"
    if complaint.reporter_email:
        notification_queue(
            channel="email",
            recipient=complaint.reporter_email,
            subject=subject,
            body=body,
            dedupe_key=f"{dedupe}-email",
            related=complaint,
            hall=complaint.hall,
        )
    elif normalize_phone(complaint.reporter_phone):
        # A landline the old web form let through stays for staff to call,
        # but WhatsApp cannot reach it (mpp_portal.identity).
        notification_queue(
            channel="whatsapp",
            recipient=complaint.reporter_phone,
            body=f"{subject}. {body}",
            dedupe_key=f"{dedupe}-wa",
            related=complaint,
            hall=complaint.hall,
        )


# ---------------------------------------------------------------------------
# Transitions
# ---------------------------------------------------------------------------
def _lock(complaint):
    return Complaint.objects.select_for_update().select_related("hall").get(pk=complaint.pk)


def _require_status(complaint, sources, target):
    """Refuse a move the table allows, but this use case only from ``sources``."""
    if complaint.status not in sources:
        raise TransitionNotAllowed.for_states(
            complaint, complaint.get_status_display(), target.label
        )


def _transition(
    complaint,
    target,
    *,
    by,
    action,
    body="",
    is_public=True,
    fields=None,
    request=None,
    update_kind=ComplaintUpdate.Kind.STATUS,
):
    """Move ``complaint`` (the platform's transition) and add the timeline entry.

    An anonymous reporter's own move is audited with no actor and no request
    (so no IP address): nothing may tie the report to a person.
    """
    before = complaint.status
    anonymous_reporter = complaint.is_anonymous and (
        by is None or not by.is_authenticated or by == complaint.reporter
    )
    transition(
        complaint,
        target,
        by=None if anonymous_reporter else by,
        action=action,
        note=body[:500],
        request=None if anonymous_reporter else request,
        fields=fields,
    )
    return ComplaintUpdate.objects.create(
        complaint=complaint,
        kind=update_kind,
        body=body,
        is_public=is_public,
        from_status=before,
        to_status=target,
        author=by if by and by.is_authenticated else None,
        author_label=_actor_label(by, complaint),
    )


def _require_hall_admin(user, complaint):
    if not can(user, "complaint.verify", hall=complaint.hall_id):
        raise PermissionDenied


def _require_agency(user, complaint):
    """The agency it is dispatched to, or the hall admin of its hall."""
    if can(user, "complaint.verify", hall=complaint.hall_id):
        return
    if can(user, "complaint.follow_up") and user.agency_id == complaint.assigned_agency_id:
        return
    raise PermissionDenied


def complaint_dispatch(*, complaint, agency, by, instruction="", request=None):
    """Verify and send the complaint to the one agency responsible."""
    with transaction.atomic():
        complaint = _lock(complaint)
        _require_hall_admin(by, complaint)
        if agency.hall_id != complaint.hall_id or not agency.is_active:
            raise ValidationError({"agency": _("Pilih instansi aktif di gedung MPP ini.")})
        now = timezone.now()
        policy = ComplaintPolicy.for_hall(complaint.hall)
        _transition(
            complaint,
            S.DISPATCHED,
            by=by,
            action="complaint.dispatch",
            body=_("Diteruskan ke %(agency)s untuk ditindaklanjuti.") % {"agency": agency.name},
            fields={
                "assigned_agency": agency,
                "instruction": instruction,
                "dispatched_at": now,
                "due_at": deadline(now, policy.followup_days_for(complaint.kind), complaint.hall),
                "paused_days_left": None,
            },
            request=request,
        )
        if instruction:
            _timeline_add(
                complaint, kind=ComplaintUpdate.Kind.NOTE, body=instruction, by=by, is_public=False
            )
        _notify_agency(complaint, key=f"dispatch-{now:%Y%m%d%H%M%S}")
        # The agency and the body are fixed now, in this transaction: a retry
        # after a hand-back and re-dispatch still tells the agency this
        # dispatch was for, and a broker outage delays the POST, never loses it.
        webhook_send(event=WEBHOOK_EVENT, agency=agency, payload=webhook_payload(complaint))
    return complaint


def complaint_request_info(*, complaint, by, question, request=None):
    """Ask the reporter for more; the verification clock pauses."""
    if not question.strip():
        raise ValidationError({"question": _("Tuliskan informasi yang dibutuhkan.")})
    with transaction.atomic():
        complaint = _lock(complaint)
        _require_hall_admin(by, complaint)
        left = 1
        if complaint.due_at:
            left = max(1, working_days_remaining(complaint.due_at, hall=complaint.hall))
        _transition(
            complaint,
            S.INFO_REQUESTED,
            by=by,
            action="complaint.request_info",
            body=question,
            update_kind=ComplaintUpdate.Kind.INFO_REQUEST,
            fields={"due_at": None, "paused_days_left": left, "info_requested_at": timezone.now()},
            request=request,
        )
        _notify_reporter(
            complaint,
            None,
            subject=_("Laporan %(id)s: mohon lengkapi informasi") % {"id": complaint.tracking_id},
            body=question,
            key=f"info-{timezone.now():%Y%m%d%H%M%S}",
        )
    return complaint


def complaint_provide_info(*, complaint, by, text, attachments=(), request=None):
    """The reporter answers an information request; the clock runs again."""
    if not text.strip():
        raise ValidationError({"text": _("Tuliskan informasi tambahan Anda.")})
    with uploads_undone_on_error() as written, transaction.atomic():
        complaint = _lock(complaint)
        now = timezone.now()
        update = _transition(
            complaint,
            S.SUBMITTED,
            by=by,
            action="complaint.provide_info",
            body=text,
            update_kind=ComplaintUpdate.Kind.REPLY,
            fields={
                "due_at": deadline(now, complaint.paused_days_left or 1, complaint.hall),
                "paused_days_left": None,
                "info_requested_at": None,
            },
            request=request,
        )
        if attachments:
            _store_attachments(
                complaint, list(attachments), written, update=update, by_reporter=True
            )
    return complaint


def complaint_archive(*, complaint, by, reason, note="", duplicate_of=None, request=None):
    """Archive with a reason the reporter can read."""
    if reason not in ARCHIVE_REASONS:
        raise ValidationError({"reason": _("Pilih alasan pengarsipan.")})
    if reason == Complaint.ArchiveReason.DUPLICATE and duplicate_of is None:
        raise ValidationError({"duplicate_of": _("Sebutkan laporan yang sama.")})
    with transaction.atomic():
        complaint = _lock(complaint)
        _require_hall_admin(by, complaint)
        if complaint.status == S.INFO_REQUESTED:
            # Waiting for the reporter: only complaint_archive_unanswered,
            # after the wait, may archive it.
            raise TransitionNotAllowed(
                _(
                    "Laporan ini menunggu informasi pelapor. Arsipkan dengan tindakan "
                    "“pelapor tidak melengkapi” setelah batas tunggu lewat."
                ),
                code="awaiting_reporter",
            )
        if duplicate_of is not None and (
            duplicate_of.pk == complaint.pk or duplicate_of.hall_id != complaint.hall_id
        ):
            raise ValidationError({"duplicate_of": _("Laporan rujukan tidak valid.")})
        suffix = ""
        if duplicate_of is not None:
            suffix = " " + _("Lihat laporan %(id)s.") % {"id": duplicate_of.tracking_id}
        _archive(
            complaint,
            reason,
            note,
            suffix=suffix,
            by=by,
            action="complaint.archive",
            fields={"duplicate_of": duplicate_of},
            request=request,
        )
    return complaint


def _archive(complaint, reason, note, *, by, action, fields, request, suffix=""):
    """Move to archived with the reason the reporter reads, and tell them."""
    label = Complaint.ArchiveReason(reason).label
    body = (f"{label}. {note}".strip() if note else str(label)) + suffix
    _transition(
        complaint,
        S.ARCHIVED,
        by=by,
        action=action,
        body=body,
        fields={
            "archive_reason": reason,
            "archive_note": note,
            "due_at": None,
            "closed_at": timezone.now(),
            **fields,
        },
        request=request,
    )
    _notify_reporter(
        complaint,
        None,
        subject=_("Laporan %(id)s diarsipkan") % {"id": complaint.tracking_id},
        body=body,
        key="archived",
    )


def complaint_archive_unanswered(*, complaint, by, note="", request=None):
    """Archive a complaint whose reporter left an information request
    unanswered for the hall's ``info_wait_days`` working days.

    Without it a complaint in info_requested waits forever: only the
    reporter can move it back. Too early raises TransitionNotAllowed
    (code ``info_wait_not_over``) naming the first moment it is allowed.
    """
    with transaction.atomic():
        complaint = _lock(complaint)
        _require_hall_admin(by, complaint)
        allowed_from = complaint.info_wait_ends()
        if allowed_from is None:
            raise TransitionNotAllowed.for_states(
                complaint, complaint.get_status_display(), S.ARCHIVED.label
            )
        if timezone.now() <= allowed_from:
            raise TransitionNotAllowed(
                _(
                    "Pelapor masih diberi waktu %(n)s hari kerja untuk melengkapi informasi. "
                    "Laporan dapat diarsipkan setelah %(when)s."
                )
                % {
                    "n": ComplaintPolicy.for_hall(complaint.hall).info_wait_days,
                    "when": _format_due(allowed_from),
                },
                code="info_wait_not_over",
                extra={"allowed_after": allowed_from.isoformat()},
            )
        _archive(
            complaint,
            Complaint.ArchiveReason.NO_INFO,
            note,
            by=by,
            action="complaint.archive_unanswered",
            fields={"paused_days_left": None, "info_requested_at": None},
            request=request,
        )
    return complaint


def complaint_hand_back(*, complaint, by, reason, request=None):
    """The agency returns the complaint to the hall admin for re-dispatch."""
    if not reason.strip():
        raise ValidationError({"reason": _("Tuliskan alasan pengembalian.")})
    with transaction.atomic():
        complaint = _lock(complaint)
        _require_agency(by, complaint)
        policy = ComplaintPolicy.for_hall(complaint.hall)
        _transition(
            complaint,
            S.SUBMITTED,
            by=by,
            action="complaint.hand_back",
            body=reason,
            is_public=False,
            fields={
                "assigned_agency": None,
                "due_at": deadline(timezone.now(), policy.verify_days, complaint.hall),
            },
            request=request,
        )
    return complaint


def complaint_extend(*, complaint, by, reason, request=None):
    """Extend the answer to a request for information once, by 7 working days.

    UU 14/2008 Pasal 22 ayat (8): the agency handling the request (or the
    hall admin) gives a written reason, which the reporter and the public
    timeline read. The new deadline is the 7th working day after the old
    one. Refusals (not an information request, already extended, not with
    the agency, deadline passed) raise TransitionNotAllowed.
    """
    if not reason.strip():
        raise ValidationError({"reason": _("Tuliskan alasan perpanjangan.")})
    with transaction.atomic():
        complaint = _lock(complaint)
        _require_agency(by, complaint)
        now = timezone.now()
        refused = complaint.extension_refused(now)
        if refused is not None:
            code, message = refused
            raise TransitionNotAllowed(message, code=code)
        before = complaint.due_at
        # From the start of the old deadline's day: deadline() counts a
        # moment at closing time as received the next working day.
        old_day = day_start(before.astimezone(JAKARTA).date())
        complaint.due_at = deadline(old_day, INFORMATION_EXTENSION_DAYS, complaint.hall)
        complaint.extended_at = now
        complaint.save(update_fields=["due_at", "extended_at"])
        body = _(
            "Batas waktu jawaban diperpanjang %(n)s hari kerja sampai %(due)s. Alasan: %(reason)s"
        ) % {
            "n": INFORMATION_EXTENSION_DAYS,
            "due": _format_due(complaint.due_at),
            "reason": reason.strip(),
        }
        _timeline_add(
            complaint, kind=ComplaintUpdate.Kind.EXTENSION, body=body, by=by, is_public=True
        )
        record(
            actor=by,
            action="complaint.extend",
            obj=complaint,
            note=reason.strip()[:500],
            changes={
                "due_at": [
                    moment.astimezone(JAKARTA).isoformat() for moment in (before, complaint.due_at)
                ]
            },
            request=request,
        )
        _notify_reporter(
            complaint,
            None,
            subject=_("Permintaan informasi %(id)s: batas waktu diperpanjang")
            % {"id": complaint.tracking_id},
            body=body,
            key="extended",
        )
    return complaint


def complaint_add_note(*, complaint, by, body, is_public=False, attachments=(), request=None):
    """Staff add an internal note (or, for the agency, a public progress note)."""
    if not body.strip():
        raise ValidationError({"body": _("Catatan tidak boleh kosong.")})
    with uploads_undone_on_error() as written, transaction.atomic():
        complaint = _lock(complaint)
        if complaint.assigned_agency_id:
            _require_agency(by, complaint)
        else:
            _require_hall_admin(by, complaint)
        update = _timeline_add(
            complaint, kind=ComplaintUpdate.Kind.NOTE, body=body, by=by, is_public=is_public
        )
        if attachments:
            _store_attachments(
                complaint, list(attachments), written, update=update, is_public=is_public
            )
        record(actor=by, action="complaint.note", obj=complaint, note=body[:200], request=request)
    return update


def complaint_respond(
    *, complaint, by, body, planned_completion=None, attachments=(), request=None
):
    """The agency's public follow-up; the reporter's reply window opens."""
    if not body.strip():
        raise ValidationError({"body": _("Tanggapan tidak boleh kosong.")})
    with uploads_undone_on_error() as written, transaction.atomic():
        complaint = _lock(complaint)
        _require_agency(by, complaint)
        now = timezone.now()
        policy = ComplaintPolicy.for_hall(complaint.hall)
        late = complaint.due_at is not None and now > complaint.due_at
        update = _transition(
            complaint,
            S.RESPONDED,
            by=by,
            action="complaint.respond",
            body=body,
            update_kind=ComplaintUpdate.Kind.RESPONSE,
            fields={
                "responded_at": now,
                "planned_completion": planned_completion,
                "responded_late": late,
                "due_at": deadline(now, policy.autoclose_days, complaint.hall),
            },
            request=request,
        )
        if attachments:
            _store_attachments(complaint, list(attachments), written, update=update)
        _notify_reporter(
            complaint,
            None,
            subject=_("Laporan %(id)s sudah ditanggapi") % {"id": complaint.tracking_id},
            body=_(
                "%(agency)s menanggapi laporan Anda. Balas atau terima tanggapan ini "
                "sebelum %(due)s."
            )
            % {"agency": complaint.assigned_agency, "due": _format_due(complaint.due_at)},
            key=f"respond-{now:%Y%m%d%H%M%S}",
        )
    return complaint


def complaint_reply(*, complaint, by, body, attachments=(), request=None):
    """The reporter is not satisfied and answers; back to the agency."""
    if not body.strip():
        raise ValidationError({"body": _("Balasan tidak boleh kosong.")})
    with uploads_undone_on_error() as written, transaction.atomic():
        complaint = _lock(complaint)
        # The table lets submitted -> dispatched too (the hall admin's
        # dispatch): a reporter's reply must not dispatch an unverified report.
        _require_status(complaint, {S.RESPONDED}, S.DISPATCHED)
        policy = ComplaintPolicy.for_hall(complaint.hall)
        now = timezone.now()
        update = _transition(
            complaint,
            S.DISPATCHED,
            by=by,
            action="complaint.reply",
            body=body,
            update_kind=ComplaintUpdate.Kind.REPLY,
            fields={
                "due_at": deadline(now, policy.followup_days_for(complaint.kind), complaint.hall),
            },
            request=request,
        )
        if attachments:
            _store_attachments(
                complaint, list(attachments), written, update=update, by_reporter=True
            )
        _notify_agency(complaint, key=f"reply-{now:%Y%m%d%H%M%S}")
    return complaint


def complaint_accept(*, complaint, by, rating=None, comment="", request=None):
    """The reporter accepts the response: closed, with an optional rating."""
    if rating is not None and not 1 <= int(rating) <= 5:
        raise ValidationError({"rating": _("Nilai antara 1 dan 5.")})
    with transaction.atomic():
        complaint = _lock(complaint)
        _transition(
            complaint,
            S.CLOSED,
            by=by,
            action="complaint.accept",
            body=_("Pelapor menerima tanggapan."),
            fields={
                "closed_at": timezone.now(),
                "due_at": None,
                "rating": int(rating) if rating is not None else None,
                "rating_comment": comment,
            },
            request=request,
        )
    return complaint


def complaint_rate(*, complaint, rating, comment="", request=None):
    """Rate a closed complaint (once, e.g. after the automatic close)."""
    if not 1 <= int(rating) <= 5:
        raise ValidationError({"rating": _("Nilai antara 1 dan 5.")})
    with transaction.atomic():
        complaint = _lock(complaint)
        if complaint.status != S.CLOSED or complaint.rating is not None:
            raise DomainError(_("Laporan ini tidak dapat dinilai."), code="cannot_rate")
        complaint.rating = int(rating)
        complaint.rating_comment = comment
        complaint.save(update_fields=["rating", "rating_comment"])
        record(actor=None, action="complaint.rate", obj=complaint, note=str(rating))
    return complaint


def complaint_reopen(*, complaint, by, body, request=None):
    """The reporter reopens a closed complaint, once, within the reply window."""
    with transaction.atomic():
        complaint = _lock(complaint)
        # A reporter's move: never the dispatch of a submitted report.
        _require_status(complaint, {S.CLOSED, S.RESPONDED}, S.DISPATCHED)
        if complaint.reopened:
            raise TransitionNotAllowed(
                _("Laporan hanya dapat dibuka kembali satu kali."), code="already_reopened"
            )
        if complaint.status == S.CLOSED:
            window_end = deadline(
                complaint.responded_at or complaint.closed_at,
                ComplaintPolicy.for_hall(complaint.hall).autoclose_days,
                complaint.hall,
            )
            if timezone.now() > window_end:
                raise TransitionNotAllowed(
                    _("Batas waktu untuk membuka kembali laporan sudah lewat."),
                    code="reopen_window_passed",
                )
        policy = ComplaintPolicy.for_hall(complaint.hall)
        now = timezone.now()
        _transition(
            complaint,
            S.DISPATCHED,
            by=by,
            action="complaint.reopen",
            body=body or _("Pelapor membuka kembali laporan."),
            update_kind=ComplaintUpdate.Kind.REPLY,
            fields={
                "reopened": True,
                "closed_at": None,
                "rating": None,
                "rating_comment": "",
                "due_at": deadline(now, policy.followup_days_for(complaint.kind), complaint.hall),
            },
            request=request,
        )
        _notify_agency(complaint, key=f"reopen-{now:%Y%m%d%H%M%S}")
    return complaint


# ---------------------------------------------------------------------------
# Notifications to staff
# ---------------------------------------------------------------------------
def _staff_emails(*, hall_ids=(), agency_ids=()):
    """Return {("hall", id) | ("agency", id): [emails]} in one query."""
    User = get_user_model()
    rows = (
        User.objects.filter(is_active=True)
        .exclude(email="")
        .filter(
            Q(role=User.Role.HALL_ADMIN, hall_id__in=list(hall_ids))
            | Q(role=User.Role.AGENCY_ADMIN, agency_id__in=list(agency_ids))
        )
        .values_list("role", "hall_id", "agency_id", "email")
    )
    result = {}
    for role, hall_id, agency_id, email in rows:
        if role == User.Role.HALL_ADMIN and hall_id in hall_ids:
            result.setdefault(("hall", hall_id), []).append(email)
        if role == User.Role.AGENCY_ADMIN and agency_id in agency_ids:
            result.setdefault(("agency", agency_id), []).append(email)
    return result


def _agency_recipients(agency, emails):
    recipients = list(emails)
    if agency.contact_email and agency.contact_email not in recipients:
        recipients.append(agency.contact_email)
    return recipients


def _notify_agency(complaint, *, key):
    agency = complaint.assigned_agency
    emails = _staff_emails(agency_ids={agency.pk}).get(("agency", agency.pk), [])
    for email in _agency_recipients(agency, emails):
        notification_queue(
            channel="email",
            recipient=email,
            subject=_("Pengaduan %(id)s untuk %(agency)s")
            % {"id": complaint.tracking_id, "agency": agency.short_name},
            body=_(
                "Pengaduan %(id)s “%(title)s” menunggu tindak lanjut paling lambat %(due)s. "
                "Buka: %(url)s"
            )
            % {
                "id": complaint.tracking_id,
                "title": complaint.title,
                "due": _format_due(complaint.due_at),
                "url": settings.SITE_URL + complaint.get_absolute_url(),
            },
            dedupe_key=f"complaint-{complaint.pk}-{key}-{email}",
            related=complaint,
            hall=complaint.hall,
        )


# ---------------------------------------------------------------------------
# Webhook to the agency's own system (sent by mpp_portal.webhooks)
# ---------------------------------------------------------------------------
WEBHOOK_EVENT = "complaint.dispatched"


def webhook_payload(complaint):
    """What the agency's system receives: no identity of an anonymous reporter."""
    return {
        "event": WEBHOOK_EVENT,
        "tracking_id": complaint.tracking_id,
        "kind": complaint.kind,
        "title": complaint.title,
        "description": complaint.description,
        "location": complaint.location,
        "event_date": complaint.event_date.isoformat() if complaint.event_date else None,
        # In UTC, as read back from the database, whether or not the
        # complaint was just saved with a local time.
        "due_at": complaint.due_at.astimezone(datetime.UTC).isoformat()
        if complaint.due_at
        else None,
        "instruction": complaint.instruction,
        "reporter_name": None if complaint.is_anonymous else complaint.reporter_name or None,
        "is_anonymous": complaint.is_anonymous,
        "url": settings.SITE_URL + complaint.get_absolute_url(),
    }
