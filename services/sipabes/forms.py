"""Forms of the SIPABES officer pages (also used for the queued JSON posts)."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mpp_portal.identity import nik_check, normalize_phone, validate_phone
from services.sipabes.models import Kbli, Market, Registration, nib_validator

RUPIAH_NOISE = re.compile(r"[\s.,]|^rp", re.IGNORECASE)


def parse_rupiah(value):
    """Return whole rupiah from "Rp 25.000.000", "25000000" or 25000000."""
    if isinstance(value, int):
        return value
    text = RUPIAH_NOISE.sub("", str(value or "").strip())
    if not text:
        raise ValidationError(_("Modal usaha wajib diisi."), code="required")
    if not text.isdigit():
        raise ValidationError(
            _("Tulis modal usaha dalam rupiah penuh, hanya angka, mis. 25.000.000."),
            code="invalid",
        )
    return int(text)


class RupiahField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        return parse_rupiah(value)


class KbliField(forms.MultipleChoiceField):
    """KBLI codes of the catalogue (checked against the database, not a fixed list)."""

    def valid_value(self, value):
        return True

    def validate(self, value):
        super().validate(value)
        known = set(Kbli.objects.filter(code__in=value).values_list("code", flat=True))
        unknown = [code for code in value if code not in known]
        if unknown:
            raise ValidationError(
                _("Kode KBLI tidak ada di katalog: %(codes)s.") % {"codes": ", ".join(unknown)},
                code="unknown_kbli",
            )


def clean_nik_value(value):
    result = nik_check(value)
    if result.errors:
        raise ValidationError([ValidationError(e, code="nik") for e in result.errors])
    return result.nik


class RegistrationForm(forms.Form):
    nik = forms.CharField(
        label=_("NIK"),
        max_length=24,
        help_text=_("16 angka sesuai KTP-el."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    name = forms.CharField(label=_("Nama lengkap"), max_length=150)
    phone = forms.CharField(
        label=_("Nomor HP/WhatsApp"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    email = forms.EmailField(label=_("Surel"), required=False)
    home_address = forms.CharField(label=_("Alamat rumah"), max_length=300)
    business_name = forms.CharField(label=_("Nama usaha"), max_length=150)
    kbli = KbliField(
        label=_("Kegiatan usaha (KBLI 2020)"),
        error_messages={"required": _("Pilih sedikitnya satu KBLI.")},
    )
    block = forms.CharField(label=_("Blok"), max_length=30, required=False)
    stall_number = forms.CharField(label=_("Nomor kios/los"), max_length=30, required=False)
    capital = RupiahField(
        label=_("Modal usaha (Rp)"),
        help_text=_("Rupiah penuh, tidak termasuk tanah dan bangunan tempat usaha."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    workers = forms.IntegerField(label=_("Jumlah tenaga kerja"), min_value=0, max_value=100000)
    consent = forms.BooleanField(
        label=_(
            "Pelaku usaha menyetujui data pribadinya diproses untuk pendaftaran NIB di OSS "
            "(UU 27/2022 tentang Pelindungan Data Pribadi)."
        ),
        error_messages={
            "required": _("Persetujuan pemrosesan data pribadi (UU 27/2022) wajib diberikan.")
        },
    )

    def clean_nik(self):
        return clean_nik_value(self.cleaned_data["nik"])

    def clean_phone(self):
        value = self.cleaned_data["phone"]
        if not value:
            return ""
        validate_phone(value)
        return normalize_phone(value)

    def clean_capital(self):
        capital = self.cleaned_data["capital"]
        try:
            Registration.scale_for(capital)  # refuses above menengah, with the reason
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc
        return capital

    def service_kwargs(self):
        data = dict(self.cleaned_data)
        data["kbli_codes"] = data.pop("kbli")
        return data


class AddActivityForm(forms.Form):
    kbli = KbliField(label=_("Tambah KBLI"), required=False)
    market = forms.ModelChoiceField(
        label=_("Pasar lokasi tambahan"), queryset=Market.objects.none(), required=False
    )
    block = forms.CharField(label=_("Blok"), max_length=30, required=False)
    stall_number = forms.CharField(label=_("Nomor kios/los"), max_length=30, required=False)

    def __init__(self, *args, hall_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["market"].queryset = Market.objects.filter(hall_id=hall_id, is_active=True)

    def clean(self):
        data = super().clean()
        if not data.get("kbli") and not data.get("market"):
            raise ValidationError(_("Tambahkan sedikitnya satu KBLI atau satu lokasi usaha."))
        return data


class NibForm(forms.Form):
    nib = forms.CharField(
        label=_("NIB dari OSS"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    nib_issued_on = forms.DateField(
        label=_("Tanggal terbit"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_nib(self):
        value = "".join(self.cleaned_data["nib"].split())
        nib_validator(value)
        return value

    def clean_nib_issued_on(self):
        value = self.cleaned_data["nib_issued_on"]
        if value > timezone.localdate():
            raise ValidationError(_("Tanggal terbit NIB tidak boleh di masa depan."))
        return value


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Alasan"), widget=forms.Textarea(attrs={"rows": 2}))


class HandOverForm(forms.Form):
    acknowledged = forms.BooleanField(
        label=_("Pelaku usaha telah menerima NIB dan tanda terimanya."),
        error_messages={
            "required": _("Centang bahwa pelaku usaha telah menerima NIB dan tanda terima.")
        },
    )
    note = forms.CharField(label=_("Catatan"), max_length=200, required=False)


class LookupForm(forms.Form):
    code = forms.CharField(label=_("Kode tanda terima"), max_length=20)
    nik_last4 = forms.CharField(
        label=_("4 angka terakhir NIK"),
        min_length=4,
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()

    def clean_nik_last4(self):
        value = self.cleaned_data["nik_last4"].strip()
        if not value.isdigit():
            raise ValidationError(_("Tulis 4 angka terakhir NIK."))
        return value


class CorrectionForm(RegistrationForm):
    """The data of a returned registration, corrected (the NIK and consent stay)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["nik"]
        del self.fields["consent"]

    @classmethod
    def initial_for(cls, registration):
        return {
            "name": registration.name,
            "phone": registration.phone,
            "email": registration.email,
            "home_address": registration.home_address,
            "business_name": registration.business_name,
            "kbli": [k.code for k in registration.kbli.all()],
            "block": registration.block,
            "stall_number": registration.stall_number,
            "capital": str(registration.capital),
            "workers": registration.workers,
        }

    def changes(self):
        data = dict(self.cleaned_data)
        data["kbli_codes"] = data.pop("kbli")
        return data
