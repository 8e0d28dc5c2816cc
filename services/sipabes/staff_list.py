"""Staff list of SIPABES registrations: filters, search, pages, CSV export.

Who sees it: the hall admin, the hall's SIPABES officers and the DPMPTSP's
agency admin (the agency that runs SIPABES), each only the registrations of
their own hall (``models.sipabes_hall_id``, the app's one scope). NIK and
phone are masked here and in the export; the full NIK is on the
registration's detail page only.

Routes are collected in services/sipabes/urls.py.
"""

import datetime

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.postgres.aggregates import StringAgg
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mpp_portal.accounts.models import User
from mpp_portal.accounts.permissions import Role
from mpp_portal.csv_export import CsvExport
from mpp_portal.masking import mask_nik, mask_phone
from mpp_portal.workdays import JAKARTA, day_start
from services.sipabes.models import Market, Registration, Visit, sipabes_hall_id

PAGE_SIZE = 50


def staff_hall_id(user):
    """Return the id of the hall whose registrations ``user`` may list, or None.

    The app's one reach (``models.sipabes_hall_id``), less API clients: this
    is a page for people.
    """
    if user.is_authenticated and user.role == Role.API_CLIENT:
        return None
    return sipabes_hall_id(user)


def staff_registrations(user):
    """Return the registrations ``user`` may list (none for anybody else)."""
    if not (user.is_superuser or staff_hall_id(user)):
        return Registration.objects.none()
    return Registration.objects.visible_to(user)


def _check_staff(user):
    if not (user.is_superuser or staff_hall_id(user)):
        raise PermissionDenied


class StaffFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Cari nama, nama usaha atau NIB"), required=False, max_length=100
    )
    kunjungan = forms.ModelChoiceField(
        label=gettext_lazy("Kunjungan"), queryset=Visit.objects.none(), required=False
    )
    pasar = forms.ModelChoiceField(
        label=gettext_lazy("Pasar"), queryset=Market.objects.none(), required=False
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("Semua"))] + Registration.Status.choices,
        required=False,
    )
    petugas = forms.ModelChoiceField(
        label=gettext_lazy("Petugas"), queryset=User.objects.none(), required=False
    )
    dari = forms.DateField(label=gettext_lazy("Didaftarkan dari"), required=False)
    sampai = forms.DateField(label=gettext_lazy("sampai"), required=False)

    def __init__(self, data, *, user):
        super().__init__(data)
        hall_id = staff_hall_id(user)
        markets = (
            Market.objects.all() if user.is_superuser else Market.objects.filter(hall_id=hall_id)
        )
        visits = Visit.objects.all() if user.is_superuser else Visit.objects.filter(hall_id=hall_id)
        officers = User.objects.filter(sipabes_registrations__isnull=False).distinct()
        if not user.is_superuser:
            officers = officers.filter(sipabes_registrations__hall_id=hall_id)
        self.fields["pasar"].queryset = markets.order_by("name")
        self.fields["kunjungan"].queryset = visits.select_related("market").order_by(
            "-date", "market__name"
        )
        self.fields["petugas"].queryset = officers.order_by("first_name", "last_name", "username")
        for name in ("kunjungan", "pasar", "petugas"):
            self.fields[name].empty_label = _("Semua")
        self.fields["petugas"].label_from_instance = lambda u: u.get_full_name() or u.username
        self.fields["kunjungan"].label_from_instance = lambda v: (
            f"{v.market.name}, {v.date:%d-%m-%Y}"
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("dari"), data.get("sampai")
        if start and end and start > end:
            self.add_error(
                "sampai", _("Tanggal akhir harus sama dengan atau sesudah tanggal awal.")
            )
        return data

    def filter(self, queryset):
        data = self.cleaned_data
        if data.get("q"):
            text = data["q"].strip()
            match = Q(name__icontains=text) | Q(business_name__icontains=text)
            digits = text.replace(" ", "")
            if digits.isdigit():
                match |= Q(nib__startswith=digits)
            queryset = queryset.filter(match)
        for field, name in [("visit", "kunjungan"), ("market", "pasar"), ("officer", "petugas")]:
            if data.get(name):
                queryset = queryset.filter(**{field: data[name]})
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        # Dates of registration in WIB: a range of instants keeps the index usable.
        if data.get("dari"):
            start = day_start(data["dari"])
            queryset = queryset.filter(created_at__gte=start)
        if data.get("sampai"):
            end = day_start(data["sampai"] + datetime.timedelta(days=1))
            queryset = queryset.filter(created_at__lt=end)
        return queryset


def _rows(request):
    """Return (form, queryset) for the request's filters; the queryset is empty if invalid."""
    form = StaffFilterForm(request.GET, user=request.user)
    queryset = staff_registrations(request.user)
    queryset = form.filter(queryset) if form.is_valid() else queryset.none()
    return form, queryset.select_related("market", "visit", "officer").order_by(
        "-created_at", "-pk"
    )


def _detail_url(registration):
    try:
        return reverse("sipabes:registration", args=[registration.pk])
    except NoReverseMatch:
        return ""


@login_required
def staff_list(request):
    """The hall's registrations, 50 a page, newest first."""
    _check_staff(request.user)
    form, queryset = _rows(request)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("halaman"))
    for registration in page.object_list:
        registration.masked_nik = mask_nik(registration.nik)
        registration.masked_phone = mask_phone(registration.phone)
        registration.detail_url = _detail_url(registration)
    params = request.GET.copy()
    params.pop("halaman", None)
    return render(
        request,
        "sipabes/staff_list/page.html",
        {
            "form": form,
            "page": page,
            "querystring": params.urlencode(),
            "query": request.GET.urlencode(),
        },
        status=200 if form.is_valid() else 400,
    )


CSV_HEADER = [
    "Kode tanda terima",
    "Tanggal daftar",
    "Nama pelaku usaha",
    "NIK (disamarkan)",
    "Nomor HP (disamarkan)",
    "Nama usaha",
    "KBLI",
    "Pasar",
    "Kecamatan",
    "Blok",
    "Nomor kios/los",
    "Skala",
    "Risiko",
    "Modal usaha (Rp)",
    "Tenaga kerja",
    "Status",
    "Alasan",
    "NIB",
    "Tanggal terbit NIB",
    "Petugas",
    "Kunjungan",
]


@login_required
def staff_list_csv(request):
    """Every registration the filters match, masked, as CSV (one query for the rows)."""
    _check_staff(request.user)
    form, queryset = _rows(request)
    if not form.is_valid():
        return render(
            request,
            "sipabes/staff_list/page.html",
            {"form": form, "page": None, "querystring": "", "query": ""},
            status=400,
        )
    stamp = timezone.localtime(timezone=JAKARTA)
    writer = CsvExport(request, f"sipabes-pendaftaran-{stamp:%Y%m%d-%H%M}.csv")
    writer.writerow(CSV_HEADER)
    rows = queryset.annotate(
        kbli_codes=StringAgg("kbli__code", delimiter=" ", order_by="kbli__code", default="")
    )
    for reg in rows.iterator(chunk_size=2000):
        writer.writerow(
            [
                reg.receipt_code,
                timezone.localtime(reg.created_at, JAKARTA).strftime("%Y-%m-%d %H:%M"),
                reg.name,
                mask_nik(reg.nik),
                mask_phone(reg.phone),
                reg.business_name,
                reg.kbli_codes,
                reg.market.name,
                reg.market.district_name,
                reg.block,
                reg.stall_number,
                reg.get_scale_display(),
                reg.get_risk_display(),
                reg.capital,
                reg.workers,
                reg.get_status_display(),
                reg.status_reason,
                reg.nib or "",
                reg.nib_issued_on.isoformat() if reg.nib_issued_on else "",
                reg.officer.get_full_name() or reg.officer.username,
                f"{reg.visit.date:%Y-%m-%d}" if reg.visit_id else "",
            ]
        )
    return writer.response


urlpatterns = [
    path("sipabes/kelola/pendaftaran/", staff_list, name="staff_list"),
    path("sipabes/kelola/pendaftaran/csv/", staff_list_csv, name="staff_list_csv"),
]
