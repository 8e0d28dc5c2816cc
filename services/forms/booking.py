"""Forms of online booking: the citizen's data, a service's schedule, closing a day."""

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mpp_portal.audit import record
from mpp_portal.identity import validate_nik, validate_phone
from services import booking as bookings
from services.models import BookingSchedule, Service

WEEKDAYS = [
    (0, _("Senin")),
    (1, _("Selasa")),
    (2, _("Rabu")),
    (3, _("Kamis")),
    (4, _("Jumat")),
    (5, _("Sabtu")),
    (6, _("Minggu")),
]


class BookingForm(forms.Form):
    """Who is coming. NIK and phone follow mpp_portal.identity, as the core does."""

    name = forms.CharField(
        label=_("Nama lengkap"),
        max_length=150,
        help_text=_("Sesuai KTP-el."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    nik = forms.CharField(
        label=_("NIK"),
        max_length=24,
        help_text=_("16 angka pada KTP-el atau Kartu Keluarga."),
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9 ]*"}
        ),
    )
    phone = forms.CharField(
        label=_("Nomor WhatsApp"),
        max_length=20,
        help_text=_("Kode pemesanan dan pengingat dikirim ke nomor ini. Contoh: 081234567890."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label=_("Surel (tidak wajib)"),
        required=False,
        help_text=_("Salinan bukti pemesanan juga dikirim ke sini."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())

    def clean_nik(self):
        return validate_nik(self.cleaned_data["nik"])

    def clean_phone(self):
        return validate_phone(self.cleaned_data["phone"])


class BootstrapMixin:
    """Bootstrap classes on the widgets, so templates render ``{{ field }}`` as is."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if getattr(widget, "input_type", "") == "checkbox":
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select"
            else:
                widget.attrs["class"] = "form-control"


def add_booking_errors(form, exc):
    """Put a core ValidationError on the form's fields (date/slot ones on the form)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class BookingScheduleForm(BootstrapMixin, forms.ModelForm):
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Hari pemesanan"),
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Pilih paling sedikit satu hari.")},
    )

    class Meta:
        model = BookingSchedule
        fields = [
            "is_active",
            "weekdays",
            "opens",
            "closes",
            "slot_minutes",
            "seats_per_slot",
            "daily_quota",
            "days_ahead",
            "same_day_cutoff",
            "booked_first",
        ]
        widgets = {
            "opens": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "closes": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "same_day_cutoff": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        error_messages = {
            field: {
                "min_value": _("Nilai paling kecil %(limit_value)s."),
                "invalid": _("Isi dengan angka atau jam yang benar."),
                "required": _("Wajib diisi."),
            }
            for field in ["opens", "closes", "slot_minutes", "seats_per_slot", "daily_quota"]
            + ["days_ahead", "same_day_cutoff"]
        }

    def clean_days_ahead(self):
        days = self.cleaned_data["days_ahead"]
        if days > 90:
            raise ValidationError(_("Paling jauh 90 hari ke depan."))
        return days

    def clean(self):
        data = super().clean()
        opens, closes, minutes = data.get("opens"), data.get("closes"), data.get("slot_minutes")
        if opens and closes and minutes and opens < closes:
            length = datetime.datetime.combine(
                datetime.date.min, closes
            ) - datetime.datetime.combine(datetime.date.min, opens)
            if length < datetime.timedelta(minutes=minutes):
                self.add_error("slot_minutes", _("Satu slot lebih panjang dari jam pemesanan."))
        service = self.instance.service if self.instance.service_id else None
        weekdays = data.get("weekdays")
        if service is not None and weekdays and opens and closes and opens < closes:
            error = bookings.schedule_hours_error(
                hall=service.agency.hall, weekdays=weekdays, opens=opens, closes=closes
            )
            if error:
                self.add_error(None, error)
        seats, quota = data.get("seats_per_slot"), data.get("daily_quota")
        if seats and quota and quota < seats:
            self.add_error("daily_quota", _("Kuota harian tidak boleh kurang dari kursi per slot."))
        return data


class CloseDayForm(BootstrapMixin, forms.Form):
    date = forms.DateField(
        label=_("Tanggal"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Tanggal tidak valid."), "required": _("Pilih tanggal.")},
    )
    service = forms.ModelChoiceField(
        label=_("Layanan"),
        queryset=Service.objects.none(),
        required=False,
        empty_label=_("Semua layanan"),
        help_text=_("Kosongkan untuk menutup semua layanan di gedung ini."),
    )
    reason = forms.CharField(
        label=_("Alasan"),
        max_length=200,
        help_text=_("Dikirim kepada warga yang pemesanannya dibatalkan."),
        error_messages={"required": _("Tuliskan alasan penutupan.")},
    )

    def __init__(self, *args, hall, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = (
            Service.objects.active()
            .filter(agency__hall=hall, booking_schedule__isnull=False)
            .select_related("agency")
            .order_by("agency__short_name", "name")
        )
        self.fields["service"].label_from_instance = lambda s: f"{s.agency.short_name} · {s.name}"

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day < timezone.localdate():
            raise ValidationError(_("Tanggal sudah lewat."))
        return day


class CheckInForm(forms.Form):
    code = forms.CharField(
        label=_("Kode pemesanan"),
        max_length=40,
        help_text=_("Ketik 8 huruf/angka kode Anda, atau pindai kode QR."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "autofocus": True}
        ),
        error_messages={"required": _("Ketik atau pindai kode pemesanan Anda.")},
    )

    def clean_code(self):
        # A scanner may send the code with a trailing newline or spaces.
        return "".join(self.cleaned_data["code"].split()).upper()


def booking_schedule_save(*, form: BookingScheduleForm, by, request=None) -> BookingSchedule:
    """Save a valid schedule form and audit what changed (times as text for JSON)."""
    is_new = form.instance.pk is None
    with transaction.atomic():
        before = {}
        if not is_new:
            before = BookingSchedule.objects.filter(pk=form.instance.pk).values().first() or {}
        schedule = form.save()
        changes = {}
        for name in form.changed_data:
            new = getattr(schedule, name)
            old = before.get(name)
            if is_new or old != new:
                changes[name] = [_plain(old), _plain(new)]
        record(
            actor=by,
            action="booking.schedule_create" if is_new else "booking.schedule_update",
            obj=schedule,
            changes=changes,
            request=request,
        )
    return schedule


def _plain(value):
    if value is None or isinstance(value, (bool, int, str, list)):
        return value
    return str(value)


class BookingFindForm(forms.Form):
    """The booking code (PDF, QR, message) and the phone number it was made with."""

    code = forms.CharField(
        label=_("Kode pemesanan"),
        max_length=12,
        help_text=_("Delapan huruf dan angka di bukti pemesanan, mis. AB12CD34."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Nomor WhatsApp yang dipakai saat memesan"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def clean_code(self):
        return re.sub(r"[\s-]", "", self.cleaned_data["code"]).upper()

    def clean_phone(self):
        return validate_phone(self.cleaned_data["phone"])


class BookingCodeForm(forms.Form):
    """The one-time code sent to the booking's phone (BOOKING_OTP)."""

    code = forms.CharField(
        label=_("Kode konfirmasi"),
        max_length=12,
        help_text=_("Enam angka yang kami kirim lewat SMS/WhatsApp."),
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 12}
        ),
    )

    def clean_code(self):
        code = re.sub(r"\D", "", self.cleaned_data["code"])
        if len(code) != 6:
            raise forms.ValidationError(_("Kode konfirmasi terdiri dari 6 angka."))
        return code
