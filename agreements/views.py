"""HTML pages of the agreements app.

Staff pages need ``agreements.view`` (hall admin: the hall; agency admin:
the agreements their agency is a party to); writes need
``agreements.manage`` on the agreement's hall. An agreement out of reach
answers 404, as does its scan for anybody but staff who may read it.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from agreements import forms as aforms
from agreements import selectors, services
from agreements.models import Agreement, CoverageSnapshot, PendingService, _today
from mpp_portal.accounts.permissions import can
from mpp_portal.csv_export import CsvExport
from mpp_portal.documents.uploads import uploads_undone_on_error
from mpp_portal.exceptions import DomainError
from mpp_portal.organizations.models import Hall

S = Agreement.Status
PAGE_SIZE = 25


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
def _require_view(request):
    if not can(request.user, "agreements.view"):
        raise PermissionDenied


def _user_hall(request):
    """The hall the user works in (a superuser: the first active hall)."""
    user = request.user
    if user.hall_id:
        return user.hall
    if user.agency_id:
        return user.agency.hall
    if user.is_superuser:
        hall = Hall.objects.filter(is_active=True).first()
        if hall is not None:
            return hall
    raise Http404


def _manager_hall(request):
    hall = _user_hall(request)
    if not can(request.user, "agreements.manage", hall=hall):
        raise PermissionDenied
    return hall


def _visible(request, pk):
    _require_view(request)
    agreement = (
        selectors.registry_queryset(Agreement.objects.visible_to(request.user))
        .filter(pk=pk)
        .first()
    )
    if agreement is None:
        raise Http404
    return agreement


def _managed(request, pk):
    agreement = _visible(request, pk)
    if not can(request.user, "agreements.manage", hall=agreement.hall_id):
        raise PermissionDenied
    return agreement


def _show_error(request, error):
    if isinstance(error, ValidationError):
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.error(request, str(error.message))


def _apply_errors(form, error):
    """Put a service's ValidationError on the form's fields where they exist."""
    if isinstance(error, DomainError):
        form.add_error(None, str(error.message))
    elif hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            for item in errors:
                form.add_error(target, item)
    else:
        for message in error.messages:
            form.add_error(None, message)


# ---------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------
def _registry(request):
    _require_view(request)
    user = request.user
    hall_ids = None if user.is_superuser else [_user_hall(request).pk]
    form = aforms.RegistryFilterForm(request.GET or None, hall_ids=hall_ids)
    queryset = Agreement.objects.visible_to(user)
    if form.is_bound and form.is_valid():
        queryset = form.apply(queryset)
    queryset = selectors.registry_queryset(queryset).order_by("-signed_on", "-pk")
    return form, queryset


@login_required
def registry(request):
    form, queryset = _registry(request)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    today = _today()
    for agreement in page.object_list:
        agreement.is_expiring_now = agreement.is_expiring(today)
        agreement.left = agreement.days_left(today)
    return render(
        request,
        "agreements/registry.html",
        {
            "form": form,
            "page": page,
            "can_manage": can(request.user, "agreements.manage"),
            "query": request.GET.copy(),
        },
    )


@login_required
def registry_csv(request):
    form, queryset = _registry(request)
    rows = CsvExport(request, "perjanjian-kerja-sama.csv")
    rows.writerow(
        [
            _("Nomor"),
            _("Jenis"),
            _("Judul"),
            _("Para pihak"),
            _("Nomor para pihak"),
            _("Tanggal tanda tangan"),
            _("Mulai"),
            _("Berakhir"),
            _("Status"),
            _("Segera berakhir"),
            _("Jumlah petugas"),
        ]
    )
    today = _today()
    for agreement in queryset:
        parties = list(agreement.parties.all())
        rows.writerow(
            [
                agreement.main_number,
                agreement.get_kind_display(),
                agreement.title,
                "; ".join(p.name for p in parties),
                "; ".join(f"{p.name}: {p.number}" for p in parties if p.number),
                agreement.signed_on.isoformat() if agreement.signed_on else "",
                agreement.start_date.isoformat() if agreement.start_date else "",
                agreement.end_date.isoformat() if agreement.end_date else _("tanpa batas"),
                agreement.get_status_display(),
                _("ya") if agreement.is_expiring(today) else _("tidak"),
                agreement.staff_count,
            ]
        )
    return rows.response


# ---------------------------------------------------------------------------
# Detail and the chain
# ---------------------------------------------------------------------------
def _chain(agreement):
    """The agreement's chain, oldest first, as dicts of agreement and relation.

    Up: what it implements, amends or renews, to the root. Down: its
    addenda and renewals (and, for a nota kesepakatan, what implements it),
    and the addenda and renewals of the agreements above it on the way,
    never the other PKS implementing the same nota kesepakatan. A few
    queries for a chain of a few links.
    """
    framework = (Agreement.Kind.MOU, Agreement.Kind.JOINT)
    path, seen, node = [agreement], {agreement.pk}, agreement
    while True:
        parent = node.amends or node.renews or node.implements
        if parent is None or parent.pk in seen:
            break
        path.append(parent)
        seen.add(parent.pk)
        node = parent
    family = {a.pk: a for a in path}
    # The first step down from the agreement itself follows every link.
    frontier = [agreement.pk]
    line = [a.pk for a in path[1:] if a.kind not in framework]
    first = True
    while frontier or line:
        links = Q(amends_id__in=frontier + line) | Q(renews_id__in=frontier + line)
        if first:
            links |= Q(implements_id__in=frontier)
        children = list(Agreement.objects.filter(links).exclude(pk__in=list(family)))
        frontier, line, first = [c.pk for c in children], [], False
        for child in children:
            family[child.pk] = child
    items = sorted(family.values(), key=lambda a: (a.signed_on or datetime.date.max, a.pk))
    result = []
    for item in items:
        if item.amends_id:
            relation, target = _("mengubah"), family.get(item.amends_id)
        elif item.renews_id:
            relation, target = _("memperpanjang"), family.get(item.renews_id)
        elif item.implements_id:
            relation, target = _("melaksanakan"), family.get(item.implements_id)
        else:
            relation, target = "", None
        result.append({"agreement": item, "relation": relation, "target": target})
    return result


@login_required
def detail(request, pk):
    agreement = _visible(request, pk)
    can_manage = can(request.user, "agreements.manage", hall=agreement.hall_id)
    today = _today()
    return render(
        request,
        "agreements/detail.html",
        {
            "agreement": agreement,
            "services": agreement.services.select_related("agency").order_by(
                "agency__name", "name"
            ),
            "counters": agreement.counters.select_related("agency").order_by("number"),
            "chain": _chain(agreement),
            "can_manage": can_manage,
            "expiring": agreement.is_expiring(today),
            "days_left": agreement.days_left(today),
            "moves": Agreement.TRANSITIONS.get(agreement.status, set()),
            "terminate_form": aforms.TerminateForm(),
            "renew_form": aforms.RenewForm(agreement=agreement) if can_manage else None,
            "successor": agreement.successor,
            "reminders": _reminders(agreement) if can_manage else [],
        },
    )


def _reminders(agreement):
    """The expiry reminders queued for ``agreement`` (the outbox rows)."""
    from django.contrib.contenttypes.models import ContentType

    from mpp_portal.notifications.models import OutboxMessage

    return OutboxMessage.objects.filter(
        content_type=ContentType.objects.get_for_model(Agreement),
        object_id=agreement.pk,
        dedupe_key__startswith="agreement-expiry:",
    ).order_by("created_at", "pk")


# ---------------------------------------------------------------------------
# Record, edit, scope
# ---------------------------------------------------------------------------
def _prefill(request, hall):
    """Initial values when recording an adendum or a renewal of another."""
    initial, parties = {}, []
    for key, kind in (("amends", Agreement.Kind.ADDENDUM), ("renews", Agreement.Kind.PKS)):
        pk = request.GET.get(key, "")
        if not pk.isdigit():
            continue
        base = Agreement.objects.filter(hall=hall, pk=pk).prefetch_related("parties").first()
        if base is None:
            continue
        initial[key] = base.pk
        initial["kind"] = kind
        initial["implements"] = base.implements_id if key == "renews" else None
        prefix = _("Adendum") if key == "amends" else _("Perpanjangan")
        initial["title"] = f"{prefix}: {base.title}"[:300]
        for name in (
            "legal_basis",
            "purpose",
            "regency_duties",
            "partner_duties",
            "staff_count",
            "financing",
            "renewal_clause",
            "monitoring",
        ):
            initial[name] = getattr(base, name)
        parties = [
            {
                "agency": p.agency_id,
                "signatory_name": p.signatory_name,
                "signatory_title": p.signatory_title,
            }
            for p in base.parties.all()
            if p.agency_id
        ]
        regency = next((p for p in base.parties.all() if p.agency_id is None), None)
        if regency is not None:
            initial["regency_signatory_name"] = regency.signatory_name
            initial["regency_signatory_title"] = regency.signatory_title
        initial["services"] = list(base.services.values_list("pk", flat=True))
        initial["counters"] = list(base.counters.values_list("pk", flat=True))
    return initial, parties


@login_required
@require_http_methods(["GET", "POST"])
def create(request):
    hall = _manager_hall(request)
    if request.method == "POST":
        form = aforms.AgreementForm(request.POST, request.FILES, hall=hall)
        parties = aforms.party_formset(hall, data=request.POST)
        if form.is_valid() and parties.is_valid():
            try:
                with uploads_undone_on_error():
                    agreement = services.agreement_create(
                        hall=hall,
                        by=request.user,
                        request=request,
                        parties=[form.regency_party(), *parties.parties()],
                        services=form.cleaned_data["services"],
                        counters=form.cleaned_data["counters"],
                        scan=form.cleaned_data.get("scan"),
                        **form.values(),
                    )
            except (ValidationError, DomainError) as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("Perjanjian dicatat sebagai konsep."))
                return redirect(agreement)
    else:
        initial, party_rows = _prefill(request, hall)
        form = aforms.AgreementForm(initial=initial, hall=hall)
        parties = aforms.party_formset(hall, initial=party_rows)
    return render(
        request,
        "agreements/form.html",
        {"form": form, "parties": parties, "agreement": None, "hall": hall},
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, pk):
    agreement = _managed(request, pk)
    if agreement.status != S.DRAFT:
        return redirect("agreements:scope", pk=agreement.pk)
    hall = agreement.hall
    if request.method == "POST":
        form = aforms.AgreementForm(request.POST, request.FILES, instance=agreement, hall=hall)
        parties = aforms.party_formset(hall, data=request.POST)
        if form.is_valid() and parties.is_valid():
            try:
                with uploads_undone_on_error(), transaction.atomic():
                    services.agreement_update(
                        agreement=agreement,
                        by=request.user,
                        request=request,
                        parties=[form.regency_party(), *parties.parties()],
                        services=form.cleaned_data["services"],
                        counters=form.cleaned_data["counters"],
                        **form.values(),
                    )
                    if form.cleaned_data.get("scan"):
                        services.agreement_scan_attach(
                            agreement=agreement,
                            upload=form.cleaned_data["scan"],
                            by=request.user,
                            request=request,
                        )
            except (ValidationError, DomainError) as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("Perubahan disimpan."))
                return redirect(agreement)
    else:
        form = aforms.AgreementForm(instance=Agreement.objects.get(pk=agreement.pk), hall=hall)
        parties = aforms.party_formset(
            hall,
            initial=[
                {
                    "agency": p.agency_id,
                    "number": p.number,
                    "signatory_name": p.signatory_name,
                    "signatory_title": p.signatory_title,
                }
                for p in agreement.parties.all()
                if p.agency_id
            ],
        )
    return render(
        request,
        "agreements/form.html",
        {"form": form, "parties": parties, "agreement": agreement, "hall": hall},
    )


@login_required
@require_http_methods(["GET", "POST"])
def scope(request, pk):
    agreement = _managed(request, pk)
    form = aforms.ScopeForm(request.POST or None, agreement=agreement)
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_update(
                agreement=agreement,
                by=request.user,
                request=request,
                services=form.cleaned_data["services"],
                counters=form.cleaned_data["counters"],
            )
        except (ValidationError, DomainError) as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Ruang lingkup perjanjian disimpan."))
            return redirect(agreement)
    return render(request, "agreements/scope.html", {"form": form, "agreement": agreement})


# ---------------------------------------------------------------------------
# Moves
# ---------------------------------------------------------------------------
@login_required
@require_POST
def move(request, pk, action):
    agreement = _managed(request, pk)
    by = request.user
    try:
        if action == "sign":
            services.agreement_sign(agreement=agreement, by=by, request=request)
            messages.success(request, _("Perjanjian ditandatangani."))
        elif action == "activate":
            services.agreement_activate(agreement=agreement, by=by, request=request)
            messages.success(request, _("Perjanjian berlaku."))
        elif action == "expire":
            services.agreement_expire(agreement=agreement, by=by, request=request)
            messages.success(request, _("Perjanjian dinyatakan berakhir."))
        elif action == "terminate":
            form = aforms.TerminateForm(request.POST)
            if not form.is_valid():
                for errors in form.errors.values():
                    for message in errors:
                        messages.error(request, message)
                return redirect(agreement)
            services.agreement_terminate(
                agreement=agreement,
                by=by,
                reason=form.cleaned_data["reason"],
                on=form.cleaned_data.get("on"),
                request=request,
            )
            messages.success(request, _("Perjanjian diakhiri."))
        elif action == "renew":
            form = aforms.RenewForm(request.POST, agreement=agreement)
            if not form.is_valid():
                messages.error(request, _("Pilih perjanjian pengganti yang sah."))
                return redirect(agreement)
            services.agreement_renew(
                agreement=agreement,
                successor=form.cleaned_data["successor"],
                by=by,
                request=request,
            )
            messages.success(request, _("Perjanjian dinyatakan diperpanjang."))
        else:
            raise Http404
    except (ValidationError, DomainError) as error:
        _show_error(request, error)
    return redirect(agreement)


# ---------------------------------------------------------------------------
# The scan
# ---------------------------------------------------------------------------
@login_required
@require_POST
def scan_upload(request, pk):
    agreement = _managed(request, pk)
    field = aforms.ScanField(required=True)
    try:
        cleaned = field.clean(request.FILES.get("scan"))
        with uploads_undone_on_error():
            services.agreement_scan_attach(
                agreement=agreement, upload=cleaned, by=request.user, request=request
            )
    except ValidationError as error:
        _show_error(request, error)
    else:
        messages.success(request, _("Pindaian naskah disimpan."))
    return redirect(agreement)


def scan_download(request, pk):
    """The signed scan, to staff who may read the agreement; 404 for others."""
    user = request.user
    if not can(user, "agreements.view"):
        raise Http404
    agreement = Agreement.objects.visible_to(user).filter(pk=pk).first()
    if agreement is None or not agreement.scan:
        raise Http404
    number = (agreement.main_number or str(agreement.pk)).replace("/", "-").replace(" ", "")
    response = FileResponse(
        agreement.scan.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"perjanjian-{number}.pdf",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------------------
# Coverage and the services not yet in the MPP
# ---------------------------------------------------------------------------
@login_required
def coverage(request):
    _require_view(request)
    hall = _user_hall(request)
    if not can(request.user, "agreements.view", hall=hall) and not request.user.agency_id:
        raise PermissionDenied
    data = selectors.coverage(hall)
    if not can(request.user, "agreements.manage", hall=hall):
        # An agency admin sees their own agency's lines only.
        data["agencies"] = [r for r in data["agencies"] if r["agency"].pk == request.user.agency_id]
        data["flagged"] = [
            e for e in data["flagged"] if e["service"].agency_id == request.user.agency_id
        ]
    history = list(data["history"])
    today = _today()
    if not history or history[-1].date != today:
        # Today's figures as the last point, before the night's snapshot.
        figures = data["figures"]
        history.append(
            CoverageSnapshot(
                hall=hall,
                date=today,
                services_in_mpp=figures["services_in_mpp"],
                services_covered=figures["services_covered"],
                services_pending=figures["services_pending"],
            )
        )
    data["history"] = history
    chart = {
        "labels": [date_format(s.date, "j M Y") for s in history],
        "centralised": [s.share_centralised for s in history],
        "covered": [s.share_covered for s in history],
        "label_centralised": _("Layanan sudah di MPP (%)"),
        "label_covered": _("Layanan di MPP yang dicakup PKS berlaku (%)"),
    }
    return render(
        request,
        "agreements/coverage.html",
        {
            **data,
            "hall": hall,
            "agencies_without": [r["agency"].name for r in data["agencies"] if not r["services"]],
            "chart": chart,
            "can_manage": can(request.user, "agreements.manage", hall=hall),
        },
    )


@login_required
def stakeholders(request):
    """The stakeholder registry: the hall's agencies, their signing official,
    contact person and agreements (hall admin)."""
    hall = _manager_hall(request)
    return render(
        request,
        "agreements/stakeholders.html",
        {"hall": hall, "rows": selectors.stakeholders(hall), "today": _today()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def pending_form(request, pk=None):
    hall = _manager_hall(request)
    item = get_object_or_404(PendingService, pk=pk, hall=hall) if pk else None
    form = aforms.PendingServiceForm(request.POST or None, instance=item, hall=hall)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.pending_service_save(
                hall=hall,
                by=request.user,
                instance=item,
                request=request,
                agency=data.get("agency"),
                agency_name=data["agency_name"],
                service_name=data["service_name"],
                reason=data.get("reason", ""),
                planned_on=data.get("planned_on"),
            )
        except (ValidationError, DomainError) as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Daftar layanan belum di MPP diperbarui."))
            return redirect("agreements:coverage")
    return render(request, "agreements/pending_form.html", {"form": form, "item": item})


@login_required
@require_POST
def pending_delete(request, pk):
    hall = _manager_hall(request)
    item = get_object_or_404(PendingService, pk=pk, hall=hall)
    services.pending_service_delete(item=item, by=request.user, request=request)
    messages.success(request, _("Layanan dihapus dari daftar belum di MPP."))
    return redirect("agreements:coverage")


# ---------------------------------------------------------------------------
# Public
# ---------------------------------------------------------------------------
def public(request, slug):
    hall = get_object_or_404(Hall, slug=slug, is_active=True)
    return render(
        request,
        "agreements/public.html",
        {"hall": hall, "rows": selectors.public_serving([hall])},
    )
