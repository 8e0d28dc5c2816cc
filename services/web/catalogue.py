"""Pages of the catalogue: the public service list and standar pelayanan, and its management.

Routes are collected in services/urls.py.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from mpp_portal.accounts.permissions import can
from mpp_portal.organizations.models import Agency, Hall, OfficeHours
from mpp_portal.organizations.opening import hall_opening
from mpp_portal.pageviews import count_view
from services.forms.catalogue import ServiceForm, service_save
from services.models import Counter, Service

MAX_QUERY_LENGTH = 100


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def catalogue(request):
    """Search and browse the active services of every active hall."""
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    halls = list(Hall.objects.filter(is_active=True))
    hall = None
    if len(halls) > 1:
        hall = next((h for h in halls if h.slug == request.GET.get("gedung")), None)
    elif halls:
        hall = halls[0]

    agencies = Agency.objects.active().filter(services__is_active=True).distinct()
    services = Service.objects.active().select_related("agency", "agency__hall")
    if hall is not None:
        agencies = agencies.filter(hall=hall)
        services = services.for_hall(hall)
    agencies = list(agencies.order_by("name"))
    agency = next((a for a in agencies if a.pk == _int_or_none(request.GET.get("instansi"))), None)
    if agency is not None:
        services = services.filter(agency=agency)
    if query:
        services = services.search(query)
    else:
        services = services.order_by("agency__name", "agency_id", "name")
    context = {
        "query": query,
        "halls": halls if len(halls) > 1 else [],
        "hall": hall,
        "agencies": agencies,
        "agency": agency,
        "services": list(services),
        "grouped": not query,
    }
    count_view(request, "catalogue", hall=hall)
    return render(request, "services/catalogue/list.html", context)


def _service_for_page(pk):
    counters = Counter.objects.order_by("number")
    return get_object_or_404(
        Service.objects.active()
        .select_related("agency", "agency__hall", "booking_schedule")
        .prefetch_related("agency__hall__office_hours", Prefetch("counters", queryset=counters)),
        pk=pk,
    )


def _week_hours(hall):
    """Return one row per weekday, Monday first, as Hall.hours_on() reads them."""
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    rows = []
    for day in OfficeHours.Weekday:
        date = monday + datetime.timedelta(days=day.value)
        rows.append({"label": day.label, "hours": hall.hours_on(date), "is_today": date == today})
    return rows


def _detail_context(service):
    components = service.standard_components()
    return {
        "service": service,
        "agency": service.agency,
        "hall": service.agency.hall,
        # Requirements, procedure, duration, fee and product are shown first
        # as the citizen needs them; the rest follow in regulation order.
        "other_components": [
            {"number": n, "label": label, "value": value, "is_list": isinstance(value, list)}
            for n, label, value in components
            if n >= 6
        ],
        "office_hours": _week_hours(service.agency.hall),
        "counters": list(service.counters.all()),
    }


def _next_steps(request, service):
    """What the reader can do from the page: book a visit, take a number."""
    schedule = getattr(service, "booking_schedule", None)  # None: no schedule row
    hall = service.agency.hall
    return {
        "bookable": schedule is not None and schedule.is_active,
        # A kiosk (or hall staff at one) takes the number here; a citizen
        # reads where and when to take it.
        "can_issue": can(request.user, "queue.issue", hall=hall),
        "opening": hall_opening(hall),
    }


def service_detail(request, pk, slug):
    service = _service_for_page(pk)
    if slug != service.slug:
        return redirect(service.get_absolute_url(), permanent=True)
    context = {**_detail_context(service), **_next_steps(request, service)}
    count_view(request, "service", hall=service.agency.hall_id, obj=service)
    return render(request, "services/catalogue/detail.html", context)


def service_detail_print(request, pk, slug):
    service = _service_for_page(pk)
    if slug != service.slug:
        return redirect("services:detail_print", pk=service.pk, slug=service.slug, permanent=True)
    context = _detail_context(service)
    context["printed_at"] = timezone.localtime()
    return render(request, "services/catalogue/print.html", context)


# ---------------------------------------------------------------------------
# Management: agency admins (own agency) and hall admins (whole hall)
# ---------------------------------------------------------------------------
def _require_manager(user):
    if not can(user, "catalogue.manage"):
        raise PermissionDenied


@login_required
def service_manage(request):
    _require_manager(request.user)
    services = (
        Service.objects.visible_to(request.user)
        .select_related("agency")
        .order_by("agency__name", "name")
    )
    return render(request, "services/catalogue/manage_list.html", {"services": services})


@login_required
def service_create(request):
    _require_manager(request.user)
    form = ServiceForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        service = service_save(form=form, by=request.user, request=request)
        messages.success(request, _("Layanan “%(name)s” ditambahkan.") % {"name": service.name})
        return redirect("services:manage")
    return render(request, "services/catalogue/manage_form.html", {"form": form, "service": None})


@login_required
def service_edit(request, pk):
    _require_manager(request.user)
    # Another agency's service does not exist for this admin (404, not 403).
    service = get_object_or_404(
        Service.objects.visible_to(request.user).select_related("agency"), pk=pk
    )
    form = ServiceForm(request.POST or None, instance=service, user=request.user)
    if request.method == "POST" and form.is_valid():
        service = service_save(form=form, by=request.user, request=request)
        messages.success(request, _("Perubahan “%(name)s” disimpan.") % {"name": service.name})
        return redirect("services:manage")
    return render(
        request, "services/catalogue/manage_form.html", {"form": form, "service": service}
    )


urlpatterns = [
    path("layanan/", catalogue, name="catalogue"),
    path("layanan/kelola/", service_manage, name="manage"),
    path("layanan/kelola/baru/", service_create, name="manage_create"),
    path("layanan/kelola/<int:pk>/", service_edit, name="manage_edit"),
    path("layanan/<int:pk>-<slug:slug>/", service_detail, name="detail"),
    path("layanan/<int:pk>-<slug:slug>/cetak/", service_detail_print, name="detail_print"),
]
