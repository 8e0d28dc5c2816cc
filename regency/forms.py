"""The dashboard's period picker: ``?jenis=quarter&tahun=2026&ke=1``."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mpp_portal.workdays import JAKARTA
from regency.periods import KINDS, MONTH, Period

# The portal's first data (the hall opened in 2024); earlier years are empty.
FIRST_YEAR = 2024
PERIODS_PER_YEAR = {"month": 12, "quarter": 4, "semester": 2, "year": 1}


class PeriodForm(forms.Form):
    jenis = forms.ChoiceField(
        label=_("Jenis periode"),
        choices=list(KINDS.items()),
        error_messages={"invalid_choice": _("Pilih bulan, triwulan, semester atau tahun.")},
    )
    tahun = forms.IntegerField(
        label=_("Tahun"),
        error_messages={
            "invalid": _("Tahun harus berupa angka, mis. 2026."),
            "required": _("Isi tahunnya."),
        },
    )
    ke = forms.IntegerField(
        label=_("Ke-"),
        required=False,
        min_value=1,
        help_text=_("Bulan 1–12, triwulan 1–4, semester 1–2; kosong untuk tahun."),
        error_messages={
            "invalid": _("Isi nomor periode dengan angka, mis. 3 untuk Maret."),
            "min_value": _("Nomor periode mulai dari 1."),
        },
    )

    def __init__(self, data=None, *, today=None, **kwargs):
        self.today = today or timezone.localdate(timezone=JAKARTA)
        if data is not None and not any(data.get(k) for k in ("jenis", "tahun", "ke")):
            data = None  # no choice yet: this month
        super().__init__(data, **kwargs)

    def clean_tahun(self):
        year = self.cleaned_data["tahun"]
        if not FIRST_YEAR <= year <= self.today.year:
            raise forms.ValidationError(
                _("Pilih tahun antara %(first)s dan %(last)s."),
                params={"first": FIRST_YEAR, "last": self.today.year},
            )
        return year

    def clean(self):
        data = super().clean()
        kind, year, index = data.get("jenis"), data.get("tahun"), data.get("ke")
        if not kind or not year:
            return data
        last = PERIODS_PER_YEAR[kind]
        if index is None:
            index = 1 if last == 1 else Period.containing(kind, self.today).index
            if year != self.today.year:
                index = last
        if index > last:
            self.add_error(
                "ke",
                _("%(kind)s hanya sampai ke-%(last)s.") % {"kind": KINDS[kind], "last": last},
            )
            return data
        period = Period(kind, year, index)
        if period.is_future(self.today):
            self.add_error("ke", _("Periode itu belum dimulai."))
            return data
        data["period"] = period
        return data

    @property
    def period(self) -> Period:
        """The chosen period; this month when nothing (valid) was chosen."""
        if self.is_bound and self.is_valid():
            return self.cleaned_data["period"]
        return Period.containing(MONTH, self.today)

    def initial_values(self):
        period = self.period
        return {"jenis": period.kind, "tahun": period.year, "ke": period.index}
