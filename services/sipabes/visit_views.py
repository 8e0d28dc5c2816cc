"""Visit planning pages: the hall admin and the DPMPTSP admin plan, edit,
open, close and reopen the hall's market visits (kunjungan jemput bola) and
keep its markets.

Who: capability ``sipabes.plan`` (``services.planner_hall_id``); anyone else
gets 403, another hall's visit or market 404. Every change goes through
``services`` (visit_plan, visit_edit, visit_open, visit_close,
visit_reopen, market_save), which check again and write the audit entry.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Count, IntegerField, Prefetch, Q, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mpp_portal.accounts.models import User
from mpp_portal.exceptions import DomainError
from services.sipabes import services
from services.sipabes.models import Market, Visit
from services.sipabes.visit_forms import MarketForm, ReopenForm, VisitForm

CLOSED_SHOWN = 30


def _planner(request):
    """Return the hall id the user plans for, or raise PermissionDenied (403)."""
    hall_id = services.planner_hall_id(request.user)
    if hall_id is None:
        raise PermissionDenied(_("Halaman ini untuk admin MPP dan admin DPMPTSP."))
    return hall_id


def _apply_errors(form, exc):
    """Put a service's ValidationError on the form's fields (or the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _visits(hall_id):
    """The hall's visits with market, officers and the registered count (constant queries)."""
    return (
        Visit.objects.filter(hall_id=hall_id)
        .select_related("market")
        .prefetch_related(
            Prefetch(
                "officers",
                queryset=User.objects.order_by("first_name", "last_name", "username"),
            )
        )
        .annotate(
            registered=Count("registrations", filter=~Q(registrations__status="rejected")),
            rank=Case(
                When(status=Visit.Status.OPEN, then=Value(0)),
                When(status=Visit.Status.PLANNED, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
        )
    )


@login_required
def visit_list(request):
    """The hall's visits (open, then upcoming planned, then the latest closed) and the plan form."""
    hall_id = _planner(request)
    if request.method == "POST":
        form = VisitForm(request.POST, hall_id=hall_id)
        if form.is_valid():
            try:
                visit = services.visit_plan(
                    by=request.user, request=request, **form.service_kwargs()
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Kunjungan ke %(market)s pada %(date)s direncanakan.")
                    % {"market": visit.market.name, "date": visit.date.strftime("%d-%m-%Y")},
                )
                return redirect(f"{reverse('sipabes:visits')}#kunjungan-{visit.pk}")
    else:
        form = VisitForm(hall_id=hall_id, initial={"date": timezone.localdate()})
    visits = _visits(hall_id)
    open_and_planned = list(
        visits.filter(status__in=[Visit.Status.OPEN, Visit.Status.PLANNED]).order_by(
            "rank", "date", "market__name"
        )
    )
    closed = list(
        visits.filter(status=Visit.Status.CLOSED).order_by("-date", "market__name")[
            : CLOSED_SHOWN + 1
        ]
    )
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "sipabes/visits/page.html",
        {
            "open_visits": [v for v in open_and_planned if v.status == Visit.Status.OPEN],
            "planned_visits": [v for v in open_and_planned if v.status == Visit.Status.PLANNED],
            "closed_visits": closed[:CLOSED_SHOWN],
            "more_closed": len(closed) > CLOSED_SHOWN,
            "form": form,
            "today": timezone.localdate(),
            "may_reopen": request.user.is_superuser or request.user.is_hall_admin,
            "has_markets": Market.objects.filter(hall_id=hall_id, is_active=True).exists(),
        },
        status=status,
    )


@login_required
def visit_edit(request, pk):
    hall_id = _planner(request)
    visit = get_object_or_404(Visit.objects.select_related("market"), pk=pk, hall_id=hall_id)
    if visit.status != Visit.Status.PLANNED:
        messages.error(request, _("Hanya kunjungan yang masih direncanakan dapat diubah."))
        return redirect("sipabes:visits")
    status = 200
    if request.method == "POST":
        form = VisitForm(request.POST, hall_id=hall_id, visit=visit)
        if form.is_valid():
            data = form.service_kwargs()
            officers = data.pop("officers")
            try:
                services.visit_edit(
                    visit=visit, by=request.user, officers=officers, request=request, **data
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            except DomainError as exc:
                messages.error(request, str(exc.message))
                return redirect("sipabes:visits")
            else:
                messages.success(request, _("Rencana kunjungan disimpan."))
                return redirect(f"{reverse('sipabes:visits')}#kunjungan-{visit.pk}")
        status = 400
    else:
        form = VisitForm(hall_id=hall_id, visit=visit)
    return render(
        request, "sipabes/visits/edit.html", {"visit": visit, "form": form}, status=status
    )


@login_required
@require_POST
def visit_move(request, pk, action):
    """Open, close or reopen (with a reason) a visit from the planning page."""
    hall_id = _planner(request)
    visit = get_object_or_404(Visit.objects.select_related("market"), pk=pk, hall_id=hall_id)
    try:
        if action == "buka":
            services.visit_open(visit=visit, by=request.user, request=request)
            messages.success(
                request,
                _("Kunjungan ke %(market)s dibuka: petugas dapat mencatat pendaftaran.")
                % {"market": visit.market.name},
            )
        elif action == "tutup":
            services.visit_close(visit=visit, by=request.user, request=request)
            messages.success(
                request,
                _("Kunjungan ke %(market)s ditutup: tidak menerima pendaftaran baru.")
                % {"market": visit.market.name},
            )
        elif action == "buka-kembali":
            form = ReopenForm(request.POST)
            if not form.is_valid():
                for errors in form.errors.values():
                    for error in errors:
                        messages.error(request, error)
            else:
                services.visit_reopen(
                    visit=visit,
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                    request=request,
                )
                messages.success(
                    request,
                    _("Kunjungan ke %(market)s dibuka kembali.") % {"market": visit.market.name},
                )
        else:
            raise Http404
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("Anda tidak berwenang melakukan ini."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect(f"{reverse('sipabes:visits')}#kunjungan-{visit.pk}")


# ---------------------------------------------------------------------------
# Markets
# ---------------------------------------------------------------------------
def _market_page(request, hall_id, form, market=None, status=200):
    markets = list(
        Market.objects.filter(hall_id=hall_id)
        .annotate(visit_count=Count("visits"))
        .order_by("-is_active", "name")
    )
    return render(
        request,
        "sipabes/visits/markets.html",
        {"markets": markets, "form": form, "market": market},
        status=status,
    )


@login_required
def market_list(request):
    hall_id = _planner(request)
    if request.method == "POST":
        form = MarketForm(request.POST, hall_id=hall_id)
        if form.is_valid():
            try:
                market = services.market_save(
                    market=form.save(commit=False), by=request.user, request=request
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("Pasar %(name)s ditambahkan.") % {"name": market.name})
                return redirect("sipabes:markets")
        return _market_page(request, hall_id, form, status=400)
    return _market_page(request, hall_id, MarketForm(hall_id=hall_id))


@login_required
def market_edit(request, pk):
    hall_id = _planner(request)
    market = get_object_or_404(Market, pk=pk, hall_id=hall_id)
    if request.method == "POST":
        form = MarketForm(request.POST, instance=market, hall_id=hall_id)
        if form.is_valid():
            try:
                services.market_save(
                    market=form.save(commit=False), by=request.user, request=request
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("Pasar %(name)s disimpan.") % {"name": market.name})
                return redirect("sipabes:markets")
        # The heading names the market as saved, not the refused input.
        saved = Market.objects.get(pk=market.pk)
        return _market_page(request, hall_id, form, market=saved, status=400)
    return _market_page(request, hall_id, MarketForm(instance=market, hall_id=hall_id), market)


urlpatterns = [
    path("sipabes/kelola/kunjungan/", visit_list, name="visits"),
    path("sipabes/kelola/kunjungan/<int:pk>/ubah/", visit_edit, name="visit_edit"),
    path("sipabes/kelola/kunjungan/<int:pk>/<slug:action>/", visit_move, name="visit_move"),
    path("sipabes/kelola/pasar/", market_list, name="markets"),
    path("sipabes/kelola/pasar/<int:pk>/", market_edit, name="market_edit"),
]
