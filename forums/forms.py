"""Forms of the forum pages. Messages are for people; forums.services checks the rules again."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from forums.models import INPUT_MAX, INPUT_MIN, AgreementItem, Attendance, Forum, Signatory
from mpp_portal.i18n import format_lazy_percent
from mpp_portal.organizations.models import Agency


class ForumPlanForm(forms.ModelForm):
    starts_at = forms.DateTimeField(
        label=_("Waktu pelaksanaan"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    class Meta:
        model = Forum
        fields = [
            "theme",
            "starts_at",
            "venue",
            "legal_basis",
            "description",
            "invited_groups",
            "services",
            "is_published",
            "inputs_open",
        ]
        widgets = {
            "legal_basis": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 3}),
            "invited_groups": forms.Textarea(attrs={"rows": 3}),
            "services": forms.SelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args, hall, **kwargs):
        super().__init__(*args, **kwargs)
        from services.models import Service

        self.fields["services"].queryset = Service.objects.filter(
            agency__hall=hall, is_active=True
        ).select_related("agency")
        self.fields["services"].required = False


class ForumAgencyForm(forms.Form):
    agency = forms.ModelChoiceField(label=_("Instansi"), queryset=Agency.objects.none())
    signatory_name = forms.CharField(label=_("Nama pejabat"), max_length=150, required=False)
    signatory_position = forms.CharField(label=_("Jabatan"), max_length=150, required=False)

    def __init__(self, *args, hall, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(hall=hall, is_active=True)


class SignatoryForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Akun penanda tangan"), queryset=None)
    name = forms.CharField(label=_("Nama"), max_length=150)
    position = forms.CharField(label=_("Jabatan"), max_length=200)
    group = forms.ChoiceField(label=_("Unsur"), choices=Signatory.Group.choices)

    def __init__(self, *args, hall, **kwargs):
        super().__init__(*args, **kwargs)
        user_model = get_user_model()
        self.fields["user"].queryset = user_model.objects.filter(is_active=True, hall=hall).exclude(
            role__in=[user_model.Role.KIOSK, user_model.Role.API_CLIENT]
        )


class HoldForm(forms.Form):
    chaired_by = forms.CharField(label=_("Pimpinan forum"), max_length=150)


class InputForm(forms.Form):
    """The public's masukan (phone-first)."""

    text = forms.CharField(
        label=_("Masukan Anda"),
        min_length=INPUT_MIN,
        max_length=INPUT_MAX,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": INPUT_MAX}),
        help_text=format_lazy_percent(
            _("Paling sedikit %(min)s dan paling banyak %(max)s karakter."),
            min=INPUT_MIN,
            max=INPUT_MAX,
        ),
    )
    agency = forms.ModelChoiceField(
        label=_("Instansi yang dimaksud"), queryset=Agency.objects.none(), required=False
    )
    service = forms.ModelChoiceField(
        label=_("Layanan yang dimaksud"), queryset=None, required=False
    )
    is_anonymous = forms.BooleanField(
        label=_("Kirim tanpa nama (anonim)"),
        required=False,
        help_text=_("Nama dan kontak tidak disimpan bila Anda memilih anonim."),
    )
    name = forms.CharField(
        label=_("Nama (tidak ditampilkan publik)"), max_length=100, required=False
    )
    contact = forms.CharField(
        label=_("Nomor HP atau surel (tidak ditampilkan publik)"), max_length=100, required=False
    )

    def __init__(self, *args, forum, **kwargs):
        super().__init__(*args, **kwargs)
        from services.models import Service

        self.fields["agency"].queryset = Agency.objects.filter(hall=forum.hall, is_active=True)
        self.fields["service"].queryset = Service.objects.filter(
            agency__hall=forum.hall, is_active=True
        ).select_related("agency")


class TopicForm(forms.Form):
    topic = forms.CharField(label=_("Topik"), max_length=100, required=False)
    inputs = forms.ModelMultipleChoiceField(queryset=None, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, forum, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inputs"].queryset = forum.inputs.all()


class _LinkForm(forms.Form):
    """Turn something already in the portal into an input of ``forum``.

    ``clean_<field>`` finds the source among what ``user`` may see in the
    forum's hall; ``link()`` records the input through forums.services.
    """

    topic = forms.CharField(label=_("Topik"), max_length=100, required=False)
    success_message = ""

    def __init__(self, *args, forum, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.forum = forum
        self.user = user

    def link(self):
        raise NotImplementedError


class LinkComplaintForm(_LinkForm):
    tracking_id = forms.CharField(label=_("Nomor pelacakan pengaduan"), max_length=30)
    field_order = ["tracking_id", "topic"]
    success_message = _("Pengaduan ditautkan sebagai masukan.")

    def clean_tracking_id(self):
        from complaints.models import Complaint

        tracking_id = self.cleaned_data["tracking_id"].strip().upper()
        complaint = Complaint.objects.visible_to(self.user).filter(tracking_id=tracking_id).first()
        if complaint is None:
            raise forms.ValidationError(_("Pengaduan tidak ditemukan."))
        return complaint

    def link(self):
        from forums import services

        return services.input_from_complaint(
            self.forum,
            complaint=self.cleaned_data["tracking_id"],
            by=self.user,
            topic=self.cleaned_data["topic"],
        )


class LinkSurveyForm(_LinkForm):
    survey = forms.IntegerField(label=_("Nomor survei (saran)"), min_value=1)
    field_order = ["survey", "topic"]
    success_message = _("Saran survei ditautkan sebagai masukan.")

    def clean_survey(self):
        from services.models import SurveyResponse

        response = SurveyResponse.objects.filter(
            pk=self.cleaned_data["survey"], service__agency__hall=self.forum.hall
        ).first()
        if response is None:
            raise forms.ValidationError(_("Survei tidak ditemukan."))
        return response

    def link(self):
        from forums import services

        return services.input_from_survey(
            self.forum,
            response=self.cleaned_data["survey"],
            by=self.user,
            topic=self.cleaned_data["topic"],
        )


class TopicNoteForm(forms.Form):
    topic = forms.CharField(label=_("Topik"), max_length=100)
    note = forms.CharField(label=_("Catatan pembahasan"), widget=forms.Textarea(attrs={"rows": 3}))


class AttendanceForm(forms.ModelForm):
    class Meta:
        model = Attendance
        fields = ["name", "origin", "group", "role"]


class AttendanceCsvForm(forms.Form):
    file = forms.FileField(
        label=_("Berkas CSV"),
        help_text=_("Kolom: nama, asal, unsur, peran (baris pertama judul kolom)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class ItemForm(forms.ModelForm):
    class Meta:
        model = AgreementItem
        fields = ["text", "agency", "target_date", "inputs"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 3}),
            "target_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "inputs": forms.SelectMultiple(attrs={"size": 5}),
        }

    def __init__(self, *args, forum, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(hall=forum.hall, is_active=True)
        self.fields["inputs"].queryset = forum.inputs.all()
        self.fields["inputs"].required = False


class ProgressForm(forms.Form):
    STATUS_CHOICES = [
        ("", _("Tetap (catatan saja)")),
        (AgreementItem.Status.IN_PROGRESS, AgreementItem.Status.IN_PROGRESS.label),
        (AgreementItem.Status.DONE, AgreementItem.Status.DONE.label),
        (AgreementItem.Status.DROPPED, AgreementItem.Status.DROPPED.label),
    ]
    target = forms.ChoiceField(label=_("Status baru"), choices=STATUS_CHOICES, required=False)
    note = forms.CharField(
        label=_("Catatan kemajuan"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=4000,
    )
    reason = forms.CharField(
        label=_("Alasan (wajib bila dibatalkan)"), max_length=1000, required=False
    )
    attachment = forms.FileField(
        label=_("Bukti (foto atau PDF)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )


class ApproveForm(forms.Form):
    sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("Alasan pengembalian"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class AddendumForm(forms.Form):
    correction = forms.CharField(
        label=_("Isi perbaikan"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=_(
            "Berita acara yang sudah ditandatangani tidak diubah; adendum ini "
            "disusun, disetujui, dan disegel tersendiri."
        ),
    )
