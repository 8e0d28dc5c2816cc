"""Writes of the agreements app: record, amend, sign, move, remind.

Every status change goes through ``mpp_portal.transitions`` (one function
per move below, audited); a forbidden move raises ``TransitionNotAllowed``
(409 in the API). Chain rules (adendum, implementation, renewal) are checked
here, raising ``ValidationError`` keyed by field.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from agreements.models import (
    REMINDER_DAYS,
    SCAN_MAX_BYTES,
    Agreement,
    AgreementParty,
    CoverageSnapshot,
    _today,
)
from mpp_portal.audit import record
from mpp_portal.documents.formatting import format_date_id
from mpp_portal.documents.uploads import UploadKind, clean_upload
from mpp_portal.exceptions import DomainError
from mpp_portal.notifications.services import notification_queue
from mpp_portal.organizations.models import Hall
from mpp_portal.transitions import bulk_transition, transition

S = Agreement.Status
K = Agreement.Kind

# Plain fields a caller may set on create/update (the rest is the chain,
# the parties and the scope, handled apart).
FIELDS = (
    "kind",
    "title",
    "signed_on",
    "signed_place",
    "legal_basis",
    "purpose",
    "regency_duties",
    "partner_duties",
    "staff_count",
    "financing",
    "start_date",
    "end_date",
    "renewal_clause",
    "monitoring",
    "witnesses",
    "implements",
    "amends",
    "amended_fields",
    "renews",
)


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------
def _clean_parties(hall, parties):
    """Return the party rows (dicts) checked: one regency, one or more agencies."""
    errors = []
    regency = [p for p in parties if p.get("agency") is None]
    agencies = [p["agency"] for p in parties if p.get("agency") is not None]
    if len(regency) != 1:
        errors.append(_("Satu pihak harus pemerintah daerah (tanpa instansi)."))
    if not agencies:
        errors.append(_("Sedikitnya satu instansi harus menjadi pihak."))
    if len({a.pk for a in agencies}) != len(agencies):
        errors.append(_("Satu instansi hanya boleh satu kali menjadi pihak."))
    if any(a.hall_id != hall.pk for a in agencies):
        errors.append(_("Instansi pihak harus instansi di MPP ini."))
    if errors:
        raise ValidationError({"parties": errors})
    cleaned = []
    for position, party in enumerate(parties):
        agency = party.get("agency")
        name = (party.get("name") or "").strip()
        if not name:
            name = agency.name if agency is not None else hall.government_name
        cleaned.append(
            {
                "agency": agency,
                "name": name[:200],
                "number": (party.get("number") or "").strip()[:120],
                "signatory_name": (party.get("signatory_name") or "").strip()[:150],
                "signatory_title": (party.get("signatory_title") or "").strip()[:150],
                "position": position,
            }
        )
    return cleaned


def _renewal_chain_reaches(start, target):
    """Return True when following ``renews`` from ``start`` reaches ``target``."""
    seen = set()
    current = start
    while current is not None and current.pk not in seen:
        if current.pk == target.pk:
            return True
        seen.add(current.pk)
        current = current.renews
    return False


def _check_chain(agreement, agency_ids):
    """Check the chain fields of ``agreement`` (whose parties are ``agency_ids``)."""
    errors = {}
    hall_id = agreement.hall_id
    # Read the linked agreements as stored: a caller's copy may be stale
    # (moved since by another function, which locks and reloads its row).
    linked = Agreement.objects.in_bulk(
        [pk for pk in (agreement.amends_id, agreement.implements_id, agreement.renews_id) if pk]
    )
    amends = linked.get(agreement.amends_id)
    implements = linked.get(agreement.implements_id)
    renews = linked.get(agreement.renews_id)
    if agreement.kind == K.ADDENDUM:
        if amends is None:
            errors["amends"] = _("Adendum harus menunjuk perjanjian yang diubahnya.")
        elif agreement.pk is not None and amends.pk == agreement.pk:
            errors["amends"] = _("Adendum tidak dapat mengubah dirinya sendiri.")
        elif amends.hall_id != hall_id:
            errors["amends"] = _("Perjanjian yang diubah harus dari MPP yang sama.")
        elif amends.status in (S.DRAFT, S.TERMINATED, S.RENEWED, S.EXPIRED):
            errors["amends"] = _(
                "Hanya perjanjian yang sudah ditandatangani dan masih berlaku "
                "yang dapat diubah dengan adendum."
            )
        elif not agency_ids <= amends.agency_ids():
            errors["amends"] = _(
                "Adendum tidak dapat mengubah perjanjian instansi lain: setiap instansi pihak "
                "adendum harus pihak perjanjian yang diubah."
            )
        if not agreement.amended_fields:
            errors["amended_fields"] = _("Sebutkan bagian yang diubah oleh adendum.")
        elif not set(agreement.amended_fields) <= set(Agreement.AMENDABLE):
            errors["amended_fields"] = _("Bagian yang diubah tidak dikenal.")
    else:
        if amends is not None:
            errors["amends"] = _("Hanya adendum yang dapat mengubah perjanjian lain.")
        if agreement.amended_fields:
            errors["amended_fields"] = _("Hanya adendum yang menyebut bagian yang diubah.")
    if implements is not None:
        if agreement.kind not in (K.PKS, K.JOINT):
            errors["implements"] = _(
                "Hanya perjanjian kerja sama atau kesepakatan bersama yang melaksanakan "
                "kesepakatan lain."
            )
        elif implements.kind not in (K.MOU, K.JOINT) or implements.pk == agreement.pk:
            errors["implements"] = _(
                "Yang dilaksanakan harus nota kesepakatan atau kesepakatan bersama lain."
            )
        elif implements.hall_id != hall_id:
            errors["implements"] = _("Kesepakatan yang dilaksanakan harus dari MPP yang sama.")
    if renews is not None:
        if agreement.pk is not None and renews.pk == agreement.pk:
            errors["renews"] = _("Perjanjian tidak dapat memperpanjang dirinya sendiri.")
        elif agreement.pk is not None and _renewal_chain_reaches(renews, agreement):
            errors["renews"] = _("Perpanjangan ini membentuk lingkaran dengan perjanjian asalnya.")
        elif renews.hall_id != hall_id:
            errors["renews"] = _("Perjanjian asal harus dari MPP yang sama.")
        elif agreement.kind == K.ADDENDUM:
            errors["renews"] = _("Adendum tidak memperpanjang perjanjian; buat perjanjian baru.")
        elif renews.successor_id is not None and renews.successor_id != agreement.pk:
            errors["renews"] = _("Perjanjian asal sudah diperpanjang oleh perjanjian lain.")
        elif agency_ids and not agency_ids & renews.agency_ids():
            errors["renews"] = _("Perpanjangan harus dengan instansi yang sama.")
    if agreement.start_date and agreement.end_date and agreement.end_date < agreement.start_date:
        errors["end_date"] = _("Tanggal berakhir harus sesudah tanggal mulai.")
    if errors:
        raise ValidationError(errors)


def _check_scope(agreement, services, counters, agency_ids):
    bad = [s for s in services if s.agency_id not in agency_ids]
    if bad:
        raise ValidationError(
            {
                "services": _("Layanan %(names)s bukan layanan instansi pihak perjanjian.")
                % {"names": ", ".join(s.name for s in bad)}
            }
        )
    bad = [c for c in counters if c.agency_id not in agency_ids or c.hall_id != agreement.hall_id]
    if bad:
        raise ValidationError(
            {
                "counters": _("Loket %(names)s bukan loket instansi pihak perjanjian.")
                % {"names": ", ".join(str(c) for c in bad)}
            }
        )


# ---------------------------------------------------------------------------
# Record and amend
# ---------------------------------------------------------------------------
@transaction.atomic
def agreement_create(
    *, hall, by, parties, services=(), counters=(), scan=None, request=None, **fields
):
    """Record a new agreement as a draft with its parties, scope and scan."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown agreement fields: {sorted(unknown)}")
    agreement = Agreement(hall=hall, created_by=by if getattr(by, "pk", None) else None, **fields)
    rows = _clean_parties(hall, parties)
    agency_ids = {row["agency"].pk for row in rows if row["agency"] is not None}
    _check_chain(agreement, agency_ids)
    services, counters = list(services), list(counters)
    _check_scope(agreement, services, counters, agency_ids)
    agreement.full_clean(exclude=["services", "counters", "scan"])
    agreement.save()
    AgreementParty.objects.bulk_create(AgreementParty(agreement=agreement, **row) for row in rows)
    agreement.services.set(services)
    agreement.counters.set(counters)
    record(actor=by, action="agreement.create", obj=agreement, request=request)
    if scan is not None:
        agreement_scan_attach(agreement=agreement, upload=scan, by=by, request=request)
    return agreement


@transaction.atomic
def agreement_update(
    *, agreement, by, parties=None, services=None, counters=None, request=None, **fields
):
    """Change a draft; a signed agreement changes only by an adendum.

    The scope (services, counters) of a signed or active agreement may be
    linked later: the catalogue grows while the agreement stands.
    """
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown agreement fields: {sorted(unknown)}")
    if (fields or parties is not None) and agreement.status != S.DRAFT:
        raise DomainError(
            _("Perjanjian yang sudah ditandatangani hanya dapat diubah dengan adendum."),
            code="agreement_signed",
        )
    if (services is not None or counters is not None) and agreement.status not in (
        S.DRAFT,
        S.SIGNED,
        S.ACTIVE,
    ):
        raise DomainError(
            _("Ruang lingkup perjanjian yang sudah selesai tidak dapat diubah."),
            code="agreement_finished",
        )
    changed = sorted(name for name, value in fields.items() if getattr(agreement, name) != value)
    for name, value in fields.items():
        setattr(agreement, name, value)
    if parties is not None:
        rows = _clean_parties(agreement.hall, parties)
        agency_ids = {row["agency"].pk for row in rows if row["agency"] is not None}
    else:
        rows = None
        agency_ids = agreement.agency_ids()
    _check_chain(agreement, agency_ids)
    services = list(agreement.services.all()) if services is None else list(services)
    counters = list(agreement.counters.all()) if counters is None else list(counters)
    _check_scope(agreement, services, counters, agency_ids)
    agreement.full_clean(exclude=["services", "counters", "scan"])
    agreement.save()
    if rows is not None:
        agreement.parties.all().delete()
        AgreementParty.objects.bulk_create(
            AgreementParty(agreement=agreement, **row) for row in rows
        )
        changed.append("parties")
    agreement.services.set(services)
    agreement.counters.set(counters)
    record(
        actor=by,
        action="agreement.update",
        obj=agreement,
        changes={"fields": changed},
        request=request,
    )
    return agreement


@transaction.atomic
def agreement_scan_attach(*, agreement, upload, by, request=None):
    """Store the signed scan (a PDF by its content, at most SCAN_MAX_BYTES)."""
    cleaned = clean_upload(
        upload, accept={UploadKind.PDF}, max_bytes=SCAN_MAX_BYTES, stem="perjanjian"
    )
    old = agreement.scan.name if agreement.scan else ""
    agreement.scan.save(cleaned.name, cleaned, save=False)
    agreement.scan_sha256 = cleaned.sha256
    agreement.scan_size = cleaned.size
    agreement.save(update_fields=["scan", "scan_sha256", "scan_size", "updated_at"])
    if old:
        storage = agreement.scan.storage
        transaction.on_commit(lambda: storage.delete(old))
    record(
        actor=by,
        action="agreement.scan",
        obj=agreement,
        changes={"sha256": cleaned.sha256, "size": cleaned.size},
        request=request,
    )
    return agreement


# ---------------------------------------------------------------------------
# Moves
# ---------------------------------------------------------------------------
def _locked(agreement):
    return Agreement.objects.select_for_update().get(pk=agreement.pk)


@transaction.atomic
def agreement_sign(*, agreement, by, request=None, today=None):
    """draft -> signed; on or after the start date it is active at once."""
    today = today or _today()
    agreement = _locked(agreement)
    missing = []
    if agreement.signed_on is None:
        missing.append(_("tanggal penandatanganan"))
    if agreement.start_date is None:
        missing.append(_("tanggal mulai berlaku"))
    if not agreement.parties.exclude(agency=None).exists():
        missing.append(_("instansi pihak"))
    if agreement.status == S.DRAFT and missing:
        raise DomainError(
            _("Lengkapi dulu: %(missing)s.") % {"missing": ", ".join(missing)},
            code="agreement_incomplete",
        )
    transition(agreement, S.SIGNED, by=by, action="agreement.sign", request=request)
    if agreement.start_date <= today and (
        agreement.end_date is None or agreement.end_date >= today
    ):
        agreement_activate(agreement=agreement, by=by, request=request, today=today)
    return agreement


@transaction.atomic
def agreement_activate(*, agreement, by, request=None, today=None):
    """signed -> active, once the start date has come."""
    today = today or _today()
    agreement = _locked(agreement)
    if agreement.status == S.SIGNED and agreement.start_date and agreement.start_date > today:
        raise DomainError(
            _("Perjanjian baru berlaku mulai %(date)s.")
            % {"date": format_date_id(agreement.start_date)},
            code="agreement_not_started",
        )
    transition(agreement, S.ACTIVE, by=by, action="agreement.activate", request=request)
    _apply_term_amendments([agreement], by=by, request=request)
    return agreement


def _apply_term_amendments(activated, *, by=None, request=None):
    """An adendum of the term, once in force, moves the amended agreement's end.

    The adendum's own end date is the new end of what it amends (empty: no
    end). Without this the daily task would end the amended agreement on its
    old date while its adendum says it goes on. Audited on the amended
    agreement with the old and new date. Other amended parts (scope, duties)
    stand in the adendum itself, which the coverage reads while it is active.
    """
    amending = [
        adendum
        for adendum in activated
        if adendum.kind == Agreement.Kind.ADDENDUM
        and adendum.amends_id
        and "term" in (adendum.amended_fields or [])
    ]
    for adendum in amending:
        base = Agreement.objects.select_for_update().get(pk=adendum.amends_id)
        if base.status not in (S.SIGNED, S.ACTIVE) or base.end_date == adendum.end_date:
            continue
        old = base.end_date
        base.end_date = adendum.end_date
        base.save(update_fields=["end_date", "updated_at"])
        record(
            actor=by,
            action="agreement.term_amended",
            obj=base,
            changes={
                "end_date": [old and old.isoformat(), base.end_date and base.end_date.isoformat()],
                "adendum": adendum.pk,
            },
            request=request,
        )


@transaction.atomic
def agreement_expire(*, agreement, by, request=None, today=None):
    """active -> expired, after the end date (the daily task does it for all)."""
    today = today or _today()
    agreement = _locked(agreement)
    if agreement.status == S.ACTIVE and (agreement.end_date is None or agreement.end_date >= today):
        raise DomainError(
            _("Perjanjian ini belum melewati tanggal berakhirnya."),
            code="agreement_not_ended",
        )
    transition(agreement, S.EXPIRED, by=by, action="agreement.expire", request=request)
    return agreement


@transaction.atomic
def agreement_terminate(*, agreement, by, reason, on=None, request=None):
    """signed|active -> terminated, with the reason and the date."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Alasan pengakhiran wajib diisi.")})
    on = on or _today()
    agreement = _locked(agreement)
    if agreement.start_date and on < agreement.start_date and agreement.status == S.ACTIVE:
        raise ValidationError({"on": _("Tanggal diakhiri tidak boleh sebelum mulai berlaku.")})
    transition(
        agreement,
        S.TERMINATED,
        by=by,
        action="agreement.terminate",
        request=request,
        note=reason,
        fields={"terminated_on": on, "termination_reason": reason},
    )
    return agreement


@transaction.atomic
def agreement_renew(*, agreement, successor, by, request=None):
    """active|expired -> renewed, pointing to ``successor`` (which renews it).

    The successor is a signed or active agreement of the same hall with the
    same agency, not the agreement itself and not one of its predecessors.
    """
    agreement = _locked(agreement)
    successor = Agreement.objects.select_for_update().get(pk=successor.pk)
    if successor.pk == agreement.pk:
        raise DomainError(
            _("Perjanjian tidak dapat memperpanjang dirinya sendiri."), code="renewal_refused"
        )
    if _renewal_chain_reaches(agreement, successor):
        raise DomainError(
            _("Perpanjangan ini membentuk lingkaran dengan perjanjian asalnya."),
            code="renewal_refused",
        )
    if successor.renews_id not in (None, agreement.pk):
        raise DomainError(
            _("Perjanjian pengganti sudah memperpanjang perjanjian lain."), code="renewal_refused"
        )
    if successor.status not in (S.SIGNED, S.ACTIVE):
        raise DomainError(
            _("Perjanjian pengganti harus sudah ditandatangani."), code="renewal_refused"
        )
    successor.renews = agreement
    try:
        _check_chain(successor, successor.agency_ids())
    except ValidationError as error:
        raise DomainError(" ".join(error.messages), code="renewal_refused") from None
    Agreement.objects.filter(pk=successor.pk).update(renews=agreement)
    transition(
        agreement,
        S.RENEWED,
        by=by,
        action="agreement.renew",
        request=request,
        fields={"successor": successor},
    )
    return agreement


# ---------------------------------------------------------------------------
# The daily task: states, reminders, coverage history
# ---------------------------------------------------------------------------
def _claim_reminders(today):
    """Insert one ExpiryReminder per agreement due a reminder today.

    An adendum ends with what it amends: the reminder of that one is
    enough. Each other active agreement gets the smallest stage its days left reach
    (30, else 60, else 90), so a late recording or a missed day sends one
    reminder, not three. ON CONFLICT DO NOTHING makes a second or concurrent
    run claim nothing. Return the claimed (agreement_id, days) rows.
    """
    stages = sorted(REMINDER_DAYS)
    case = " ".join(
        f"WHEN a.end_date - %s::date <= {int(days)} THEN {int(days)}" for days in stages
    )
    sql = f"""
        INSERT INTO agreements_expiryreminder (agreement_id, days, end_date, sent_at)
        SELECT a.id, CASE {case} END, a.end_date, now()
        FROM agreements_agreement a
        WHERE a.status = 'active' AND a.end_date IS NOT NULL AND a.kind <> 'adendum'
          AND a.end_date >= %s::date AND a.end_date - %s::date <= %s
        ON CONFLICT (agreement_id, days, end_date) DO NOTHING
        RETURNING agreement_id, days
    """  # noqa: S608 - the CASE holds the integer stages of REMINDER_DAYS only
    params = [today] * len(stages) + [today, today, max(stages)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _send_reminders(claimed, today):
    if not claimed:
        return 0
    days_by_id = dict(claimed)
    agreements = (
        Agreement.objects.filter(pk__in=days_by_id)
        .select_related("hall")
        .prefetch_related("parties__agency")
    )
    User = get_user_model()
    hall_ids = {a.hall_id for a in agreements}
    admins = {}
    for hall_id, email in (
        User.objects.filter(is_active=True, role=User.Role.HALL_ADMIN, hall_id__in=hall_ids)
        .exclude(email="")
        .values_list("hall_id", "email")
    ):
        admins.setdefault(hall_id, []).append(email)
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    sent = 0
    for agreement in agreements:
        days = days_by_id[agreement.pk]
        recipients = list(admins.get(agreement.hall_id, []))
        for party in agreement.parties.all():
            if party.agency is not None and party.agency.contact_email:
                recipients.append(party.agency.contact_email)
        number = agreement.main_number or agreement.title
        subject = _("Perjanjian %(number)s berakhir dalam %(days)s hari") % {
            "number": number,
            "days": (agreement.end_date - today).days,
        }
        body = _(
            "Perjanjian kerja sama “%(title)s” (nomor %(number)s) berakhir pada %(end)s, "
            "%(left)s hari lagi. Siapkan perpanjangan atau pengakhirannya.\n%(url)s"
        ) % {
            "title": agreement.title,
            "number": number,
            "end": format_date_id(agreement.end_date),
            "left": (agreement.end_date - today).days,
            "url": base + reverse("agreements:detail", args=[agreement.pk]),
        }
        for recipient in dict.fromkeys(recipients):
            notification_queue(
                channel="email",
                recipient=recipient,
                subject=subject,
                body=body,
                dedupe_key=f"agreement-expiry:{agreement.pk}:{agreement.end_date}:{days}:{recipient}",
                related=agreement,
                hall=agreement.hall,
            )
            sent += 1
    return sent


def agreement_daily(*, today=None):
    """Move signed -> active on the start date and active -> expired after
    the end date, send due expiry reminders once, record today's coverage.

    Set-based and idempotent: the moves are conditional UPDATEs
    (bulk_transition), the reminders INSERT ... ON CONFLICT claims, the
    snapshot an upsert. Return a dict of counts.
    """
    today = today or _today()
    with transaction.atomic():
        # A signed agreement whose whole term has passed starts here and
        # expires in the next statement, both moves audited.
        activated = bulk_transition(
            Agreement.objects.filter(start_date__lte=today),
            S.ACTIVE,
            sources=[S.SIGNED],
            action="agreement.activate",
            then=_apply_term_amendments,
        )
        expired = bulk_transition(
            Agreement.objects.filter(end_date__lt=today),
            S.EXPIRED,
            sources=[S.ACTIVE],
            action="agreement.expire",
        )
    with transaction.atomic():
        claimed = _claim_reminders(today)
        messages = _send_reminders(claimed, today)
    snapshots = 0
    for hall in Hall.objects.filter(is_active=True):
        coverage_snapshot(hall=hall, today=today)
        snapshots += 1
    return {
        "activated": len(activated),
        "expired": len(expired),
        "reminders": len(claimed),
        "messages": messages,
        "snapshots": snapshots,
    }


def coverage_snapshot(*, hall, today=None):
    """Store (or refresh) today's coverage figures of ``hall``."""
    from agreements.selectors import coverage_figures

    today = today or _today()
    figures = coverage_figures(hall)
    CoverageSnapshot.objects.update_or_create(
        hall=hall,
        date=today,
        defaults={
            "services_in_mpp": figures["services_in_mpp"],
            "services_covered": figures["services_covered"],
            "services_pending": figures["services_pending"],
        },
    )


def pending_service_save(*, hall, by, instance=None, request=None, **fields):
    """Add or change a service of the list 'not yet in the MPP'."""
    from agreements.models import PendingService

    item = instance or PendingService(hall=hall)
    for name, value in fields.items():
        setattr(item, name, value)
    if item.agency is not None and not item.agency_name:
        item.agency_name = item.agency.name
    item.full_clean()
    item.save()
    record(
        actor=by,
        action="agreement.pending_service",
        obj=item,
        changes={"service": item.service_name},
        request=request,
    )
    return item


def pending_service_delete(*, item, by, request=None):
    record(
        actor=by,
        action="agreement.pending_service_delete",
        obj=item,
        changes={"service": item.service_name},
        request=request,
    )
    item.delete()


__all__ = [
    "agreement_activate",
    "agreement_create",
    "agreement_daily",
    "agreement_expire",
    "agreement_renew",
    "agreement_scan_attach",
    "agreement_sign",
    "agreement_terminate",
    "agreement_update",
    "coverage_snapshot",
    "pending_service_delete",
    "pending_service_save",
]
