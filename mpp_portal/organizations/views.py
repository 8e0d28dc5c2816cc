from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from mpp_portal.organizations.models import DEFAULT_CLOSES, DEFAULT_OPENS, Agency, Hall, OfficeHours
from mpp_portal.organizations.opening import hall_opening


def home(request):
    """The portal's front page: the hall and the agencies serving there.

    With several halls the visitor picks one; the user's own hall first.
    """
    halls = list(
        Hall.objects.filter(is_active=True).annotate(
            agency_count=Count("agencies", filter=Q(agencies__is_active=True))
        )
    )
    user = request.user
    if user.is_authenticated and user.hall_id:
        return redirect("organizations:hall", slug=user.hall.slug)
    if len(halls) == 1:
        return _render_hall(request, halls[0])
    return render(request, "organizations/hall_list.html", {"halls": halls})


def hall_detail(request, slug):
    hall = get_object_or_404(Hall, slug=slug, is_active=True)
    return _render_hall(request, hall)


def _render_hall(request, hall):
    query = request.GET.get("q", "").strip()[:100]
    agencies = (
        hall.agencies.active()
        .annotate(service_count=Count("services", filter=Q(services__is_active=True)))
        .order_by("kind", "name")
    )
    if query:
        # The no-JavaScript path of the search box; portal.js filters in place.
        agencies = agencies.filter(
            Q(name__icontains=query)
            | Q(short_name__icontains=query)
            | Q(description__icontains=query)
        )
    context = {
        "hall": hall,
        "query": query,
        "agencies": agencies,
        "agency_groups": _group_by_kind(agencies),
        "office_hours": _week_hours(hall),
        "opening": hall_opening(hall),
    }
    return render(request, "organizations/hall_detail.html", context)


def _group_by_kind(agencies):
    """Return [(label, [agency, ...])] in the order of Agency.Kind, skipping empty kinds."""
    by_kind = {}
    for agency in agencies:
        by_kind.setdefault(agency.kind, []).append(agency)
    return [(kind.label, by_kind[kind.value]) for kind in Agency.Kind if kind.value in by_kind]


def _week_hours(hall):
    """Return one row per weekday, Monday first, as Hall.hours_on() reads them."""
    configured = {h.weekday: h for h in hall.office_hours.all()}
    today = timezone.localdate().weekday()
    rows = []
    for day in OfficeHours.Weekday:
        if configured:
            entry = configured.get(day.value)
            hours = None if entry is None or entry.is_closed else (entry.opens, entry.closes)
        else:
            hours = (DEFAULT_OPENS, DEFAULT_CLOSES) if day.value < 5 else None
        rows.append({"label": day.label, "hours": hours, "is_today": day.value == today})
    return rows
