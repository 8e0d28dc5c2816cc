"""Pages of the queue: statistics dashboard and its CSV export.

Routes are collected in services/urls.py.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _

from mpp_portal.accounts.permissions import can
from mpp_portal.csv_export import CsvExport
from services import stats
from services.forms.stats import StatsFilterForm

MEASURE_HEADER = [
    "Tiket diambil",
    "Dilayani",
    "Tidak hadir",
    "Dialihkan",
    "Dibatalkan",
    "Median waktu tunggu (menit)",
    "P90 waktu tunggu (menit)",
    "Median waktu layanan (menit)",
    "P90 waktu layanan (menit)",
]
CSV_HEADER = ["Tanggal", "Instansi", "Kode", "Layanan", *MEASURE_HEADER]


def _check_can_see_stats(user):
    """Hall admins see their hall, agency admins their agency; nobody else."""
    if not can(user, "stats.view") or not user.hall_id:
        raise PermissionDenied


def _filter_form(request):
    data = request.GET.copy()
    if not data.get("preset") and not (data.get("start") or data.get("end")):
        data["preset"] = "today"
    return StatsFilterForm(data, user=request.user)


@login_required
def stats_page(request):
    _check_can_see_stats(request.user)
    form = _filter_form(request)
    data = charts = None
    if form.is_valid():
        scope = form.scope()
        data = stats.dashboard(scope)
        charts = stats.chart_data(data)
    context = {
        "form": form,
        "data": data,
        "charts": charts,
        "chart_labels": {
            "issued": _("Diambil"),
            "served": _("Dilayani"),
            "median": _("Median"),
            "p90": _("P90"),
            "minutes": _("menit"),
        },
        "query": request.GET.urlencode(),
    }
    return render(request, "services/stats/dashboard.html", context)


def _minutes(value):
    # A number, so the writer gives it the decimal mark of the file's variant.
    return None if value is None else round(float(value), 1)


@login_required
def stats_csv(request):
    _check_can_see_stats(request.user)
    form = _filter_form(request)
    if not form.is_valid():
        return HttpResponseBadRequest(" ".join(form.non_field_errors()) or _("Filter tidak sah."))
    scope = form.scope()
    writer = CsvExport(request, f"statistik-antrean-{scope.start:%Y%m%d}-{scope.end:%Y%m%d}.csv")
    # The file opens with the day x service table; the per-agency and
    # per-counter tables of the dashboard follow, each after an empty row
    # and a title row.
    writer.writerow(CSV_HEADER)
    for row in stats.day_service_rows(scope):
        service = row["service"]
        writer.writerow(
            [row["day"].isoformat(), service.agency.name, service.code, service.name]
            + _measures(row)
        )
    if not scope.agency_id:
        writer.writerows([[], ["Per instansi"], ["Instansi", *MEASURE_HEADER]])
        for row in stats.agency_rows(scope):
            writer.writerow([row["agency"].name, *_measures(row)])
    # A counter issues no tickets: "Tiket diambil" is empty, and transfers
    # are counted by service, so "Dialihkan" too.
    writer.writerows([[], ["Per loket"], ["Loket", "Instansi", *MEASURE_HEADER]])
    for row in stats.counter_rows(scope):
        counter = row["counter"]
        measures = _measures(row)
        measures[0] = measures[3] = ""
        writer.writerow([str(counter.label), counter.agency.name, *measures])
    return writer.response


def _measures(row):
    return [
        row["issued"],
        row["served"],
        row["no_show"],
        row["transferred"],
        row["cancelled"],
        _minutes(row["wait_median"]),
        _minutes(row["wait_p90"]),
        _minutes(row["service_median"]),
        _minutes(row["service_p90"]),
    ]


urlpatterns = [
    path("antrean/statistik/", stats_page, name="stats"),
    path("antrean/statistik/csv/", stats_csv, name="stats_csv"),
]
