"""Everything that changes a forum (FKM), its inputs, agreements and sign-off.

For the PDF benchmark (bench/bench_pdf.py) and the report: the berita
acara is rendered by the plain function
``render_berita_acara_pdf(forum, *, final=False) -> bytes`` (no database
write, no registry number); ``berita_acara_issue()`` renders and registers a
version through ``documents.document_issue`` and is what the Celery task
``forums.render_berita_acara`` runs.

The forum's life: ``forum_plan`` (planned) -> ``forum_hold`` (held) ->
first rendered draft (minutes_drafted) -> ``signoff_send`` freezes the
latest draft's SHA-256 (in_signing) -> ``signoff_approve`` by each
signatory for that exact hash; the last one moves the forum to signed and
enqueues the final PDF (made once: a job key and a unique constraint);
``signoff_return`` voids every approval and goes back to minutes_drafted.
A signed forum is read-only. Every status move goes through
``mpp_portal.transitions`` (audited).
"""

import contextlib
import csv
import hashlib
import io
import logging
from collections import Counter, OrderedDict

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from forums.models import (
    INPUT_MAX,
    INPUT_MIN,
    AgreementItem,
    Attendance,
    BeritaAcara,
    Forum,
    ForumAgency,
    Input,
    ItemProgress,
    Signatory,
    TopicNote,
)
from mpp_portal import audit
from mpp_portal.accounts.permissions import can
from mpp_portal.documents.formatting import JAKARTA, format_date_id, spell_date_id
from mpp_portal.documents.models import IssuedDocument
from mpp_portal.documents.pdf import qr_data_uri, render_pdf
from mpp_portal.documents.uploads import UploadKind, clean_upload, uploads_undone_on_error
from mpp_portal.exceptions import DomainError
from mpp_portal.jobs.services import enqueue
from mpp_portal.transitions import transition

logger = logging.getLogger(__name__)

RENDER_TASK = "forums.render_berita_acara"
TEMPLATE = "forums/pdf/berita_acara.html"
KIND = IssuedDocument.Kind.BERITA_ACARA
# Public inputs per address per hour (web form and API share the count).
INPUTS_PER_HOUR = getattr(settings, "FORUM_INPUTS_PER_HOUR", 10)
ATTENDANCE_CSV_MAX_ROWS = 2000
S = Forum.Status
ItemStatus = AgreementItem.Status


class StaleHash(DomainError):
    code = "stale_hash"
    default_message = _(
        "Versi berita acara yang Anda setujui bukan versi yang dibekukan untuk persetujuan."
    )


class ForumReadOnly(DomainError):
    code = "forum_read_only"
    default_message = _("Forum ini sedang dalam persetujuan atau sudah ditandatangani.")


class InputsClosed(DomainError):
    code = "inputs_closed"
    default_message = _("Masukan untuk forum ini sudah ditutup.")


class AlreadyDecided(DomainError):
    code = "already_approved"
    default_message = _("Anda sudah menyetujui versi ini.")


# ---------------------------------------------------------------------------
# Plan
# ---------------------------------------------------------------------------
EDITABLE = (S.PLANNED, S.HELD, S.MINUTES_DRAFTED)
PLAN_FIELDS = (
    "theme",
    "legal_basis",
    "starts_at",
    "venue",
    "description",
    "invited_groups",
    "inputs_open",
    "is_published",
    "chaired_by",
)


def _editable(forum):
    if forum.status not in EDITABLE:
        raise ForumReadOnly()


def _unique_slug(hall, theme, starts_at):
    base = slugify(f"{theme[:50]} {starts_at.astimezone(JAKARTA):%Y-%m-%d}")[:70] or "forum"
    slug, n = base, 2
    while Forum.objects.filter(hall=hall, slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def forum_plan(*, hall, by, services=(), request=None, **fields):
    """Create a planned forum of ``hall`` from the plan's fields."""
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"unknown forum fields: {sorted(unknown)}")
    with transaction.atomic():
        forum = Forum(hall=hall, created_by=by, **fields)
        forum.slug = _unique_slug(hall, forum.theme, forum.starts_at)
        forum.full_clean(exclude=["number"])
        forum.save()
        year = forum.starts_at.astimezone(JAKARTA).year
        forum.number = f"{forum.pk:03d}/BA-FKM/{hall.code or 'MPP'}/{year}"
        forum.save(update_fields=["number"])
        if services:
            forum.services.set(services)
        audit.record(
            actor=by, action="forum.plan", obj=forum, to_status=forum.status, request=request
        )
    return forum


def forum_update(forum, *, by, services=None, request=None, **fields):
    """Change the plan (not while in sign-off or once signed)."""
    _editable(forum)
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"unknown forum fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(forum, name, value)
    forum.full_clean()
    with transaction.atomic():
        forum.save()
        if services is not None:
            forum.services.set(services)
        audit.record(
            actor=by,
            action="forum.update",
            obj=forum,
            request=request,
            changes={k: str(v) for k, v in fields.items()},
        )
    return forum


def forum_set_agency(
    forum, *, agency, signatory_name="", signatory_position="", user=None, by=None
):
    """Add (or update) an agency taking part, with the official who signs for it."""
    _editable(forum)
    if agency.hall_id != forum.hall_id:
        raise ValidationError({"agency": _("Instansi ini tidak berada di gedung MPP forum.")})
    row, _created = ForumAgency.objects.update_or_create(
        forum=forum,
        agency=agency,
        defaults={
            "signatory_name": signatory_name or agency.head_name,
            "signatory_position": signatory_position or agency.head_title,
            "user": user,
        },
    )
    return row


def forum_remove_agency(forum, *, agency, by=None):
    _editable(forum)
    with transaction.atomic():
        if ForumAgency.objects.filter(forum=forum, agency=agency).delete()[0]:
            audit.record(actor=by, action="forum.agency_remove", obj=forum, note=agency.name[:200])


def forum_hold(forum, *, by, chaired_by="", request=None):
    """The forum took place: planned -> held."""
    fields = {"chaired_by": chaired_by} if chaired_by else {}
    return transition(forum, S.HELD, by=by, action="forum.hold", request=request, fields=fields)


def forum_addendum(forum, *, by, correction, request=None):
    """Start the addendum of a signed forum: a correction is never an edit.

    The addendum is a forum of its own, already held (the same meeting),
    with the original's agencies and signatories and the correction as its
    text; it gets its own draft, sign-off and seal. Return it.
    """
    correction = (correction or "").strip()
    if forum.status != S.SIGNED:
        raise DomainError(
            _("Adendum dibuat atas berita acara yang sudah ditandatangani."), code="not_signed"
        )
    if not correction:
        raise ValidationError({"correction": _("Tuliskan isi perbaikan.")})
    with transaction.atomic():
        count = forum.addenda.count() + 1
        addendum = forum_plan(
            hall=forum.hall,
            by=by,
            request=request,
            theme=f"Adendum {count}: {forum.theme}"[:255],
            legal_basis=forum.legal_basis,
            starts_at=forum.starts_at,
            venue=forum.venue,
            description=correction,
            is_published=forum.is_published,
            inputs_open=False,
        )
        addendum.addendum_of = forum
        addendum.number = f"{forum.number}/ADD-{count}"
        addendum.save(update_fields=["addendum_of", "number"])
        for row in forum.agencies.all():
            ForumAgency.objects.create(
                forum=addendum,
                agency=row.agency,
                signatory_name=row.signatory_name,
                signatory_position=row.signatory_position,
                user=row.user,
            )
        for row in forum.signatories.all():
            Signatory.objects.create(
                forum=addendum,
                user=row.user,
                name=row.name,
                position=row.position,
                group=row.group,
                order=row.order,
            )
        forum_hold(addendum, by=by, chaired_by=forum.chaired_by, request=request)
    return addendum


# ---------------------------------------------------------------------------
# Public input
# ---------------------------------------------------------------------------
def _rate_key(ip):
    return f"forums:input:{ip or 'unknown'}"


def input_rate_allowed(ip):
    """Count one public input from ``ip``; False past INPUTS_PER_HOUR (then not counted)."""
    key = _rate_key(ip)
    if cache.add(key, 1, 3600):
        return True
    try:
        count = cache.incr(key)
    except ValueError:
        # Cache down or key expired in between: let it through.
        cache.set(key, 1, 3600)
        return True
    if count > INPUTS_PER_HOUR:
        with contextlib.suppress(ValueError):
            cache.decr(key)
        return False
    return True


def _clean_text(text):
    text = " ".join((text or "").split()) if "\n" not in (text or "") else (text or "").strip()
    if len(text) < INPUT_MIN:
        raise ValidationError(
            {
                "text": _("Masukan terlalu pendek (paling sedikit %(n)s karakter).")
                % {"n": INPUT_MIN}
            }
        )
    if len(text) > INPUT_MAX:
        raise ValidationError(
            {
                "text": _("Masukan terlalu panjang (paling banyak %(n)s karakter).")
                % {"n": INPUT_MAX}
            }
        )
    return text


def _check_subject(forum, service, agency):
    if agency is not None and agency.hall_id != forum.hall_id:
        raise ValidationError({"agency": _("Instansi ini tidak berada di gedung MPP forum.")})
    if service is not None:
        if service.agency.hall_id != forum.hall_id:
            raise ValidationError({"service": _("Layanan ini tidak ada di gedung MPP forum.")})
        if agency is None:
            agency = service.agency
        elif service.agency_id != agency.pk:
            raise ValidationError({"service": _("Layanan ini bukan layanan instansi tersebut.")})
    return agency


def input_submit(
    *, forum, text, service=None, agency=None, name="", contact="", is_anonymous=False
):
    """A member of the public gives an input (masukan) before or during the forum."""
    if not (forum.is_published and forum.inputs_open and forum.status in (S.PLANNED, S.HELD)):
        raise InputsClosed()
    text = _clean_text(text)
    agency = _check_subject(forum, service, agency)
    if is_anonymous:
        name = contact = ""
    entry = Input(
        forum=forum,
        text=text,
        service=service,
        agency=agency,
        name=(name or "").strip()[:100],
        contact=(contact or "").strip()[:100],
        is_anonymous=bool(is_anonymous),
        source=Input.Source.PUBLIC,
    )
    entry.save()
    return entry


def input_from_complaint(forum, *, complaint, by, topic=""):
    """Link a complaint's issue as an input (its text is the complaint's, no personal data)."""
    _editable(forum)
    if complaint.hall_id != forum.hall_id:
        raise ValidationError({"complaint": _("Pengaduan ini dari gedung MPP lain.")})
    existing = Input.objects.filter(forum=forum, complaint=complaint).first()
    if existing:
        return existing
    text = f"{complaint.title}\n\n{complaint.description}"[:INPUT_MAX]
    entry = Input.objects.create(
        forum=forum,
        text=text,
        agency=complaint.assigned_agency if complaint.assigned_agency_id else None,
        topic=topic,
        is_anonymous=True,
        source=Input.Source.COMPLAINT,
        complaint=complaint,
    )
    audit.record(
        actor=by, action="forum.input_from_complaint", obj=entry, note=complaint.tracking_id
    )
    return entry


def input_from_survey(forum, *, response, by, topic=""):
    """Link a survey answer's suggestion (saran) as an input."""
    _editable(forum)
    if not (response.suggestion or "").strip():
        raise ValidationError({"survey_response": _("Survei ini tidak berisi saran.")})
    service = response.service if getattr(response, "service_id", None) else None
    if service is not None and service.agency.hall_id != forum.hall_id:
        raise ValidationError({"survey_response": _("Survei ini dari gedung MPP lain.")})
    existing = Input.objects.filter(forum=forum, survey_response=response).first()
    if existing:
        return existing
    entry = Input.objects.create(
        forum=forum,
        text=response.suggestion.strip()[:INPUT_MAX],
        service=service,
        agency=service.agency if service else None,
        topic=topic,
        is_anonymous=True,
        source=Input.Source.SURVEY,
        survey_response=response,
    )
    audit.record(actor=by, action="forum.input_from_survey", obj=entry)
    return entry


def inputs_set_topic(forum, *, inputs, topic, by):
    """Group inputs under one topic (empty topic: ungrouped)."""
    _editable(forum)
    topic = (topic or "").strip()[:100]
    count = Input.objects.filter(forum=forum, pk__in=[i.pk for i in inputs]).update(topic=topic)
    return count


def inputs_by_topic(forum):
    """Return an ordered dict topic -> inputs (ungrouped last, under "")."""
    groups = OrderedDict()
    rows = forum.inputs.select_related("service", "agency").order_by("topic", "created_at")
    for entry in rows:
        groups.setdefault(entry.topic, []).append(entry)
    if "" in groups:
        groups[""] = groups.pop("")
    return groups


def topic_note_save(forum, *, topic, note, by):
    _editable(forum)
    topic = (topic or "").strip()[:100]
    if not topic:
        raise ValidationError({"topic": _("Topik wajib diisi.")})
    row, _created = TopicNote.objects.update_or_create(
        forum=forum, topic=topic, defaults={"note": note.strip()}
    )
    return row


# ---------------------------------------------------------------------------
# Attendance
# ---------------------------------------------------------------------------
def _attendance_editable(forum):
    _editable(forum)
    if forum.status == S.PLANNED and forum.starts_at.astimezone(JAKARTA).date() > (
        timezone.localdate()
    ):
        raise DomainError(_("Daftar hadir diisi pada hari forum."), code="too_early")


def _group_value(value):
    value = (value or "").strip().lower()
    for choice in Attendance.Group:
        if value in (choice.value, str(choice.label).lower()):
            return choice.value
    return None


def attendance_add(forum, *, name, group, origin="", role="", by=None):
    """One person at the door (the tablet's quick form)."""
    _attendance_editable(forum)
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Nama wajib diisi.")})
    group_value = _group_value(group)
    if group_value is None:
        raise ValidationError({"group": _("Unsur tidak dikenal.")})
    return Attendance.objects.create(
        forum=forum,
        name=name[:150],
        origin=(origin or "").strip()[:150],
        group=group_value,
        role=(role or "").strip()[:100],
    )


def attendance_import_csv(forum, *, upload, by=None):
    """Import a CSV (nama, asal, unsur, peran): all lines or none.

    Return ``(count, errors)``; ``errors`` is a list of ``(line, message)``
    and nothing is saved when it is not empty.
    """
    _attendance_editable(forum)
    raw = upload.read()
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            return 0, [(1, _("Berkas bukan teks UTF-8."))]
    sample = raw[:2048]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(raw), dialect)
    rows = list(reader)
    if not rows:
        return 0, [(1, _("Berkas kosong."))]
    header = [h.strip().lower() for h in rows[0]]
    aliases = {
        "name": ("nama", "name"),
        "origin": ("asal", "origin", "instansi"),
        "group": ("unsur", "group", "kelompok"),
        "role": ("peran", "role", "jabatan"),
    }
    columns = {}
    for key, names in aliases.items():
        for index, title in enumerate(header):
            if title in names:
                columns[key] = index
                break
    if "name" not in columns or "group" not in columns:
        return 0, [(1, _("Baris judul harus memuat kolom nama dan unsur."))]
    if len(rows) - 1 > ATTENDANCE_CSV_MAX_ROWS:
        return 0, [(1, _("Paling banyak %(n)s baris.") % {"n": ATTENDANCE_CSV_MAX_ROWS})]
    people, errors = [], []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(key, row=row):
            index = columns.get(key)
            return row[index].strip() if index is not None and index < len(row) else ""

        name = " ".join(cell("name").split())
        if not name:
            errors.append((line, _("nama kosong")))
            continue
        if len(name) > 150:
            errors.append((line, _("nama lebih dari 150 karakter")))
            continue
        group = _group_value(cell("group"))
        if group is None:
            errors.append((line, _("unsur “%(value)s” tidak dikenal") % {"value": cell("group")}))
            continue
        people.append(
            Attendance(
                forum=forum,
                name=name,
                origin=cell("origin")[:150],
                group=group,
                role=cell("role")[:100],
            )
        )
    if errors:
        return 0, errors
    if not people:
        return 0, [(2, _("Tidak ada baris peserta."))]
    with transaction.atomic():
        Attendance.objects.bulk_create(people)
        audit.record(actor=by, action="forum.attendance_import", obj=forum, note=str(len(people)))
    return len(people), []


def attendance_by_group(forum):
    """Return [(label, count)] in the groups' order, groups with nobody left out."""
    counts = Counter(forum.attendance.values_list("group", flat=True))
    return [(choice.label, counts[choice.value]) for choice in Attendance.Group if counts[choice]]


# ---------------------------------------------------------------------------
# Agreements
# ---------------------------------------------------------------------------
def _check_item(forum, agency, inputs):
    if agency.hall_id != forum.hall_id:
        raise ValidationError({"agency": _("Instansi ini tidak berada di gedung MPP forum.")})
    for entry in inputs or ():
        if entry.forum_id != forum.pk:
            raise ValidationError({"inputs": _("Masukan ini milik forum lain.")})


def item_add(forum, *, text, agency, target_date, inputs=(), by=None):
    """Add the next numbered agreement (kesepakatan)."""
    _editable(forum)
    if forum.status == S.PLANNED:
        raise DomainError(_("Kesepakatan dicatat setelah forum dilaksanakan."), code="not_held")
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Isi kesepakatan wajib diisi.")})
    _check_item(forum, agency, inputs)
    with transaction.atomic():
        Forum.objects.select_for_update().filter(pk=forum.pk).first()
        number = (forum.items.aggregate(n=Max("number"))["n"] or 0) + 1
        item = AgreementItem.objects.create(
            forum=forum, number=number, text=text, agency=agency, target_date=target_date
        )
        if inputs:
            item.inputs.set(inputs)
        audit.record(actor=by, action="forum.item_add", obj=item, to_status=item.status)
    return item


def follow_up_marks_reset(item, *, old_target, old_agency_id):
    """Forget the item's follow-up reminders when its target or agency moved.

    The scan reminds each item once (``reminded_at``) and flags it late once
    (``overdue_flagged_at``); a new target date or a new responsible agency
    is a new commitment, reminded (and, if missed, flagged) again. Returns
    the names of the fields it cleared, for ``save(update_fields=...)``.
    """
    if item.target_date == old_target and item.agency_id == old_agency_id:
        return []
    # Both written even if None here: the scan may have set them since
    # ``item`` was read.
    item.reminded_at = item.overdue_flagged_at = None
    return ["reminded_at", "overdue_flagged_at"]


def item_update(item, *, text, agency, target_date, inputs=None, by=None):
    _editable(item.forum)
    _check_item(item.forum, agency, inputs)
    item.text = (text or "").strip()
    if not item.text:
        raise ValidationError({"text": _("Isi kesepakatan wajib diisi.")})
    old_target, old_agency_id = item.target_date, item.agency_id
    item.agency = agency
    item.target_date = target_date
    cleared = follow_up_marks_reset(item, old_target=old_target, old_agency_id=old_agency_id)
    with transaction.atomic():
        item.save(update_fields=["text", "agency", "target_date", *cleared])
        if inputs is not None:
            item.inputs.set(inputs)
        audit.record(actor=by, action="forum.item_update", obj=item)
    return item


def item_delete(item, *, by=None):
    """Remove an item (before sign-off); the later ones are renumbered."""
    forum = item.forum
    _editable(forum)
    with transaction.atomic():
        number = item.number
        audit.record(actor=by, action="forum.item_delete", obj=item, note=item.text[:200])
        item.delete()
        for later in forum.items.filter(number__gt=number).order_by("number"):
            later.number -= 1
            later.save(update_fields=["number"])


def item_progress(item, *, by, note, target=None, reason="", attachment=None, request=None):
    """Record progress on an agreement item, optionally moving its status.

    Only after the berita acara is signed; by the responsible agency's staff
    (or a hall admin of the hall). ``done`` stamps ``done_on``; ``dropped``
    needs a reason. An attachment (image or PDF) is cleaned first.
    """
    if not can(by, "forum.follow_up", agency=item.agency):
        raise PermissionDenied
    if item.forum.status != S.SIGNED:
        raise DomainError(
            _("Tindak lanjut dicatat setelah berita acara ditandatangani."), code="not_signed"
        )
    if item.is_closed:
        raise DomainError(_("Butir ini sudah selesai atau dibatalkan."), code="item_closed")
    note = (note or "").strip()
    reason = (reason or "").strip()
    if target == ItemStatus.DROPPED and not reason:
        raise ValidationError({"reason": _("Alasan pembatalan wajib diisi.")})
    if not note and not target:
        raise ValidationError({"note": _("Catatan kemajuan wajib diisi.")})
    cleaned = None
    if attachment is not None:
        cleaned = clean_upload(
            attachment, accept={UploadKind.IMAGE, UploadKind.PDF}, stem=f"bukti-{item.pk}"
        )
    with uploads_undone_on_error() as written, transaction.atomic():
        item = AgreementItem.objects.select_for_update().get(pk=item.pk)
        before = item.status
        if target and target != before:
            fields = {}
            if target == ItemStatus.DONE:
                fields["done_on"] = timezone.localdate()
            if target in (ItemStatus.DONE, ItemStatus.DROPPED) and reason:
                fields["status_reason"] = reason
            transition(
                item,
                target,
                by=by,
                action=f"forum.item_{target}",
                request=request,
                note=reason or note[:200],
                fields=fields,
            )
        progress = ItemProgress(
            item=item,
            note=note or reason,
            by=by,
            from_status=before,
            to_status=item.status,
        )
        if cleaned is not None:
            written.save(progress.attachment, cleaned)
        progress.save()
    return progress


# ---------------------------------------------------------------------------
# Signatories
# ---------------------------------------------------------------------------
def signatory_add(forum, *, user, name, position, group, order=None, by=None):
    _editable(forum)
    if order is None:
        order = (forum.signatories.aggregate(n=Max("order"))["n"] or 0) + 1
    row, _created = Signatory.objects.update_or_create(
        forum=forum,
        user=user,
        defaults={"name": name, "position": position, "group": group, "order": order},
    )
    return row


def signatory_remove(forum, *, signatory, by=None):
    _editable(forum)
    if signatory.forum_id != forum.pk:
        raise PermissionDenied
    with transaction.atomic():
        audit.record(
            actor=by,
            action="forum.signatory_remove",
            obj=forum,
            note=f"{signatory.name} ({signatory.position})"[:200],
        )
        signatory.delete()


# ---------------------------------------------------------------------------
# Berita acara
# ---------------------------------------------------------------------------
def _participants(forum):
    people = list(forum.attendance.all())
    groups = OrderedDict()
    for choice in Attendance.Group:
        members = [p for p in people if p.group == choice.value]
        if members:
            groups[choice.label] = members
    return people, groups


def berita_acara_context(forum, *, final=False, version=None):
    """The template context of the berita acara (draft or final)."""
    starts = forum.starts_at.astimezone(JAKARTA)
    people, groups = _participants(forum)
    signatories = list(forum.signatories.select_related("user"))
    items = list(forum.items.select_related("agency").order_by("number"))
    return {
        "forum": forum,
        "final": final,
        "version": version,
        "date_words": spell_date_id(starts),
        "date_text": format_date_id(starts),
        "time_text": f"{starts:%H.%M} WIB",
        "participants": people,
        "groups": groups,
        "group_counts": [(label, len(members)) for label, members in groups.items()],
        "items": items,
        "agencies": list(forum.agencies.select_related("agency")),
        "signatories": signatories,
        "topic_notes": list(forum.topic_notes.all()),
        "input_count": forum.inputs.count(),
        "original": forum.addendum_of,
    }


def render_berita_acara_pdf(forum, *, final=False):
    """Return the berita acara PDF bytes without registering it (benchmarks, previews).

    The verification box carries a placeholder code; the registered PDF
    (``berita_acara_issue``) goes through ``documents.document_issue``.
    """
    from mpp_portal.documents.services import _kop

    url = settings.SITE_URL + "/verifikasi/PRATINJAU/"
    issued = {
        "kind": KIND,
        "kind_label": IssuedDocument.Kind(KIND).label,
        "number": forum.number,
        "title": _berita_acara_title(forum),
        "issued_at": timezone.now().astimezone(JAKARTA),
        "verification_code": "PRATINJAU",
        "verification_url": url,
        "qr_data_uri": qr_data_uri(url),
        "signed": False,
        "issued_by": None,
    }
    context = berita_acara_context(forum, final=final)
    return render_pdf(
        TEMPLATE, {**context, "hall": forum.hall, "kop": _kop(forum.hall), "issued": issued}
    )


def _berita_acara_title(forum):
    return f"Berita Acara Kesepakatan Forum Konsultasi Publik: {forum.theme}"[:255]


def berita_acara_request(forum, *, by):
    """Queue a new draft of the berita acara; return the Job (its key: the next version).

    From held or minutes_drafted. The page polls the job and then shows
    the new version; a click twice before the worker took it is one job.
    """
    if forum.status not in (S.HELD, S.MINUTES_DRAFTED):
        raise DomainError(
            _("Berita acara disusun setelah forum dilaksanakan dan sebelum persetujuan."),
            code="wrong_state",
        )
    if not forum.addendum_of_id and not forum.items.exists():
        raise DomainError(_("Catat paling sedikit satu kesepakatan."), code="no_items")
    if not forum.signatories.exists():
        raise DomainError(_("Tetapkan paling sedikit satu penanda tangan."), code="no_signatories")
    last = forum.versions.aggregate(n=Max("version"))["n"] or 0
    return enqueue(
        RENDER_TASK,
        key=f"forum-ba:{forum.pk}:{last + 1}:{_content_digest(forum)[:16]}",
        forum_id=forum.pk,
        final=False,
        user_id=by.pk if by else None,
    )


def _content_digest(forum):
    """A fingerprint of what the PDF shows: a changed forum gets a new job key."""
    parts = [
        forum.theme,
        forum.venue,
        str(forum.starts_at),
        forum.chaired_by,
        forum.legal_basis,
        forum.number,
        str(forum.inputs.count()),
    ]
    parts += [f"{n.topic}|{n.note}" for n in forum.topic_notes.all()]
    parts += [f"{i.number}|{i.text}|{i.agency_id}|{i.target_date}" for i in forum.items.all()]
    parts += [f"{p.pk}|{p.name}|{p.group}" for p in forum.attendance.all()]
    parts += [f"{s.pk}|{s.name}|{s.position}" for s in forum.signatories.all()]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def berita_acara_issue(forum_id, *, final=False, user_id=None):
    """Render and register one version (the task's body). Return the BeritaAcara.

    Draft: only while held or minutes_drafted (held moves to
    minutes_drafted). Final: only once the forum is signed, and only once:
    the forum row stays locked while the final one is made, so a second
    run (a redelivered job) waits and then returns the existing version.
    """
    from django.contrib.auth import get_user_model

    by = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    if final:
        with transaction.atomic():
            forum = Forum.objects.select_for_update().select_related("hall").get(pk=forum_id)
            existing = forum.versions.filter(is_final=True).first()
            if existing is not None:
                return existing
            if forum.status != S.SIGNED:
                raise DomainError(_("Berita acara final dibuat setelah semua menyetujui."))
            return _issue_version(forum, final=True, by=by)
    forum = Forum.objects.select_related("hall").get(pk=forum_id)
    if forum.status not in (S.HELD, S.MINUTES_DRAFTED):
        logger.info("forum %s is %s: no new draft", forum.pk, forum.status)
        return None
    return _issue_version(forum, final=False, by=by)


def _issue_version(forum, *, final, by):
    from mpp_portal.documents.services import document_issue

    version = (forum.versions.aggregate(n=Max("version"))["n"] or 0) + 1
    number = forum.number if final else f"{forum.number}/draf-{version}"
    # Registry numbers are unique: a half-finished earlier run may have taken it.
    while not final and IssuedDocument.objects.filter(kind=KIND, number=number).exists():
        version += 1
        number = f"{forum.number}/draf-{version}"
    digest = _content_digest(forum)
    context = berita_acara_context(forum, final=final, version=version)
    document = document_issue(
        kind=KIND,
        number=number,
        title=_berita_acara_title(forum),
        template_name=TEMPLATE,
        context=context,
        hall=forum.hall,
        issued_by=by,
        related=forum,
    )
    with transaction.atomic():
        forum = Forum.objects.select_for_update().get(pk=forum.pk)
        row = BeritaAcara.objects.create(
            forum=forum,
            version=version,
            document=document,
            sha256=document.sha256,
            content_digest=digest,
            is_final=final,
            created_by=by,
        )
        if not final and forum.status == S.HELD:
            transition(forum, S.MINUTES_DRAFTED, by=by, action="forum.minutes_drafted")
        if final:
            agencies = {a.agency for a in forum.agencies.select_related("agency")}
            agencies |= {i.agency for i in forum.items.select_related("agency")}
            transaction.on_commit(lambda: _send_signed_webhooks(row.pk, agencies))
    return row


def _send_signed_webhooks(version_id, agencies):
    from mpp_portal.webhooks.services import webhook_send

    row = BeritaAcara.objects.select_related("forum", "document").get(pk=version_id)
    forum = row.forum
    for agency in agencies:
        payload = {
            "forum": {
                "id": forum.pk,
                "slug": forum.slug,
                "theme": forum.theme,
                "number": forum.number,
                "signed_at": forum.signed_at.isoformat() if forum.signed_at else None,
            },
            "document": {
                "verification_code": row.document.verification_code,
                "sha256": row.sha256,
                "url": row.document.verification_url,
            },
            "items": [
                {
                    "number": i.number,
                    "text": i.text,
                    "target_date": i.target_date.isoformat(),
                    "status": i.status,
                }
                for i in forum.items.filter(agency=agency)
            ],
        }
        with transaction.atomic():
            webhook_send(event="berita_acara.signed", agency=agency, payload=payload)


# ---------------------------------------------------------------------------
# Sign-off
# ---------------------------------------------------------------------------
def signoff_send(forum, *, by, request=None):
    """Freeze the latest draft (its SHA-256) and ask every signatory: -> in_signing."""
    from mpp_portal.notifications.services import notification_queue

    with transaction.atomic():
        forum = Forum.objects.select_for_update().get(pk=forum.pk)
        if forum.status != S.MINUTES_DRAFTED:
            raise DomainError(
                _("Hanya draf berita acara yang dapat dikirim untuk persetujuan."),
                code="wrong_state",
            )
        latest = forum.versions.filter(is_final=False).order_by("-version").first()
        if latest is None or not latest.sha256:
            raise DomainError(_("Buat draf berita acara terlebih dahulu."), code="no_draft")
        if latest.content_digest and latest.content_digest != _content_digest(forum):
            raise DomainError(
                _("Forum berubah setelah draf terakhir dibuat: buat ulang berita acara."),
                code="draft_outdated",
            )
        signatories = list(forum.signatories.select_related("user"))
        if not signatories:
            raise DomainError(
                _("Tetapkan paling sedikit satu penanda tangan."), code="no_signatories"
            )
        forum.signatories.update(
            approved_at=None,
            approved_sha256="",
            approved_ip=None,
            reminded_at=None,
            returned_comment="",
            returned_at=None,
        )
        transition(
            forum,
            S.IN_SIGNING,
            by=by,
            action="forum.signoff_send",
            request=request,
            fields={"frozen_sha256": latest.sha256},
        )
        for signatory in signatories:
            if signatory.user.email:
                notification_queue(
                    channel="email",
                    recipient=signatory.user.email,
                    subject=_("Menunggu persetujuan Anda: berita acara FKM"),
                    body=_(
                        "Berita acara kesepakatan %(theme)s (%(number)s) menunggu persetujuan "
                        "Anda di portal MPP: %(url)s"
                    )
                    % {
                        "theme": forum.theme,
                        "number": forum.number,
                        "url": settings.SITE_URL + "/forum/persetujuan/",
                    },
                    dedupe_key=f"forum-signoff:{forum.pk}:{signatory.pk}:{latest.sha256[:16]}",
                    related=forum,
                    hall=forum.hall,
                )
    return forum


def _signatory_for(forum, user):
    signatory = forum.signatories.filter(user=user).first()
    if signatory is None:
        raise PermissionDenied
    return signatory


def signoff_approve(forum, *, user, sha256, ip=None, request=None):
    """``user`` approves the frozen draft ``sha256``; the last approval signs the forum.

    The forum row is locked (select_for_update) so approvals at the same
    moment are counted one after another: exactly one sees the last
    approval, moves the forum to signed and enqueues the final PDF (a job
    key, too, so it is made once). Return the Signatory.
    """
    with transaction.atomic():
        forum = Forum.objects.select_for_update().get(pk=forum.pk)
        signatory = _signatory_for(forum, user)
        if forum.status != S.IN_SIGNING:
            raise DomainError(
                _("Berita acara ini tidak sedang menunggu persetujuan."), code="wrong_state"
            )
        if not sha256 or sha256 != forum.frozen_sha256:
            raise StaleHash(extra={"frozen_sha256": forum.frozen_sha256})
        if signatory.approved_at is not None:
            raise AlreadyDecided()
        now = timezone.now()
        signatory.approved_at = now
        signatory.approved_sha256 = sha256
        signatory.approved_ip = ip
        signatory.returned_comment = ""
        signatory.save(
            update_fields=["approved_at", "approved_sha256", "approved_ip", "returned_comment"]
        )
        audit.record(
            actor=user,
            action="forum.signoff_approve",
            obj=forum,
            note=f"{signatory.name} · {sha256}",
            request=request,
        )
        if not forum.signatories.filter(approved_at__isnull=True).exists():
            transition(
                forum,
                S.SIGNED,
                by=user,
                action="forum.signed",
                request=request,
                fields={"signed_at": now, "inputs_open": False},
            )
            enqueue(
                RENDER_TASK,
                key=f"forum-ba-final:{forum.pk}",
                forum_id=forum.pk,
                final=True,
                user_id=None,
            )
    return signatory


def signoff_return(forum, *, user, comment, request=None):
    """A signatory returns the draft with a comment: approvals void, -> minutes_drafted."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Tuliskan alasan pengembalian.")})
    with transaction.atomic():
        forum = Forum.objects.select_for_update().get(pk=forum.pk)
        signatory = _signatory_for(forum, user)
        if forum.status != S.IN_SIGNING:
            raise DomainError(
                _("Berita acara ini tidak sedang menunggu persetujuan."), code="wrong_state"
            )
        forum.signatories.update(approved_at=None, approved_sha256="", approved_ip=None)
        signatory.returned_comment = comment[:2000]
        signatory.returned_at = timezone.now()
        signatory.save(update_fields=["returned_comment", "returned_at"])
        transition(
            forum,
            S.MINUTES_DRAFTED,
            by=user,
            action="forum.signoff_return",
            request=request,
            note=comment[:500],
            fields={"frozen_sha256": ""},
        )
        _tell_hall_admins_of_return(forum, signatory, comment)
    return forum


def _tell_hall_admins_of_return(forum, signatory, comment):
    """The hall's admins learn of a return through the outbox (e-mail)."""
    from django.contrib.auth import get_user_model

    from mpp_portal.notifications.services import notification_queue

    user_model = get_user_model()
    admins = user_model.objects.filter(
        hall=forum.hall, role=user_model.Role.HALL_ADMIN, is_active=True
    ).exclude(email="")
    for admin in admins:
        notification_queue(
            channel="email",
            recipient=admin.email,
            subject=_("Berita acara FKM dikembalikan"),
            body=_(
                "%(name)s mengembalikan berita acara %(number)s (%(theme)s): %(comment)s\n"
                "Perbaiki lalu buat ulang berita acara: %(url)s"
            )
            % {
                "name": signatory.name,
                "number": forum.number,
                "theme": forum.theme,
                "comment": comment,
                "url": settings.SITE_URL + f"/forum/kelola/{forum.pk}/",
            },
            dedupe_key=f"forum-return:{forum.pk}:{signatory.pk}:{signatory.returned_at:%s}",
            related=forum,
            hall=forum.hall,
        )


def pending_signoffs(user):
    """The sign-offs waiting for ``user``: their signatory rows of forums in_signing."""
    return (
        Signatory.objects.filter(user=user, forum__status=S.IN_SIGNING, approved_at__isnull=True)
        .select_related("forum", "forum__hall")
        .order_by("forum__starts_at")
    )
