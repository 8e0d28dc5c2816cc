"""SIPABES use cases: one function per operation (DESIGN.md §1, §3).

Every status change goes through ``mpp_portal.transitions`` (check, stamp,
audit). Registration moves::

    captured -> submitted -> nib_issued -> handed_over
    captured | submitted -> returned -> captured     (correction)
    captured | submitted | returned -> rejected

Visit moves: planned -> open -> closed; closed -> open (hall admin, reason).
"""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mpp_portal import audit
from mpp_portal.accounts import permissions
from mpp_portal.exceptions import DomainError, TransitionNotAllowed
from mpp_portal.jobs.services import enqueue
from mpp_portal.masking import mask_nik
from mpp_portal.organizations.models import Agency
from mpp_portal.transitions import transition
from mpp_portal.webhooks.services import webhook_send
from services.sipabes import dashboard
from services.sipabes.models import (
    Kbli,
    Registration,
    RegistrationLocation,
    SubmissionKey,
    Visit,
    is_dpmptsp,
    nib_validator,
    risk_of,
    sipabes_hall_id,
)
from services.sipabes.oss import gateway

logger = logging.getLogger(__name__)

RECEIPT_TASK = "sipabes.receipt_pdf"
# How long the server remembers an idempotency key and its first answer (a
# phone retries a queued registration within minutes or days of getting its
# signal back). The answer holds the trader's name and masked NIK, so keys do
# not stay forever; a retry after this finds the trader already registered.
SUBMISSION_KEY_DAYS = 30
R = Registration.Status


class NikAlreadyRegistered(DomainError):
    """The NIK already has a live registration (and maybe its NIB)."""

    code = "nik_registered"
    default_message = gettext_lazy("NIK ini sudah terdaftar.")

    @classmethod
    def for_registration(cls, existing):
        if existing.nib:
            message = _(
                "NIK ini sudah memiliki NIB %(nib)s (%(business)s). Satu pelaku usaha hanya "
                "boleh memiliki satu NIB: tambahkan KBLI atau lokasi usaha pada pendaftaran "
                "yang ada."
            ) % {"nib": existing.nib, "business": existing.business_name}
        else:
            message = _(
                "NIK ini sudah terdaftar (%(business)s, status “%(status)s”, kode "
                "%(code)s). Lanjutkan pendaftaran yang ada; jangan membuat yang kedua."
            ) % {
                "business": existing.business_name,
                "status": existing.get_status_display(),
                "code": existing.receipt_code,
            }
        return cls(
            message,
            extra={
                "registration": existing.pk,
                "receipt_code": existing.receipt_code,
                "status": existing.status,
                "nib": existing.nib or "",
            },
        )


class NibTaken(DomainError):
    code = "nib_taken"
    default_message = gettext_lazy("NIB ini sudah tercatat pada pendaftaran lain.")


class VisitNotOpen(DomainError):
    code = "visit_not_open"
    default_message = gettext_lazy(
        "Kunjungan ini tidak sedang berlangsung: pendaftaran baru hanya diterima pada "
        "kunjungan yang dibuka."
    )


class KeyReused(DomainError):
    code = "idempotency_key_reused"
    http_status = 422
    default_message = gettext_lazy("Kunci idempotensi ini sudah dipakai oleh pengguna lain.")


# ---------------------------------------------------------------------------
# Who may act
# ---------------------------------------------------------------------------
def _require_hall(user, hall_id):
    if user.is_superuser:
        return
    if sipabes_hall_id(user) != hall_id:
        raise PermissionDenied


def _require_officer(user, hall_id):
    """Officers and hall admins of the hall (and DPMPTSP tokens) do the field work."""
    _require_hall(user, hall_id)


def _require_hall_admin(user, hall_id):
    if user.is_superuser:
        return
    if not (user.is_hall_admin and user.hall_id == hall_id):
        raise PermissionDenied(_("Hanya admin MPP yang dapat melakukan ini."))


def planner_hall_id(user):
    """Return the id of the hall whose visits and markets ``user`` plans, or None.

    Capability ``sipabes.plan``: the hall admin of the hall, and the agency
    admin of the hall's DPMPTSP (the agency that runs SIPABES).
    """
    if not (user and user.is_authenticated and user.is_active):
        return None
    if not permissions.can(user, "sipabes.plan"):
        return None
    if user.is_hall_admin or user.is_superuser:
        return user.hall_id
    if user.role == permissions.Role.AGENCY_ADMIN and is_dpmptsp(user.agency):
        return user.agency.hall_id
    return None


def _require_planner(user, hall_id):
    if user.is_superuser:
        return
    if planner_hall_id(user) != hall_id:
        raise PermissionDenied(_("Hanya admin MPP atau admin DPMPTSP yang dapat melakukan ini."))


def hall_officers(hall_id):
    """The SIPABES officers of a hall (who may be sent to a visit)."""
    from mpp_portal.accounts.models import User

    return User.objects.filter(
        role=permissions.Role.SIPABES_OFFICER, hall_id=hall_id, is_active=True
    ).order_by("first_name", "last_name", "username")


def _check_visit_fields(hall_id, market, officers, *, kept_market_id=None):
    if market.hall_id != hall_id:
        raise ValidationError({"market": _("Pasar ini bukan pasar gedung MPP ini.")})
    # A planned visit may keep its market after the market was made inactive.
    if not market.is_active and market.pk != kept_market_id:
        raise ValidationError({"market": _("Pasar ini tidak aktif.")})
    allowed = set(hall_officers(hall_id).values_list("pk", flat=True))
    if any(officer.pk not in allowed for officer in officers):
        raise ValidationError(
            {"officers": _("Petugas kunjungan harus petugas SIPABES gedung MPP ini.")}
        )


LIVE_VISIT = (Visit.Status.PLANNED, Visit.Status.OPEN)


def _twin_error(market, date):
    twin = (
        Visit.objects.filter(market=market, date=date, status__in=LIVE_VISIT)
        .only("pk", "status")
        .first()
    )
    status = twin.get_status_display().lower() if twin else _("direncanakan")
    return ValidationError(
        {
            "date": _(
                "%(market)s sudah memiliki kunjungan yang %(status)s pada %(date)s. "
                "Tidak ada kunjungan baru yang dibuat: ubah atau buka kunjungan yang ada."
            )
            % {"market": market.name, "status": status, "date": date.strftime("%d-%m-%Y")}
        },
        code="visit_exists",
    )


def _check_no_twin(market, date, *, exclude_pk=None):
    """Refuse a second planned/open visit of ``market`` on ``date`` (ValidationError)."""
    twins = Visit.objects.filter(market=market, date=date, status__in=LIVE_VISIT)
    if exclude_pk is not None:
        twins = twins.exclude(pk=exclude_pk)
    if twins.exists():
        raise _twin_error(market, date)


def _saved_once(save, market, date):
    """Run ``save()``; a twin committed meanwhile (the constraint) is the same message."""
    try:
        with transaction.atomic():
            return save()
    except IntegrityError as exc:
        if "sipabes_visit_one_live_per_market_day" in str(exc):
            raise _twin_error(market, date) from exc
        raise


# ---------------------------------------------------------------------------
# Visits
# ---------------------------------------------------------------------------
def visit_plan(*, market, date, by, target_traders=0, notes="", officers=(), request=None):
    """Plan a visit of ``market`` on ``date`` (hall admin, DPMPTSP admin); return it (planned)."""
    _require_planner(by, market.hall_id)
    officers = list(officers)
    _check_visit_fields(market.hall_id, market, officers)
    _check_no_twin(market, date)
    with transaction.atomic():
        visit = _saved_once(
            lambda: Visit.objects.create(
                hall_id=market.hall_id,
                market=market,
                date=date,
                target_traders=target_traders,
                notes=notes or "",
            ),
            market,
            date,
        )
        if officers:
            visit.officers.set(officers)
        audit.record(
            actor=by,
            action="sipabes.visit.plan",
            obj=visit,
            to_status=visit.status,
            request=request,
        )
    return visit


VISIT_EDITABLE = ("market", "date", "target_traders", "notes")


def visit_edit(*, visit, by, officers, request=None, **changes):
    """Change a planned visit (market, date, target, notes, officers); audited.

    Only a planned visit is edited: once open, its registrations name its
    market and day.
    """
    _require_planner(by, visit.hall_id)
    unknown = set(changes) - set(VISIT_EDITABLE)
    if unknown:
        raise TypeError(f"visit_edit: unknown fields {sorted(unknown)}")
    officers = list(officers)
    with transaction.atomic():
        visit = Visit.objects.select_for_update().get(pk=visit.pk)
        if visit.status != Visit.Status.PLANNED:
            raise TransitionNotAllowed(_("Hanya kunjungan yang masih direncanakan dapat diubah."))
        _check_visit_fields(
            visit.hall_id,
            changes.get("market", visit.market),
            officers,
            kept_market_id=visit.market_id,
        )
        diff = {}
        for name, value in changes.items():
            old = getattr(visit, name)
            if old != value:
                diff[name] = [str(old), str(value)]
                setattr(visit, name, value)
        before = set(visit.officers.values_list("pk", flat=True))
        after = {officer.pk for officer in officers}
        if before != after:
            diff["officers"] = [sorted(before), sorted(after)]
            visit.officers.set(officers)
        if diff:
            if "market" in diff or "date" in diff:
                _check_no_twin(visit.market, visit.date, exclude_pk=visit.pk)
            _saved_once(
                lambda: visit.save(update_fields=[n for n in changes if n in diff]),
                visit.market,
                visit.date,
            )
            audit.record(
                actor=by, action="sipabes.visit.edit", obj=visit, changes=diff, request=request
            )
    return visit


def market_save(*, market, by, request=None):
    """Add or change one market of the planner's hall; audited."""
    _require_planner(by, market.hall_id)
    created = market.pk is None
    with transaction.atomic():
        market.full_clean()
        market.save()
        audit.record(
            actor=by,
            action="sipabes.market.add" if created else "sipabes.market.edit",
            obj=market,
            request=request,
        )
    return market


def visit_open(*, visit, by, request=None):
    """planned -> open. A closed visit is reopened with ``visit_reopen`` only."""
    _require_officer(by, visit.hall_id)
    with transaction.atomic():
        visit = Visit.objects.select_for_update().get(pk=visit.pk)
        if visit.status == Visit.Status.CLOSED:
            raise TransitionNotAllowed(
                _("Kunjungan yang sudah ditutup hanya dapat dibuka kembali oleh admin MPP.")
            )
        return transition(
            visit,
            Visit.Status.OPEN,
            by=by,
            action="sipabes.visit.open",
            request=request,
            fields={"opened_at": timezone.now()},
        )


def visit_close(*, visit, by, request=None):
    _require_officer(by, visit.hall_id)
    with transaction.atomic():
        visit = Visit.objects.select_for_update().get(pk=visit.pk)
        return transition(
            visit,
            Visit.Status.CLOSED,
            by=by,
            action="sipabes.visit.close",
            request=request,
            fields={"closed_at": timezone.now()},
        )


def visit_reopen(*, visit, by, reason, request=None):
    """Reopen a closed visit: the hall admin's move, with the reason audited."""
    _require_hall_admin(by, visit.hall_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Tuliskan alasan membuka kembali kunjungan.")})
    with transaction.atomic():
        visit = Visit.objects.select_for_update().get(pk=visit.pk)
        if visit.status != Visit.Status.CLOSED:
            # Only a closed visit is reopened; anything else is another move.
            raise TransitionNotAllowed(
                _("Hanya kunjungan yang sudah ditutup dapat dibuka kembali.")
            )
        _check_no_twin(visit.market, visit.date, exclude_pk=visit.pk)
        return _saved_once(
            lambda: transition(
                visit,
                Visit.Status.OPEN,
                by=by,
                action="sipabes.visit.reopen",
                request=request,
                note=reason,
                fields={"closed_at": None},
            ),
            visit.market,
            visit.date,
        )


# ---------------------------------------------------------------------------
# Registrations
# ---------------------------------------------------------------------------
def _kbli(codes):
    codes = list(dict.fromkeys(codes or []))
    if not codes:
        raise ValidationError({"kbli": _("Pilih sedikitnya satu KBLI.")})
    found = {k.code: k for k in Kbli.objects.filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise ValidationError(
            {
                "kbli": _("Kode KBLI tidak ada di katalog: %(codes)s.")
                % {"codes": ", ".join(missing)}
            }
        )
    return [found[c] for c in codes]


def live_registration_of(nik):
    """Return the NIK's registration that is not rejected, or None."""
    return Registration.objects.exclude(status=R.REJECTED).filter(nik=nik).first()


def registration_create(
    *,
    officer,
    visit,
    nik,
    name,
    home_address,
    business_name,
    kbli_codes,
    capital,
    workers,
    consent,
    phone="",
    email="",
    block="",
    stall_number="",
    market=None,
    idempotency_key=None,
    request=None,
):
    """Record a trader at an open visit; return the Registration (captured).

    Raise ValidationError for bad input (capital above menengah, no
    consent, unknown KBLI), VisitNotOpen, and NikAlreadyRegistered when
    the NIK has a live registration, also when another officer saved it a
    moment ago (the database constraint decides the race).
    """
    _require_officer(officer, visit.hall_id)
    if not consent:
        raise ValidationError(
            {"consent": _("Persetujuan pemrosesan data pribadi (UU 27/2022) wajib diberikan.")}
        )
    market = market or visit.market
    if market.hall_id != visit.hall_id:
        raise ValidationError({"market": _("Pasar ini bukan milik gedung MPP kunjungan.")})
    kblis = _kbli(kbli_codes)
    registration = Registration(
        hall_id=visit.hall_id,
        visit=visit,
        market=market,
        officer=officer,
        nik=nik,
        name=name,
        phone=phone or "",
        email=email or "",
        home_address=home_address,
        business_name=business_name,
        block=block or "",
        stall_number=stall_number or "",
        capital=capital,
        workers=workers,
        consent_at=timezone.now(),
        idempotency_key=idempotency_key,
    )
    registration.derive([k.risk for k in kblis])
    with transaction.atomic():
        # Lock the visit: a visit closed meanwhile takes no new registration.
        locked = Visit.objects.select_for_update().get(pk=visit.pk)
        if not locked.takes_registrations:
            raise VisitNotOpen()
        existing = live_registration_of(nik)
        if existing is not None:
            raise NikAlreadyRegistered.for_registration(existing)
        try:
            with transaction.atomic():
                registration.save()
        except IntegrityError as exc:
            # Another officer's save of the same NIK committed between the
            # check above and this insert: the partial unique index refuses it.
            existing = live_registration_of(nik)
            if existing is not None:
                raise NikAlreadyRegistered.for_registration(existing) from exc
            raise
        registration.kbli.set(kblis)
        dashboard.forget_on_commit(registration)
        audit.record(
            actor=officer,
            action="sipabes.registration.capture",
            obj=registration,
            to_status=registration.status,
            note=registration.receipt_code,
            request=request,
        )
    return registration


def submission_once(*, key, user, attempt):
    """Run ``attempt()`` once per idempotency ``key``; return (status, body, replayed).

    ``attempt()`` returns ``(status, body)``. A created row (201) and a
    conflict (409) are remembered with the key, so a retry, a second tab or
    a resend after a lost answer gets the first answer back and never a
    second row. Bad input (400) is not remembered: the officer corrects it
    and sends the same key again. Two requests with one key at the same
    time queue on a transaction-scoped advisory lock of the key.
    """
    key = str(key)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 17))", [key])
        seen = SubmissionKey.objects.filter(key=key).first()
        if seen is not None:
            if seen.user_id != user.pk:
                raise KeyReused()
            return seen.status_code, seen.response, True
        status, body, registration = attempt()
        if status in (201, 409):
            SubmissionKey.objects.create(
                key=key,
                user=user,
                registration=registration,
                status_code=status,
                response=body,
            )
        return status, body, False


def submission_keys_purge(*, now=None) -> int:
    """Forget idempotency keys older than SUBMISSION_KEY_DAYS (one DELETE)."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=SUBMISSION_KEY_DAYS)
    deleted, _by_model = SubmissionKey.objects.filter(created_at__lt=cutoff).delete()
    if deleted:
        logger.info("sipabes: forgot %d submission keys older than %s", deleted, cutoff)
    return deleted


def registration_add_activity(
    *, registration, by, kbli_codes=(), market=None, block="", stall_number="", request=None
):
    """Add KBLI codes and/or a further location to an existing registration.

    The trader keeps one NIB; a second business line or stall is added here.
    """
    _require_officer(by, registration.hall_id)
    if registration.status == R.REJECTED:
        raise DomainError(_("Pendaftaran yang ditolak tidak dapat ditambah."))
    kblis = _kbli(kbli_codes) if kbli_codes else []
    if not kblis and market is None:
        raise ValidationError(_("Tambahkan sedikitnya satu KBLI atau satu lokasi usaha."))
    if market is not None and market.hall_id != registration.hall_id:
        raise ValidationError({"market": _("Pasar ini bukan milik gedung MPP pendaftaran.")})
    with transaction.atomic():
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        added = [k for k in kblis if not registration.kbli.filter(pk=k.pk).exists()]
        registration.kbli.add(*added)
        location = None
        if market is not None:
            location = RegistrationLocation.objects.create(
                registration=registration,
                market=market,
                block=block or "",
                stall_number=stall_number or "",
                added_by=by,
            )
        risks = list(registration.kbli.values_list("risk", flat=True))
        registration.risk = risk_of(risks)
        registration.save(update_fields=["risk", "updated_at"])
        dashboard.forget_on_commit(registration)  # the KBLI sections count it
        audit.record(
            actor=by,
            action="sipabes.registration.add_activity",
            obj=registration,
            changes={
                "kbli": [k.code for k in added],
                "location": str(location) if location else "",
            },
            request=request,
        )
    return registration


def _move(registration, target, *, by, action, request=None, note="", fields=None):
    with transaction.atomic():
        locked = Registration.objects.select_for_update().get(pk=registration.pk)
        moved = transition(
            locked, target, by=by, action=action, request=request, note=note, fields=fields
        )
        dashboard.forget_on_commit(moved)
        return moved


def registration_submit(*, registration, by, request=None):
    """captured -> submitted: the officer sends the data to OSS (gateway)."""
    _require_officer(by, registration.hall_id)
    reference = gateway().submit(registration)
    return _move(
        registration,
        R.SUBMITTED,
        by=by,
        action="sipabes.registration.submit",
        request=request,
        note=reference or "",
        fields={"submitted_at": timezone.now()},
    )


def clean_nib(value):
    value = "".join(str(value or "").split())
    nib_validator(value)
    return value


def registration_record_nib(*, registration, by, nib, issued_on, request=None):
    """submitted -> nib_issued: record the 13-digit NIB OSS issued, send nib.recorded."""
    _require_officer(by, registration.hall_id)
    try:
        nib = clean_nib(nib)
    except ValidationError as exc:
        raise ValidationError({"nib": exc.messages}) from exc
    if issued_on is None:
        raise ValidationError({"nib_issued_on": _("Tanggal terbit NIB wajib diisi.")})
    if issued_on > timezone.localdate():
        raise ValidationError({"nib_issued_on": _("Tanggal terbit NIB tidak boleh di masa depan.")})
    if Registration.objects.filter(nib=nib).exclude(pk=registration.pk).exists():
        raise NibTaken()
    try:
        with transaction.atomic():
            moved = _move(
                registration,
                R.NIB_ISSUED,
                by=by,
                action="sipabes.registration.nib",
                request=request,
                note=nib,
                fields={"nib": nib, "nib_issued_on": issued_on},
            )
            _send_nib_recorded(moved)
    except IntegrityError as exc:
        raise NibTaken() from exc
    return moved


def _send_nib_recorded(registration):
    agency = Agency.objects.filter(
        hall_id=registration.hall_id, slug=_dpmptsp_slug(), is_active=True
    ).first()
    if agency is None:
        return
    webhook_send(
        event="nib.recorded",
        agency=agency,
        payload={
            "registration": registration.pk,
            "receipt_code": registration.receipt_code,
            "nib": registration.nib,
            "nib_issued_on": registration.nib_issued_on.isoformat(),
            "nik_masked": mask_nik(registration.nik),
            "business_name": registration.business_name,
            "kbli": sorted(registration.kbli.values_list("code", flat=True)),
            "scale": registration.scale,
            "risk": registration.risk,
            "capital": registration.capital,
            "workers": registration.workers,
            "market": registration.market.name,
        },
    )


def _dpmptsp_slug():
    return getattr(settings, "SIPABES_AGENCY_SLUG", "dpmptsp")


def registration_hand_over(*, registration, by, acknowledged, note="", request=None):
    """nib_issued -> handed_over: the NIB and receipt given, the trader acknowledged."""
    _require_officer(by, registration.hall_id)
    if not acknowledged:
        raise ValidationError(
            {"acknowledged": _("Centang bahwa pelaku usaha telah menerima NIB dan tanda terima.")}
        )
    return _move(
        registration,
        R.HANDED_OVER,
        by=by,
        action="sipabes.registration.hand_over",
        request=request,
        note=note,
        fields={"handed_over_at": timezone.now(), "handover_note": note[:200]},
    )


def _reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Tuliskan alasannya.")})
    return reason


def registration_return(*, registration, by, reason, request=None):
    """captured/submitted -> returned: needs a correction (hall admin checks data)."""
    _require_officer(by, registration.hall_id)
    reason = _reason(reason)
    return _move(
        registration,
        R.RETURNED,
        by=by,
        action="sipabes.registration.return",
        request=request,
        note=reason,
        fields={"status_reason": reason},
    )


def registration_correct(*, registration, by, changes=None, request=None):
    """returned -> captured: the officer corrected the data."""
    _require_officer(by, registration.hall_id)
    changes = dict(changes or {})
    kbli_codes = changes.pop("kbli_codes", None)
    editable = {
        "name",
        "phone",
        "email",
        "home_address",
        "business_name",
        "block",
        "stall_number",
        "capital",
        "workers",
    }
    unknown = set(changes) - editable
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    with transaction.atomic():
        locked = Registration.objects.select_for_update().get(pk=registration.pk)
        before = {name: getattr(locked, name) for name in changes}
        for name, value in changes.items():
            setattr(locked, name, value)
        kblis = _kbli(kbli_codes) if kbli_codes is not None else list(locked.kbli.all())
        locked.derive([k.risk for k in kblis])
        if kbli_codes is not None:
            locked.kbli.set(kblis)
        fields = {**changes, "scale": locked.scale, "risk": locked.risk, "status_reason": ""}
        moved = transition(
            locked,
            R.CAPTURED,
            by=by,
            action="sipabes.registration.correct",
            request=request,
            fields=fields,
        )
        dashboard.forget_on_commit(moved)
        if before:
            audit.record(
                actor=by,
                action="sipabes.registration.edit",
                obj=moved,
                changes={k: [str(v), str(changes[k])] for k, v in before.items() if k != "phone"},
                request=request,
            )
    return moved


def registration_reject(*, registration, by, reason, request=None):
    """An open registration -> rejected (with the reason)."""
    _require_officer(by, registration.hall_id)
    reason = _reason(reason)
    return _move(
        registration,
        R.REJECTED,
        by=by,
        action="sipabes.registration.reject",
        request=request,
        note=reason,
        fields={"status_reason": reason},
    )


def registration_view_nik(*, registration, by, request=None):
    """Record that ``by`` saw the full NIK (the detail page, DPMPTSP staff only)."""
    audit.record(
        actor=by,
        action="sipabes.registration.view_nik",
        obj=registration,
        request=request,
    )


# ---------------------------------------------------------------------------
# Receipt
# ---------------------------------------------------------------------------
def receipt_job_key(registration):
    return f"sipabes-receipt:{registration.pk}"


def registration_request_receipt(*, registration, by, request=None):
    """Queue the receipt PDF (once per registration); return the Job row."""
    _require_officer(by, registration.hall_id)
    if registration.status not in (R.NIB_ISSUED, R.HANDED_OVER):
        raise DomainError(_("Tanda terima dibuat setelah NIB tercatat."), code="receipt_not_ready")
    return enqueue(
        RECEIPT_TASK,
        key=receipt_job_key(registration),
        registration_id=registration.pk,
        user_id=by.pk,
    )


def receipt_number(registration):
    return f"TT-SIPABES/{registration.nib_issued_on:%Y}/{registration.receipt_code}"


def registration_issue_receipt(*, registration_id, user_id=None):
    """Render "Tanda Terima Pendaftaran NIB" and link it; return the document.

    Safe to run twice: a registration that has its receipt keeps it.
    """
    from django.contrib.auth import get_user_model

    from mpp_portal.documents.models import IssuedDocument
    from mpp_portal.documents.services import document_issue

    registration = (
        Registration.objects.select_related("market", "officer", "hall", "visit")
        .prefetch_related("kbli", "locations__market")
        .get(pk=registration_id)
    )
    if registration.receipt_id:
        return registration.receipt
    number = receipt_number(registration)
    existing = IssuedDocument.objects.filter(
        kind=IssuedDocument.Kind.NIB_RECEIPT, number=number
    ).first()
    if existing is None:
        issued_by = get_user_model().objects.filter(pk=user_id).first() if user_id else None
        existing = document_issue(
            kind=IssuedDocument.Kind.NIB_RECEIPT,
            number=number,
            # The verification page is public: no personal data in the title.
            title=_("Tanda Terima Pendaftaran NIB"),
            template_name="sipabes/receipt_pdf.html",
            context={
                "registration": registration,
                "nik_masked": mask_nik(registration.nik),
                "kblis": list(registration.kbli.all()),
                "locations": list(registration.locations.all()),
                "permit_note": registration.permit_note,
                "lookup_url": settings.SITE_URL + reverse("sipabes:lookup"),
            },
            hall=registration.hall,
            issued_by=issued_by,
            related=registration,
        )
    Registration.objects.filter(pk=registration.pk, receipt__isnull=True).update(receipt=existing)
    return existing
