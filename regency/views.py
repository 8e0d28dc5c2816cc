"""The regency's dashboard: /dasbor/ (staff) and /mpp/<hall>/dasbor/ (public).

Both pages render every tile of ``regency.figures.build_all`` for one hall
and period, with the previous period for comparison; ``?format=csv`` (or
the /csv/ path) gives the same figures as a CSV file. The staff page is for
``dashboard.view``: the hall admin and the signatory (the bupati) see the
whole hall, an agency admin their agency's slice. The public page shows the
aggregates every tile marks public (``Context.public``), with the public
links only.
"""

import dataclasses
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.translation import get_language

from mpp_portal.accounts.models import User
from mpp_portal.accounts.permissions import can
from mpp_portal.csv_export import CsvExport
from mpp_portal.organizations.models import Hall
from mpp_portal.workdays import JAKARTA
from regency.figures import Context, build_all, csv_rows
from regency.forms import PeriodForm

TEMPLATE = "regency/dashboard.html"
# How long a page's figures are reused: settings.REGENCY_DASHBOARD_CACHE_SECONDS
# (0 computes every request). The bupati's second look, the print and the CSV
# reuse the first one's figures, and the page says when they were computed.
# The staff pages a tile links to, and who may open them; a user without the
# capability gets the tile's public link instead (or none).
LINK_CAPABILITIES = {
    "agreements:coverage": "agreements.view",
    "forums:manage_list": "forum.manage",
    "forums:agency_items": "forum.follow_up",
    "services:ikm": "ikm.view",
    "services:stats": "stats.view",
    "complaints:agency_list": "complaint.staff_pages",
}


def _scope(user):
    """(hall, agency) of the user's dashboard; PermissionDenied when none."""
    if not can(user, "dashboard.view"):
        raise PermissionDenied
    if user.role == User.Role.AGENCY_ADMIN and not user.is_superuser:
        if user.agency_id is None:
            raise PermissionDenied
        return user.agency.hall, user.agency
    if user.hall_id is None:
        hall = Hall.objects.filter(is_active=True).order_by("pk").first()
        if hall is None or not user.is_superuser:
            raise PermissionDenied
        return hall, None
    return user.hall, None


def _may_open(user, url):
    try:
        name = resolve(url.split("?")[0]).view_name
    except Resolver404:
        return False
    capability = LINK_CAPABILITIES.get(name)
    return capability is None or can(user, capability)


def _delta(figure):
    """Direction, size and meaning of the change against the previous period."""
    value, before = figure.value, figure.previous
    if not isinstance(value, (int, float, Decimal)) or not isinstance(
        before, (int, float, Decimal)
    ):
        return None
    change = value - before
    if change == 0:
        return {"direction": "same", "change": change, "tone": "neutral"}
    direction = "up" if change > 0 else "down"
    tone = "neutral"
    if figure.higher_is_better is not None:
        tone = "good" if (change > 0) == figure.higher_is_better else "bad"
    return {"direction": direction, "change": abs(change), "tone": tone}


def _view_tiles(tiles, user=None, public=False):
    """Tiles with each figure's delta and the link this visitor may follow."""
    out = []
    for tile in tiles:
        if public:
            link = tile.public_url
        elif tile.url and _may_open(user, tile.url):
            link = tile.url
        else:
            link = tile.public_url
        out.append(
            {
                "tile": tile,
                "link": link,
                "figures": [{"figure": f, "delta": _delta(f)} for f in tile.figures],
                "chart": dataclasses.asdict(tile.chart) if tile.chart else None,
            }
        )
    return out


def _csv(request, ctx, tiles):
    """Every figure, then every table, of the page as one CSV file."""
    scope = ctx.hall.slug + (f"-{ctx.agency.slug}" if ctx.agency is not None else "")
    rows = CsvExport(request, f"dasbor-{scope}-{ctx.period.slug}.csv")
    rows.writerows(csv_rows(ctx, tiles))
    return rows.response


def cache_seconds():
    return settings.REGENCY_DASHBOARD_CACHE_SECONDS


def _tiles(ctx):
    """(tiles, computed at) for ``ctx``: from the cache when computed lately."""
    seconds = cache_seconds()
    if seconds <= 0:
        return build_all(ctx), timezone.now()
    agency = ctx.agency.pk if ctx.agency is not None else "-"
    key = ":".join(
        [
            "regency-dasbor-v1",
            str(ctx.hall.pk),
            str(agency),
            "public" if ctx.public else "staff",
            ctx.period.slug,
            get_language() or "",
            timezone.localdate(timezone=JAKARTA).isoformat(),
        ]
    )
    found = cache.get(key)
    if found is None:
        found = (build_all(ctx), timezone.now())
        cache.set(key, found, seconds)
    return found


def _page(request, ctx, form, *, public, csv):
    tiles, computed_at = _tiles(ctx)
    if csv:
        return _csv(request, ctx, tiles)
    view_tiles = _view_tiles(tiles, request.user, public=public)
    charts = {item["tile"].key: item["chart"] for item in view_tiles if item["chart"]}
    base = (
        reverse("regency:public_dashboard", args=[ctx.hall.slug])
        if public
        else reverse("regency:dashboard")
    )
    context = {
        "form": form,
        "ctx": ctx,
        "period": ctx.period,
        "previous": ctx.period.previous(),
        "tiles": view_tiles,
        "charts": charts,
        "public": public,
        "base_url": base,
        "query": urlencode(ctx.period.as_query()),
        "computed_at": computed_at,
        "cache_minutes": max(1, cache_seconds() // 60),
    }
    return render(request, TEMPLATE, context, status=400 if form.errors else 200)


def _wants_csv(request, csv):
    return csv or request.GET.get("format") == "csv"


@login_required
def dashboard(request, csv=False):
    """The staff dashboard of the user's hall (or agency slice)."""
    hall, agency = _scope(request.user)
    form = PeriodForm(request.GET)
    form.is_valid()
    ctx = Context(hall=hall, period=form.period, agency=agency)
    if form.errors and _wants_csv(request, csv):
        return _page(request, ctx, form, public=False, csv=False)
    return _page(request, ctx, form, public=False, csv=_wants_csv(request, csv))


def public_dashboard(request, slug, csv=False):
    """The public dashboard of one hall: aggregates only, public links only."""
    hall = get_object_or_404(Hall, slug=slug, is_active=True)
    form = PeriodForm(request.GET)
    form.is_valid()
    ctx = Context(hall=hall, period=form.period, public=True)
    if form.errors and _wants_csv(request, csv):
        return _page(request, ctx, form, public=True, csv=False)
    return _page(request, ctx, form, public=True, csv=_wants_csv(request, csv))


def public_index(request):
    """/dasbor/publik/: the public dashboard of the hall (a list when several)."""
    halls = list(Hall.objects.filter(is_active=True).order_by("name"))
    if len(halls) == 1:
        return redirect("regency:public_dashboard", slug=halls[0].slug)
    return render(request, "regency/dashboard_halls.html", {"halls": halls})
