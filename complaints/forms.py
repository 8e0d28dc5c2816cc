"""Forms of the complaint pages. Validation here is for people (clear
Indonesian messages); the services check the rules again."""

from urllib.parse import parse_qs, urlparse

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import DESCRIPTION_MAX, DESCRIPTION_MIN, TITLE_MAX, Category, Complaint
from complaints.services import MAX_ATTACHMENTS
from mpp_portal.documents.uploads import clean_upload
from mpp_portal.i18n import format_lazy_percent
from mpp_portal.identity import validate_phone
from mpp_portal.organizations.models import Agency, Hall

KIND_HELP = {
    Complaint.Kind.COMPLAINT: _(
        "Keluhan atas layanan yang tidak sesuai standar, mis. lambat, dipungut biaya tidak resmi, "
        "atau petugas tidak ramah."
    ),
    Complaint.Kind.ASPIRATION: _("Saran atau usulan untuk memperbaiki layanan."),
    Complaint.Kind.INFORMATION: _(
        "Pertanyaan tentang persyaratan, biaya, waktu, atau prosedur layanan."
    ),
}


def _mb():
    return settings.MAX_UPLOAD_BYTES // (1024 * 1024)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Up to ``MAX_ATTACHMENTS`` files, each cleaned by
    ``mpp_portal.documents.uploads.clean_upload`` in the form's own pass.

    ``clean()`` returns the ``CleanedFile`` objects, which the complaint
    services store as they are. A file that fails is named in its error and
    kept in ``refused``, so that a form sent back can tell which of the
    chosen files were fine (``ComplaintForm.files_to_choose_again``).
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,application/pdf"}),
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data or []) if f] if isinstance(data, list | tuple) else []
        if data and not isinstance(data, list | tuple):
            files = [data]
        self.refused = set()
        if len(files) > MAX_ATTACHMENTS:
            raise ValidationError(
                _("Paling banyak %(n)s lampiran.") % {"n": MAX_ATTACHMENTS}, code="too_many"
            )
        # Every file is checked, in the same pass as the other fields: a
        # renamed .exe is reported with a missing title, not after it.
        cleaned, errors = [], []
        for upload in files:
            try:
                cleaned.append(clean_upload(upload, stem="lampiran"))
            except ValidationError as exc:
                errors.extend(exc.error_list)
                self.refused.add(upload.name)
        if errors:
            raise ValidationError(errors)
        return cleaned


def attachments_field(label=None):
    return MultipleFileField(
        label=label or _("Lampiran"),
        help_text=format_lazy_percent(
            _(
                "Foto (JPEG, PNG, WebP) atau PDF, paling banyak %(n)s berkas, masing-masing "
                "paling besar %(mb)s MB. Data lokasi dan kamera pada foto dihapus otomatis."
            ),
            n=MAX_ATTACHMENTS,
            mb=_mb(),
        ),
    )


def not_future(value):
    if value and value > timezone.localdate():
        raise ValidationError(_("Tanggal kejadian tidak boleh di masa depan."))


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ComplaintForm(forms.Form):
    """The public form (and the counter's, with ``counter=True``)."""

    hall = forms.ModelChoiceField(
        label=_("Gedung MPP"), queryset=Hall.objects.none(), empty_label=_("Pilih gedung MPP")
    )
    kind = forms.ChoiceField(
        label=_("Jenis laporan"),
        choices=Complaint.Kind.choices,
        initial=Complaint.Kind.COMPLAINT,
        widget=forms.RadioSelect,
    )
    title = forms.CharField(
        label=_("Judul"),
        max_length=TITLE_MAX,
        help_text=format_lazy_percent(_("Ringkas, paling banyak %(n)s karakter."), n=TITLE_MAX),
        widget=forms.TextInput(attrs={"data-counter": TITLE_MAX}),
    )
    description = forms.CharField(
        label=_("Uraian"),
        min_length=DESCRIPTION_MIN,
        max_length=DESCRIPTION_MAX,
        help_text=format_lazy_percent(
            _(
                "Ceritakan apa yang terjadi, kapan, dan layanan apa. %(min)s sampai %(max)s "
                "karakter."
            ),
            min=DESCRIPTION_MIN,
            max=DESCRIPTION_MAX,
        ),
        widget=forms.Textarea(attrs={"rows": 6, "data-counter": DESCRIPTION_MAX}),
    )
    category = forms.ModelChoiceField(
        label=_("Kategori"),
        queryset=Category.objects.filter(is_active=True),
        required=False,
        empty_label=_("Tidak tahu / lainnya"),
    )
    reported_agency = forms.ModelChoiceField(
        label=_("Instansi yang dilaporkan"),
        queryset=Agency.objects.none(),
        required=False,
        empty_label=_("Tidak tahu"),
        help_text=_("Isi bila Anda tahu; admin MPP akan meneruskan ke instansi yang tepat."),
    )
    service = forms.ModelChoiceField(
        label=_("Layanan"),
        queryset=None,
        required=False,
        empty_label=_("Tidak tahu"),
    )
    location = forms.CharField(
        label=_("Lokasi kejadian"),
        max_length=200,
        required=False,
        help_text=_("Mis. loket 3 lantai 1, atau alamat tempat kejadian."),
    )
    event_date = forms.DateField(
        label=_("Tanggal kejadian"),
        required=False,
        validators=[not_future],
        widget=DateInput(),
    )
    attachments = attachments_field()
    reporter_name = forms.CharField(label=_("Nama"), max_length=150, required=False)
    reporter_phone = forms.CharField(
        label=_("Nomor HP / WhatsApp"),
        max_length=20,
        required=False,
        help_text=_("Mis. 081234567890. Kabar perkembangan laporan dikirim ke nomor ini."),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    reporter_email = forms.EmailField(
        label=_("Surel (e-mail)"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"invalid": _("Masukkan alamat surel yang benar, mis. nama@contoh.id.")},
    )
    is_anonymous = forms.BooleanField(
        label=_("Anonim: rahasiakan identitas saya"),
        required=False,
        help_text=_(
            "Nama dan kontak Anda tidak disimpan; instansi dan publik tidak akan tahu siapa "
            "pelapornya. Simpan tautan rahasia yang diberikan setelah mengirim untuk memantau "
            "laporan, karena kami tidak dapat menghubungi Anda."
        ),
    )
    is_confidential = forms.BooleanField(
        label=_("Rahasia: jangan tampilkan laporan ini di daftar publik"),
        required=False,
        help_text=_(
            "Laporan tidak ditampilkan di daftar publik; hanya admin MPP dan instansi yang "
            "menanganinya yang dapat membacanya."
        ),
    )
    # Honeypot: hidden from people and screen readers; bots fill it.
    website = forms.CharField(label=_("Jangan isi kolom ini"), required=False)

    def __init__(self, *args, halls, user=None, counter=False, **kwargs):
        super().__init__(*args, **kwargs)
        from services.models import Service

        self.halls = list(halls)
        self.counter = counter
        hall_ids = [h.pk for h in self.halls]
        if len(self.halls) == 1:
            del self.fields["hall"]
            self.single_hall = self.halls[0]
        else:
            self.single_hall = None
            self.fields["hall"].queryset = Hall.objects.filter(pk__in=hall_ids)
        agencies = Agency.objects.active().filter(hall_id__in=hall_ids).select_related("hall")
        services = (
            Service.objects.active()
            .filter(agency__hall_id__in=hall_ids)
            .select_related("agency", "agency__hall")
            .order_by("agency__name", "name")
        )
        self.fields["reported_agency"].queryset = agencies.order_by("name")
        self.fields["service"].queryset = services
        several = self.single_hall is None
        self.fields["reported_agency"].label_from_instance = lambda a: (
            f"{a.name} — {a.hall.name}" if several else a.name
        )
        self.fields["service"].label_from_instance = lambda s: f"{s.name} ({s.agency})"
        if counter:
            self.fields["is_anonymous"].help_text = _(
                "Nama dan kontak warga tidak disimpan. Berikan tautan rahasia kepada warga."
            )
        elif user is not None and user.is_authenticated and not self.is_bound:
            self.initial.update(
                reporter_name=user.get_full_name(),
                reporter_email=user.email,
                reporter_phone=getattr(user, "phone", ""),
            )

    def clean_title(self):
        return self.cleaned_data["title"].strip()

    def clean_reporter_phone(self):
        phone = self.cleaned_data.get("reporter_phone", "")
        return validate_phone(phone) if phone.strip() else ""

    def clean(self):
        data = super().clean()
        hall = data.get("hall") or self.single_hall
        data["hall"] = hall
        if hall is not None:
            agency = data.get("reported_agency")
            if agency is not None and agency.hall_id != hall.pk:
                self.add_error(
                    "reported_agency", _("Instansi ini tidak berada di gedung MPP yang dipilih.")
                )
            service = data.get("service")
            if service is not None and service.agency.hall_id != hall.pk:
                self.add_error("service", _("Layanan ini tidak berada di gedung MPP yang dipilih."))
        if data.get("is_anonymous"):
            data["reporter_name"] = data["reporter_email"] = data["reporter_phone"] = ""
        elif not (data.get("reporter_phone") or data.get("reporter_email") or self.has_error_any()):
            self.add_error(
                "reporter_phone",
                _(
                    "Isi nomor HP atau surel agar perkembangan laporan dapat dikirim, atau "
                    "pilih Anonim."
                ),
            )
        return data

    def files_to_choose_again(self):
        """Return the names of the good files sent with a form that came back.

        A browser never refills a file input, so the page with the errors
        has none of the files chosen before: the citizen must choose them
        again. A refused file is left out (its own error says why).
        """
        if not self.is_bound or not self.errors:
            return []
        refused = getattr(self.fields["attachments"], "refused", set())
        chosen = self.files.getlist(self.add_prefix("attachments"))
        return [upload.name for upload in chosen if upload and upload.name not in refused]

    def _post_clean(self):
        super()._post_clean()
        if self.files_to_choose_again():
            # Screen readers on the file input hear the note next to it.
            field = self["attachments"]
            field.field.widget.attrs["aria-describedby"] = (
                f"{field.auto_id}_helptext lampiran-pilih-lagi"
            )

    def has_error_any(self):
        return any(name in self.errors for name in ("reporter_phone", "reporter_email"))

    def is_spam(self):
        return bool(self.data.get("website"))

    def apply_service_error(self, exc):
        """Show a ValidationError raised by ``complaint_file`` on this form."""
        mapping = {"agency": "reported_agency"}
        if hasattr(exc, "error_dict"):
            for name, errors in exc.error_dict.items():
                name = mapping.get(name, name)
                self.add_error(name if name in self.fields else None, errors)
        else:
            # clean_upload names the file in its message.
            self.add_error("attachments", exc)


class TrackLookupForm(forms.Form):
    tracking_id = forms.CharField(
        label=_("Nomor pelacakan"),
        max_length=30,
        help_text=_("Mis. LBG-2026-000123."),
        widget=forms.TextInput(
            attrs={"autocapitalize": "characters", "spellcheck": "false", "autocomplete": "off"}
        ),
    )
    token = forms.CharField(
        label=_("Kode rahasia atau tautan rahasia"),
        max_length=500,
        help_text=_("Tempel tautan rahasia yang Anda terima, atau kode di belakang “token=”."),
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )

    def clean_tracking_id(self):
        return self.cleaned_data["tracking_id"].strip().upper()

    def clean_token(self):
        value = self.cleaned_data["token"].strip()
        if "token=" in value:
            found = parse_qs(urlparse(value).query).get("token")
            if found:
                value = found[0]
        return value


# -- the reporter's actions --------------------------------------------------
class ProvideInfoForm(forms.Form):
    text = forms.CharField(
        label=_("Informasi tambahan"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    attachments = attachments_field()


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Balasan Anda"),
        max_length=DESCRIPTION_MAX,
        help_text=_("Jelaskan mengapa tanggapan belum menyelesaikan masalah Anda."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    attachments = attachments_field()


RATING_CHOICES = [
    (5, _("5 — Sangat puas")),
    (4, _("4 — Puas")),
    (3, _("3 — Cukup")),
    (2, _("2 — Kurang puas")),
    (1, _("1 — Tidak puas")),
]


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Penilaian Anda"),
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Pilih nilai 1 sampai 5.")},
    )
    comment = forms.CharField(
        label=_("Komentar"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReopenForm(forms.Form):
    body = forms.CharField(
        label=_("Alasan membuka kembali"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Laporan hanya dapat dibuka kembali satu kali."),
    )


# -- staff actions -----------------------------------------------------------
class DispatchForm(forms.Form):
    agency = forms.ModelChoiceField(
        label=_("Instansi penanggung jawab"),
        queryset=Agency.objects.none(),
        empty_label=_("Pilih instansi"),
    )
    instruction = forms.CharField(
        label=_("Instruksi disposisi"),
        required=False,
        max_length=2000,
        help_text=_("Catatan internal untuk instansi; tidak dilihat pelapor."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, hall, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.active().filter(hall=hall)


class RequestInfoForm(forms.Form):
    question = forms.CharField(
        label=_("Informasi yang dibutuhkan dari pelapor"),
        max_length=2000,
        help_text=_("Pelapor membaca pertanyaan ini. Batas waktu verifikasi berhenti sementara."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ArchiveForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Alasan pengarsipan"),
        choices=[
            ("", _("Pilih alasan")),
            *(
                (value, label)
                for value, label in Complaint.ArchiveReason.choices
                if value != Complaint.ArchiveReason.NO_INFO
            ),
        ],
    )
    note = forms.CharField(
        label=_("Keterangan untuk pelapor"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    duplicate_of = forms.CharField(
        label=_("Nomor pelacakan laporan yang sama"),
        required=False,
        max_length=30,
        help_text=_("Wajib bila alasannya duplikat, mis. LBG-2026-000123."),
    )

    def __init__(self, *args, complaint, **kwargs):
        super().__init__(*args, **kwargs)
        self.complaint = complaint

    def clean_duplicate_of(self):
        value = self.cleaned_data["duplicate_of"].strip().upper()
        if not value:
            return None
        other = (
            Complaint.objects.filter(tracking_id=value, hall_id=self.complaint.hall_id)
            .exclude(pk=self.complaint.pk)
            .first()
        )
        if other is None:
            raise ValidationError(
                _("Laporan %(id)s tidak ditemukan di gedung ini.") % {"id": value}
            )
        return other

    def clean(self):
        data = super().clean()
        if (
            data.get("reason") == Complaint.ArchiveReason.DUPLICATE
            and not data.get("duplicate_of")
            and "duplicate_of" not in self.errors
        ):
            self.add_error("duplicate_of", _("Sebutkan nomor laporan yang sama."))
        return data


class ArchiveUnansweredForm(forms.Form):
    note = forms.CharField(
        label=_("Keterangan untuk pelapor"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Catatan internal"),
        max_length=4000,
        help_text=_("Hanya dilihat petugas; tidak tampil bagi pelapor."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RespondForm(forms.Form):
    body = forms.CharField(
        label=_("Tanggapan untuk pelapor"),
        max_length=DESCRIPTION_MAX,
        help_text=_("Tanggapan ini publik: dibaca pelapor dan, bila laporan tidak rahasia, umum."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    planned_completion = forms.DateField(
        label=_("Rencana penyelesaian"),
        required=False,
        help_text=_("Untuk perkara yang butuh waktu lebih lama."),
        widget=DateInput(),
    )
    attachments = attachments_field(_("Lampiran tanggapan"))

    def clean_planned_completion(self):
        value = self.cleaned_data.get("planned_completion")
        if value and value < timezone.localdate():
            raise ValidationError(_("Rencana penyelesaian tidak boleh di masa lalu."))
        return value


class HandBackForm(forms.Form):
    reason = forms.CharField(
        label=_("Alasan pengembalian ke admin MPP"),
        max_length=2000,
        help_text=_("Mis. bukan kewenangan instansi kami; sebaiknya ke Dinas X."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ExtendForm(forms.Form):
    reason = forms.CharField(
        label=_("Alasan perpanjangan"),
        max_length=2000,
        help_text=_(
            "Pelapor dan halaman publik membaca alasan ini, mis. informasi masih dihimpun "
            "dari unit lain."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# -- list filters --------------------------------------------------------------
OPEN = ""
ALL = "semua"


class InboxFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            (OPEN, _("Masih terbuka")),
            *Complaint.Status.choices,
            (ALL, _("Semua")),
        ],
    )
    kind = forms.ChoiceField(
        label=_("Jenis"), required=False, choices=[("", _("Semua jenis")), *Complaint.Kind.choices]
    )
    agency = forms.ModelChoiceField(
        label=_("Instansi"),
        required=False,
        queryset=Agency.objects.none(),
        empty_label=_("Semua instansi"),
    )
    channel = forms.ChoiceField(
        label=_("Kanal"),
        required=False,
        choices=[("", _("Semua kanal")), *Complaint.Channel.choices],
    )
    overdue = forms.BooleanField(label=_("Hanya yang terlambat"), required=False)
    q = forms.CharField(label=_("Cari"), required=False, max_length=100)

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies


PUBLIC_STATUSES = [
    Complaint.Status.DISPATCHED,
    Complaint.Status.RESPONDED,
    Complaint.Status.CLOSED,
]


class PublicFilterForm(forms.Form):
    agency = forms.ModelChoiceField(
        label=_("Instansi"),
        required=False,
        queryset=Agency.objects.none(),
        empty_label=_("Semua instansi"),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Semua status"))] + [(s.value, s.label) for s in PUBLIC_STATUSES],
    )
    kind = forms.ChoiceField(
        label=_("Jenis"), required=False, choices=[("", _("Semua jenis")), *Complaint.Kind.choices]
    )
    q = forms.CharField(label=_("Cari judul"), required=False, max_length=100)

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
