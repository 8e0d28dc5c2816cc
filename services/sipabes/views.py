"""The SIPABES officer's pages (phone first) and the public receipt look-up.

The visit page keeps working without signal: ``sw.js`` (served under
/sipabes/ so its scope covers the pages) caches the page and its static
files, and static/js/sipabes-offline.js queues each registration in
IndexedDB with a client-made idempotency key and sends the queue to
``visit_submit`` when the connection is back. The server runs each key
once (``services.submission_once``).
"""

import json
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from mpp_portal.audit.services import client_ip
from mpp_portal.exceptions import DomainError
from mpp_portal.identity import format_phone
from mpp_portal.jobs.models import Job
from mpp_portal.masking import mask_nik, mask_phone
from services.sipabes import services
from services.sipabes.forms import (
    AddActivityForm,
    CorrectionForm,
    HandOverForm,
    LookupForm,
    NibForm,
    ReasonForm,
    RegistrationForm,
)
from services.sipabes.models import (
    Kbli,
    Registration,
    Visit,
    sees_full_nik,
    sipabes_hall_id,
)
from services.sipabes.oss import gateway

SW_SOURCE = Path(settings.BASE_DIR) / "static" / "js" / "sipabes-sw.js"
LOOKUP_PER_HOUR = 20


def _officer(request):
    """Raise PermissionDenied unless the user does SIPABES field work in a hall."""
    user = request.user
    if user.is_superuser:
        return
    if user.role == user.Role.API_CLIENT or sipabes_hall_id(user) is None:
        raise PermissionDenied(_("Halaman ini untuk petugas SIPABES."))


def _visit(request, pk):
    return get_object_or_404(Visit.objects.visible_to(request.user).select_related("market"), pk=pk)


def _registration(request, pk):
    return get_object_or_404(
        Registration.objects.visible_to(request.user).select_related(
            "market", "visit", "officer", "receipt"
        ),
        pk=pk,
    )


def _domain_message(request, exc):
    if isinstance(exc, ValidationError):
        for text in exc.messages:
            messages.error(request, text)
    else:
        messages.error(request, str(exc.message if isinstance(exc, DomainError) else exc))


# ---------------------------------------------------------------------------
# Visits
# ---------------------------------------------------------------------------
@login_required
def home(request):
    _officer(request)
    visits = (
        Visit.objects.visible_to(request.user)
        .select_related("market")
        .annotate(
            registered=Count("registrations", filter=~Q(registrations__status="rejected")),
        )
    )
    today = timezone.localdate()
    context = {
        "open_visits": list(visits.filter(status=Visit.Status.OPEN).order_by("-date")),
        "planned_visits": list(visits.filter(status=Visit.Status.PLANNED).order_by("date")[:10]),
        "closed_visits": list(visits.filter(status=Visit.Status.CLOSED).order_by("-date")[:10]),
        "today": today,
        "is_hall_admin": request.user.is_hall_admin,
    }
    return render(request, "sipabes/home.html", context)


def _kbli_choices():
    return list(Kbli.objects.filter(is_verified=True).values("code", "title", "section", "risk"))


@login_required
def visit_detail(request, pk):
    _officer(request)
    visit = _visit(request, pk)
    registrations = visit.registrations.select_related("market").order_by("-created_at")[:200]
    form = RegistrationForm()
    return render(
        request,
        "sipabes/visit.html",
        {
            "visit": visit,
            "form": form,
            "registrations": registrations,
            "kbli_choices": _kbli_choices(),
            "idempotency_key": uuid.uuid4(),
            "reason_form": ReasonForm(),
            "is_hall_admin": request.user.is_hall_admin,
        },
    )


@login_required
@require_POST
def visit_action(request, pk, action):
    _officer(request)
    visit = _visit(request, pk)
    try:
        if action == "buka":
            services.visit_open(visit=visit, by=request.user, request=request)
            messages.success(request, _("Kunjungan dibuka: pendaftaran dapat dicatat."))
        elif action == "tutup":
            services.visit_close(visit=visit, by=request.user, request=request)
            messages.success(request, _("Kunjungan ditutup."))
        elif action == "buka-kembali":
            services.visit_reopen(
                visit=visit, by=request.user, reason=request.POST.get("reason"), request=request
            )
            messages.success(request, _("Kunjungan dibuka kembali."))
        else:
            raise Http404
    except (DomainError, ValidationError) as exc:
        _domain_message(request, exc)
    return redirect(visit)


def _errors_json(form_or_exc):
    if isinstance(form_or_exc, ValidationError):
        if hasattr(form_or_exc, "error_dict"):
            return {
                k: [str(m) for e in v for m in e.messages]
                for k, v in form_or_exc.error_dict.items()
            }
        return {"__all__": [str(m) for m in form_or_exc.messages]}
    return {k: [str(m) for m in v] for k, v in form_or_exc.errors.items()}


def _created_body(registration):
    return {
        "ok": True,
        "id": registration.pk,
        "receipt_code": registration.receipt_code,
        "name": registration.name,
        "business_name": registration.business_name,
        "scale": registration.get_scale_display(),
        "url": registration.get_absolute_url(),
    }


def _conflict_body(request, exc):
    body = {"ok": False, "conflict": True, "code": exc.code, "message": str(exc.message)}
    pk = exc.extra.get("registration")
    if pk and Registration.objects.visible_to(request.user).filter(pk=pk).exists():
        body["existing_url"] = reverse("sipabes:registration", args=[pk])
    return body


def _parse_key(value):
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


@login_required
@require_POST
def visit_submit(request, pk):
    """Record one registration; JSON for the queue, a redirect for a plain form post.

    Each post carries an idempotency key (header ``Idempotency-Key`` from the
    queue, hidden field ``idempotency_key`` in the plain form): the first
    answer for a key is the answer for every retry.
    """
    _officer(request)
    visit = _visit(request, pk)
    wants_json = request.content_type == "application/json"
    if wants_json:
        try:
            payload = json.loads(request.body or b"{}")
        except ValueError:
            return JsonResponse(
                {"ok": False, "errors": {"__all__": [_("Data rusak.")]}}, status=400
            )
        data = payload if isinstance(payload, dict) else {}
        key = _parse_key(request.headers.get("Idempotency-Key"))
        form = RegistrationForm(_as_querydict(data))
    else:
        key = _parse_key(request.POST.get("idempotency_key"))
        form = RegistrationForm(request.POST)
    if key is None:
        body = {"ok": False, "errors": {"__all__": [_("Kunci idempotensi tidak sah.")]}}
        return _answer(request, visit, 400, body, form, wants_json)

    def attempt():
        if not form.is_valid():
            return 400, {"ok": False, "errors": _errors_json(form)}, None
        try:
            registration = services.registration_create(
                officer=request.user,
                visit=visit,
                idempotency_key=key,
                request=request,
                **form.service_kwargs(),
            )
        except services.NikAlreadyRegistered as exc:
            return 409, _conflict_body(request, exc), None
        except services.VisitNotOpen as exc:
            return (
                409,
                {"ok": False, "conflict": True, "code": exc.code, "message": str(exc.message)},
                None,
            )
        except ValidationError as exc:
            return 400, {"ok": False, "errors": _errors_json(exc)}, None
        return 201, _created_body(registration), registration

    try:
        status, body, replayed = services.submission_once(
            key=key, user=request.user, attempt=attempt
        )
    except services.KeyReused as exc:
        status, body, replayed = (
            422,
            {"ok": False, "errors": {"__all__": [str(exc.message)]}},
            False,
        )
    body = {**body, "replayed": replayed}
    return _answer(request, visit, status, body, form, wants_json)


def _as_querydict(data):
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for name, value in data.items():
        if isinstance(value, list):
            query.setlist(name, [str(v) for v in value])
        elif isinstance(value, bool):
            if value:
                query[name] = "on"
        elif value is not None:
            query[name] = str(value)
    return query


def _answer(request, visit, status, body, form, wants_json):
    if wants_json:
        return JsonResponse(body, status=status)
    if status == 201:
        messages.success(
            request,
            _("Pendaftaran %(business)s tersimpan (kode %(code)s).")
            % {"business": body["business_name"], "code": body["receipt_code"]},
        )
        return redirect(body["url"])
    if status == 409:
        messages.error(request, body["message"])
        if body.get("existing_url"):
            return redirect(body["existing_url"])
        return redirect(visit)
    return render(
        request,
        "sipabes/visit.html",
        {
            "visit": visit,
            "form": form,
            "registrations": visit.registrations.select_related("market")[:200],
            "kbli_choices": _kbli_choices(),
            "idempotency_key": uuid.uuid4(),
            "reason_form": ReasonForm(),
            "errors": body.get("errors", {}),
            "is_hall_admin": request.user.is_hall_admin,
        },
        status=status,
    )


# ---------------------------------------------------------------------------
# One registration
# ---------------------------------------------------------------------------
def _receipt_state(registration):
    job = Job.objects.filter(key=services.receipt_job_key(registration)).first()
    return {
        "registration": registration,
        "document": registration.receipt,
        "job": job,
        "failed": job is not None and job.status == Job.Status.FAILED,
        "pending": job is not None
        and registration.receipt_id is None
        and job.status != Job.Status.FAILED,
    }


@login_required
def registration_detail(request, pk):
    _officer(request)
    registration = _registration(request, pk)
    full_nik = sees_full_nik(request.user, registration)
    if full_nik:
        services.registration_view_nik(registration=registration, by=request.user, request=request)
    context = {
        "registration": registration,
        "nik": registration.nik if full_nik else mask_nik(registration.nik),
        "full_nik": full_nik,
        "phone": format_phone(registration.phone) if full_nik else mask_phone(registration.phone),
        "kblis": list(registration.kbli.all()),
        "locations": list(registration.locations.select_related("market")),
        "nib_form": NibForm(initial={"nib_issued_on": timezone.localdate().isoformat()}),
        "records_manually": gateway().records_manually,
        "reason_form": ReasonForm(),
        "handover_form": HandOverForm(),
        "activity_form": AddActivityForm(hall_id=registration.hall_id),
        "kbli_choices": _kbli_choices(),
        "can_move": {s: registration.status in _sources(s) for s in Registration.Status.values},
        "is_hall_admin": request.user.is_hall_admin,
        **_receipt_state(registration),
    }
    return render(request, "sipabes/registration.html", context)


def _sources(target):
    return {s for s, targets in Registration.TRANSITIONS.items() if target in targets}


@login_required
@require_POST
def registration_action(request, pk, action):
    _officer(request)
    registration = _registration(request, pk)
    by = request.user
    try:
        if action == "ajukan":
            services.registration_submit(registration=registration, by=by, request=request)
            messages.success(request, _("Ditandai sudah diajukan ke OSS RBA."))
        elif action == "nib":
            form = NibForm(request.POST)
            if not form.is_valid():
                raise ValidationError(form.errors)
            services.registration_record_nib(
                registration=registration,
                by=by,
                nib=form.cleaned_data["nib"],
                issued_on=form.cleaned_data["nib_issued_on"],
                request=request,
            )
            messages.success(request, _("NIB tercatat."))
        elif action == "serahkan":
            form = HandOverForm(request.POST)
            if not form.is_valid():
                raise ValidationError(form.errors)
            services.registration_hand_over(
                registration=registration,
                by=by,
                acknowledged=form.cleaned_data["acknowledged"],
                note=form.cleaned_data["note"],
                request=request,
            )
            messages.success(request, _("NIB dan tanda terima diserahkan."))
        elif action in ("kembalikan", "tolak"):
            form = ReasonForm(request.POST)
            if not form.is_valid():
                raise ValidationError(form.errors)
            move = (
                services.registration_return
                if action == "kembalikan"
                else services.registration_reject
            )
            move(
                registration=registration,
                by=by,
                reason=form.cleaned_data["reason"],
                request=request,
            )
            messages.success(request, _("Status pendaftaran diubah."))
        elif action == "tambah":
            form = AddActivityForm(request.POST, hall_id=registration.hall_id)
            if not form.is_valid():
                raise ValidationError(form.errors)
            services.registration_add_activity(
                registration=registration,
                by=by,
                kbli_codes=form.cleaned_data["kbli"],
                market=form.cleaned_data["market"],
                block=form.cleaned_data["block"],
                stall_number=form.cleaned_data["stall_number"],
                request=request,
            )
            messages.success(request, _("KBLI/lokasi usaha ditambahkan."))
        else:
            raise Http404
    except (DomainError, ValidationError) as exc:
        _domain_message(request, exc)
    return redirect(registration)


@login_required
def registration_correct(request, pk):
    """A returned registration: correct its data and record it again (captured)."""
    _officer(request)
    registration = _registration(request, pk)
    if registration.status != Registration.Status.RETURNED:
        messages.error(request, _("Hanya pendaftaran yang dikembalikan yang dapat diperbaiki."))
        return redirect(registration)
    if request.method == "POST":
        form = CorrectionForm(request.POST)
        if form.is_valid():
            try:
                services.registration_correct(
                    registration=registration,
                    by=request.user,
                    changes=form.changes(),
                    request=request,
                )
            except (DomainError, ValidationError) as exc:
                _domain_message(request, exc)
            else:
                messages.success(request, _("Pendaftaran dicatat kembali setelah diperbaiki."))
            return redirect(registration)
        status = 400
    else:
        form = CorrectionForm(initial=CorrectionForm.initial_for(registration))
        status = 200
    return render(
        request,
        "sipabes/correct.html",
        {"registration": registration, "form": form, "kbli_choices": _kbli_choices()},
        status=status,
    )


@login_required
@require_POST
def receipt_request(request, pk):
    _officer(request)
    registration = _registration(request, pk)
    try:
        services.registration_request_receipt(
            registration=registration, by=request.user, request=request
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect(registration)
    if request.headers.get("HX-Request"):
        return render(request, "sipabes/_receipt.html", _receipt_state(registration))
    return redirect(registration)


@login_required
@require_GET
def receipt_status(request, pk):
    _officer(request)
    registration = _registration(request, pk)
    return render(request, "sipabes/_receipt.html", _receipt_state(registration))


# ---------------------------------------------------------------------------
# Public look-up and the service worker
# ---------------------------------------------------------------------------
def _lookup_key(request):
    return f"sipabes:lookup:{client_ip(request) or 'unknown'}"


def lookup(request):
    """Status of a registration by receipt code + last 4 NIK digits (nothing else)."""
    form = LookupForm(request.GET or None)
    result = None
    throttled = False
    status = 200
    if form.is_bound and form.is_valid():
        key = _lookup_key(request)
        if (cache.get(key) or 0) >= LOOKUP_PER_HOUR:
            throttled, status = True, 429
        else:
            if not cache.add(key, 1, 3600):
                try:
                    cache.incr(key)
                except ValueError:
                    cache.set(key, 1, 3600)
            result = (
                Registration.objects.filter(
                    receipt_code=form.cleaned_data["code"],
                    nik__endswith=form.cleaned_data["nik_last4"],
                )
                .only("status", "receipt_code", "nib_issued_on", "status_reason")
                .first()
            )
            if result is None:
                status = 404
    return render(
        request,
        "sipabes/lookup.html",
        {"form": form, "result": result, "throttled": throttled},
        status=status,
    )


@never_cache
@require_GET
def service_worker(request):
    response = HttpResponse(SW_SOURCE.read_bytes(), content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/sipabes/"
    return response


urlpatterns = [
    path("sipabes/", home, name="home"),
    path("sipabes/sw.js", service_worker, name="sw"),
    path("sipabes/cek/", lookup, name="lookup"),
    path("sipabes/kunjungan/<int:pk>/", visit_detail, name="visit"),
    path("sipabes/kunjungan/<int:pk>/kirim/", visit_submit, name="visit_submit"),
    path("sipabes/kunjungan/<int:pk>/<slug:action>/", visit_action, name="visit_action"),
    path("sipabes/pendaftaran/<int:pk>/", registration_detail, name="registration"),
    path("sipabes/pendaftaran/<int:pk>/perbaiki/", registration_correct, name="correct"),
    path("sipabes/pendaftaran/<int:pk>/tanda-terima/", receipt_request, name="receipt"),
    path(
        "sipabes/pendaftaran/<int:pk>/tanda-terima/status/",
        receipt_status,
        name="receipt_status",
    ),
    path(
        "sipabes/pendaftaran/<int:pk>/<slug:action>/",
        registration_action,
        name="registration_action",
    ),
]
