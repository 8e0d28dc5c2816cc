"""Filter of the queue statistics page: a date range and, for a hall admin, an agency."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mpp_portal.organizations.models import Agency
from services.stats import StatsScope

PRESET_CHOICES = [
    ("today", _("Hari ini")),
    ("7d", _("7 hari terakhir")),
    ("month", _("Bulan ini")),
    ("custom", _("Rentang tanggal")),
]
MAX_RANGE_DAYS = 366


class StatsFilterForm(forms.Form):
    """Date range (a preset or two dates) and, for a hall admin, one agency."""

    preset = forms.ChoiceField(
        label=_("Periode"), choices=PRESET_CHOICES, required=False, initial="today"
    )
    start = forms.DateField(
        label=_("Dari tanggal"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=_("Sampai tanggal"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    agency = forms.ModelChoiceField(
        label=_("Instansi"),
        queryset=Agency.objects.none(),
        required=False,
        empty_label=_("Semua instansi"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.user = user
        if user.is_hall_admin:
            self.fields["agency"].queryset = Agency.objects.filter(hall_id=user.hall_id)
        else:
            del self.fields["agency"]

    def clean(self):
        cleaned = super().clean()
        today = timezone.localdate()
        preset = cleaned.get("preset") or "today"
        start, end = cleaned.get("start"), cleaned.get("end")
        if preset == "custom" or (start and end and not self.data.get("preset")):
            preset = "custom"
            start, end = start or today, end or start or today
            if start > end:
                raise forms.ValidationError(
                    _("Tanggal awal harus sebelum atau sama dengan tanggal akhir.")
                )
            if (end - start).days >= MAX_RANGE_DAYS:
                raise forms.ValidationError(_("Rentang tanggal paling lama satu tahun."))
        elif preset == "7d":
            start, end = today - datetime.timedelta(days=6), today
        elif preset == "month":
            start, end = today.replace(day=1), today
        else:
            start = end = today
        cleaned.update(preset=preset, start=start, end=end)
        return cleaned

    def scope(self) -> StatsScope:
        """Return the scope of a valid form; an agency admin always gets their own agency."""
        data = self.cleaned_data
        if self.user.is_hall_admin:
            agency = data.get("agency")
            agency_id = agency.pk if agency else None
        else:
            agency_id = self.user.agency_id
        return StatsScope(
            hall_id=self.user.hall_id, start=data["start"], end=data["end"], agency_id=agency_id
        )
