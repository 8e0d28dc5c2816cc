"""The public SIPABES investment dashboard page and its CSV export.

Routes are collected in services/sipabes/urls.py. The figures come from
services/sipabes/dashboard.py, the same function the API answers with.
"""

from django import forms
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mpp_portal.csv_export import CsvExport
from services.sipabes import dashboard
from services.sipabes.staff_list import staff_hall_id


class DashboardForm(forms.Form):
    """``?tahun=2024&kabupaten=Kabupaten Lebong``: both optional."""

    tahun = forms.TypedChoiceField(label=gettext_lazy("Tahun"), coerce=int, required=False)
    kabupaten = forms.ChoiceField(label=gettext_lazy("Kabupaten/kota"), required=False)

    def __init__(self, data, *, regencies):
        super().__init__(data)
        self.regencies = regencies
        self.fields["tahun"].choices = [(y, str(y)) for y in dashboard.year_choices()]
        self.fields["tahun"].error_messages["invalid_choice"] = _(
            "Pilih tahun antara %(first)s dan %(last)s."
        ) % {"first": dashboard.FIRST_YEAR, "last": dashboard.current_year()}
        self.fields["kabupaten"].choices = [(r, r) for r in regencies]
        self.fields["kabupaten"].error_messages["invalid_choice"] = _(
            "Kabupaten/kota ini tidak mempunyai gedung MPP di portal ini."
        )

    def scope(self):
        """Return (regency, year) chosen, the defaults filled in."""
        year = self.cleaned_data.get("tahun") or dashboard.current_year()
        regency = self.cleaned_data.get("kabupaten") or (
            self.regencies[0] if self.regencies else None
        )
        return regency, year


def _form(request):
    return DashboardForm(request.GET, regencies=dashboard.regencies())


def dashboard_page(request):
    """Show the dashboard of one regency and year. Public: aggregates only."""
    form = _form(request)
    data = charts = None
    if form.is_valid():
        regency, year = form.scope()
        if regency:
            data = dashboard.cached_dashboard(regency=regency, year=year)
            charts = dashboard.chart_data(data)
    context = {
        "form": form,
        "data": data,
        "charts": charts,
        "sections": [
            {"name": name, "title": title, "block": data[name]}
            for name, title in dashboard.BREAKDOWNS.items()
        ]
        if data
        else [],
        "notes": {
            "capital": dashboard.CAPITAL_NOTE,
            "privacy": dashboard.PRIVACY_NOTE,
            "population": dashboard.POPULATION_NOTE,
        },
        "chart_labels": {
            "traders": _("Pelaku usaha terdaftar"),
            "nib_issued": _("NIB terbit"),
            "capital": _("Modal usaha (Rp)"),
        },
        "query": request.GET.urlencode(),
        "cache_minutes": max(1, dashboard.cache_seconds() // 60),
        # Staff who may see the registrations behind the figures get a link.
        "staff_list": request.user.is_superuser or staff_hall_id(request.user) is not None,
    }
    return render(
        request, "sipabes/dashboard/page.html", context, status=200 if form.is_valid() else 400
    )


CSV_MEASURES = ["Pelaku usaha terdaftar", "NIB terbit", "Tenaga kerja", "Modal usaha (Rp)"]
CSV_TITLES = {
    "by_month": ("Per bulan", "Bulan"),
    "by_district": ("Per kecamatan", "Kecamatan"),
    "by_market": ("Per pasar", "Pasar"),
    "by_kbli_section": ("Per kategori KBLI 2020", "Kategori"),
    "by_scale": ("Per skala usaha", "Skala"),
}


def _csv_values(row):
    # A suppressed group's figures are empty cells, never zeros.
    return [row["traders"], row["nib_issued"], row["workers"], row["capital"]]


def dashboard_csv(request):
    """The dashboard's figures as CSV, one block per breakdown."""
    form = _form(request)
    if not form.is_valid():
        return render(
            request,
            "sipabes/dashboard/page.html",
            {"form": form, "data": None},
            status=400,
        )
    regency, year = form.scope()
    writer = CsvExport(request, f"sipabes-dasbor-{year}.csv")
    writer.writerow(["Dasbor SIPABES", regency or "", year])
    if regency is None:
        return writer.response
    data = dashboard.cached_dashboard(regency=regency, year=year)
    writer.writerow(["", *CSV_MEASURES])
    writer.writerow(["Jumlah", *_csv_values(data["totals"])])
    writer.writerow(["Target investasi kabupaten (Rp)", data["target"]["amount"]])
    writer.writerow(["Modal usaha terhadap target (%)", data["target"]["capital_share_percent"]])
    for name, (title, key_label) in CSV_TITLES.items():
        block = data[name]
        writer.writerows([[], [title], [key_label, *CSV_MEASURES]])
        for row in block["rows"]:
            label = row["label"]
            if name == "by_kbli_section":
                label = f"{row['key']} {label}"
            elif name == "by_market":
                label = f"{label} ({row['district_name']})"
            writer.writerow([label, *_csv_values(row)])
        if block["other"]:
            writer.writerow([block["other"]["label"], *_csv_values(block["other"])])
    writer.writerows(
        [
            [],
            [str(dashboard.POPULATION_NOTE)],
            [str(dashboard.CAPITAL_NOTE)],
            [str(dashboard.PRIVACY_NOTE)],
        ]
    )
    return writer.response


urlpatterns = [
    path("sipabes/dasbor/", dashboard_page, name="dashboard"),
    path("sipabes/dasbor/csv/", dashboard_csv, name="dashboard_csv"),
]
