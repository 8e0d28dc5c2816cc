"""Forms of the visit-planning pages (hall admin, DPMPTSP admin): visits and markets."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from services.sipabes.models import LEBONG_DISTRICTS, Market
from services.sipabes.services import hall_officers

MAX_TARGET = 5000


class OfficerChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class VisitForm(forms.Form):
    """Plan or edit a visit: market and officers of the hall only, no date in the past."""

    market = forms.ModelChoiceField(
        label=_("Pasar"),
        queryset=Market.objects.none(),
        empty_label=_("— pilih pasar —"),
        error_messages={
            "required": _("Pilih pasar yang dikunjungi."),
            "invalid_choice": _("Pilih pasar aktif dari daftar."),
        },
    )
    date = forms.DateField(
        label=_("Tanggal kunjungan"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Isi tanggal kunjungan."),
            "invalid": _("Tulis tanggal yang sah, mis. 2026-12-20."),
        },
    )
    officers = OfficerChoiceField(
        label=_("Petugas"),
        queryset=hall_officers(None),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Petugas SIPABES gedung MPP ini yang berangkat ke pasar."),
        error_messages={
            "invalid_choice": _("Pilih petugas SIPABES dari daftar."),
            "invalid_pk_value": _("Pilih petugas SIPABES dari daftar."),
        },
    )
    target_traders = forms.IntegerField(
        label=_("Target pelaku usaha"),
        min_value=1,
        max_value=MAX_TARGET,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("Jumlah pedagang yang diharapkan terdaftar pada kunjungan ini."),
        error_messages={
            "required": _("Isi target jumlah pelaku usaha."),
            "invalid": _("Target pelaku usaha ditulis dengan angka bulat."),
            "min_value": _("Target pelaku usaha paling sedikit 1."),
            "max_value": _("Target pelaku usaha paling banyak %(limit_value)s."),
        },
    )
    notes = forms.CharField(
        label=_("Catatan"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _("Catatan paling panjang 2.000 karakter.")},
    )

    def __init__(self, *args, hall_id, visit=None, **kwargs):
        self.visit = visit
        if visit is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "market": visit.market_id,
                "date": visit.date,
                "officers": [o.pk for o in visit.officers.all()],
                "target_traders": visit.target_traders,
                "notes": visit.notes,
            }
        super().__init__(*args, **kwargs)
        markets = Market.objects.filter(hall_id=hall_id, is_active=True)
        if visit is not None:
            # A planned visit keeps its market even if it was made inactive meanwhile.
            markets = Market.objects.filter(
                Q(hall_id=hall_id, is_active=True) | Q(pk=visit.market_id)
            )
        self.fields["market"].queryset = markets.order_by("name")
        self.fields["officers"].queryset = hall_officers(hall_id)

    def clean_date(self):
        date = self.cleaned_data["date"]
        unchanged = self.visit is not None and date == self.visit.date
        if date < timezone.localdate() and not unchanged:
            raise ValidationError(
                _("Tanggal kunjungan tidak boleh sebelum hari ini."), code="past_date"
            )
        return date

    def service_kwargs(self):
        data = self.cleaned_data
        return {
            "market": data["market"],
            "date": data["date"],
            "officers": list(data["officers"]),
            "target_traders": data["target_traders"],
            "notes": data["notes"].strip(),
        }


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Alasan membuka kembali"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": _("Tuliskan alasan membuka kembali kunjungan."),
            "max_length": _("Alasan paling panjang 500 karakter."),
        },
    )


class MarketForm(forms.ModelForm):
    """Add or change one market of the hall (kecamatan from Lebong's twelve)."""

    class Meta:
        model = Market
        fields = [
            "name",
            "village",
            "district_code",
            "address",
            "latitude",
            "longitude",
            "is_active",
        ]
        labels = {
            "name": _("Nama pasar"),
            "village": _("Kelurahan/desa"),
            "district_code": _("Kecamatan"),
            "address": _("Alamat"),
            "latitude": _("Lintang"),
            "longitude": _("Bujur"),
            "is_active": _("Aktif (dapat dipilih untuk kunjungan baru)"),
        }
        help_texts = {
            "latitude": _("Derajat desimal, mis. -3.1702; isi bersama bujur."),
            "longitude": _("Derajat desimal, mis. 102.2210; isi bersama lintang."),
        }
        error_messages = {
            "name": {
                "required": _("Isi nama pasar."),
                "max_length": _("Nama pasar paling panjang %(limit_value)d karakter."),
            },
            "village": {
                "required": _("Isi kelurahan/desa."),
                "max_length": _("Kelurahan/desa paling panjang %(limit_value)d karakter."),
            },
            "district_code": {
                "required": _("Pilih kecamatan."),
                "invalid_choice": _("Pilih salah satu kecamatan Kabupaten Lebong."),
            },
            "address": {"max_length": _("Alamat paling panjang %(limit_value)d karakter.")},
            "latitude": {"invalid": _("Lintang ditulis sebagai angka desimal, mis. -3.1702.")},
            "longitude": {"invalid": _("Bujur ditulis sebagai angka desimal, mis. 102.2210.")},
        }

    def __init__(self, *args, hall_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.hall_id = hall_id
        self.instance.hall_id = hall_id
        self.fields["district_code"].choices = [("", _("— pilih kecamatan —"))] + [
            (code, f"{name} ({code})") for code, name in LEBONG_DISTRICTS
        ]
        for name in ("latitude", "longitude"):
            field = self.fields[name]
            field.widget = forms.TextInput(attrs={"inputmode": "decimal"})
            # Django's own messages for too many digits: say it plainly.
            field.error_messages.update(
                {
                    "max_digits": _("Tulis paling banyak 6 angka di belakang koma."),
                    "max_decimal_places": _("Tulis paling banyak 6 angka di belakang koma."),
                    "max_whole_digits": _("Angka derajat terlalu besar."),
                }
            )

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        taken = Market.objects.filter(hall_id=self.hall_id, name__iexact=name)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(
                _("Pasar dengan nama ini sudah ada di gedung MPP ini."), code="duplicate"
            )
        return name

    def clean_latitude(self):
        value = self.cleaned_data.get("latitude")
        if value is not None and not Decimal(-90) <= value <= Decimal(90):
            raise ValidationError(_("Lintang berada antara -90 dan 90."), code="range")
        return value

    def clean_longitude(self):
        value = self.cleaned_data.get("longitude")
        if value is not None and not Decimal(-180) <= value <= Decimal(180):
            raise ValidationError(_("Bujur berada antara -180 dan 180."), code="range")
        return value

    def clean(self):
        data = super().clean()
        lat, lon = data.get("latitude"), data.get("longitude")
        if (lat is None) != (lon is None) and not (
            self.has_error("latitude") or self.has_error("longitude")
        ):
            missing = "longitude" if lon is None else "latitude"
            self.add_error(missing, _("Isi lintang dan bujur bersama, atau kosongkan keduanya."))
        return data
