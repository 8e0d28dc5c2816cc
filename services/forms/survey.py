"""Forms of the satisfaction survey (SKM) and of the IKM report filter."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mpp_portal.organizations.models import Agency
from services.models import SKM_ELEMENTS, Service, SurveyQuestion, SurveyResponse

MAX_RANGE_DAYS = 366

ELEMENT_NAMES = dict(SKM_ELEMENTS)

# The standard wording (Permenpan RB 14/2017 appendix), used for an element that has no
# SurveyQuestion row; migration 0003 seeds the same text (it keeps its own frozen copy).
STANDARD_QUESTIONS = [
    (
        1,
        "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis "
        "pelayanannya?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
    ),
    (
        2,
        "Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
        ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"),
    ),
    (
        3,
        "Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
        ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"),
    ),
    (
        4,
        "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
        ("Sangat mahal", "Cukup mahal", "Murah", "Gratis"),
    ),
    (
        5,
        "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang "
        "tercantum dalam standar pelayanan dengan hasil yang diberikan?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
    ),
    (
        6,
        "Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
        ("Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"),
    ),
    (
        7,
        "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait "
        "kesopanan dan keramahan?",
        (
            "Tidak sopan dan ramah",
            "Kurang sopan dan ramah",
            "Sopan dan ramah",
            "Sangat sopan dan ramah",
        ),
    ),
    (
        8,
        "Bagaimana pendapat Saudara tentang penanganan pengaduan, saran dan masukan di unit ini?",
        (
            "Tidak ada",
            "Ada tetapi tidak berfungsi",
            "Berfungsi kurang maksimal",
            "Dikelola dengan baik",
        ),
    ),
    (
        9,
        "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
        ("Buruk", "Cukup", "Baik", "Sangat baik"),
    ),
]

STANDARD = {element: (question, answers) for element, question, answers in STANDARD_QUESTIONS}


def survey_questions():
    """The nine questions in DOMAIN.md's order; an element without a row gets the standard one."""
    rows = {q.element: q for q in SurveyQuestion.objects.all()}
    questions = []
    for element, name in SKM_ELEMENTS:
        question = rows.get(element)
        if question is None:
            text, answers = STANDARD.get(element, (str(name), ("1", "2", "3", "4")))
            question = SurveyQuestion(
                element=element,
                question=text,
                **{f"answer_{n}": answer for n, answer in enumerate(answers, start=1)},
            )
        questions.append(question)
    return questions


class SurveyForm(forms.Form):
    """Nine required scores, the optional profile and suggestion."""

    sex = forms.ChoiceField(
        label=_("Jenis kelamin"),
        choices=SurveyResponse.Sex.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    age_band = forms.ChoiceField(
        label=_("Usia"),
        choices=[("", _("— pilih —")), *SurveyResponse.AgeBand.choices],
        required=False,
    )
    education = forms.ChoiceField(
        label=_("Pendidikan terakhir"),
        choices=[("", _("— pilih —")), *SurveyResponse.Education.choices],
        required=False,
    )
    occupation = forms.ChoiceField(
        label=_("Pekerjaan"),
        choices=[("", _("— pilih —")), *SurveyResponse.Occupation.choices],
        required=False,
    )
    suggestion = forms.CharField(
        label=_("Saran untuk perbaikan layanan (tidak wajib)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[f"u{question.element}"] = forms.TypedChoiceField(
                label=question.question,
                choices=[(score, text) for score, text in question.answers],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Pilih salah satu jawaban."),
                    "invalid_choice": _("Jawaban ini tidak ada dalam pilihan."),
                },
            )
        for name in ("age_band", "education", "occupation"):
            self.fields[name].widget.attrs["class"] = "form-select"

    def score_fields(self):
        """(question, bound field) pairs in the order of the elements."""
        return [(q, self[f"u{q.element}"]) for q in self.questions]

    def scores(self):
        return [self.cleaned_data[f"u{n}"] for n in range(1, 10)]


PERIOD_CHOICES = [
    ("this_month", _("Bulan ini")),
    ("last_month", _("Bulan lalu")),
    ("3m", _("Tiga bulan terakhir")),
    ("this_year", _("Tahun ini")),
    ("custom", _("Rentang tanggal")),
]


class IkmFilterForm(forms.Form):
    """Period (a month preset or two dates), agency (hall admins) and service."""

    period = forms.ChoiceField(
        label=_("Periode"), choices=PERIOD_CHOICES, required=False, initial="this_month"
    )
    start = forms.DateField(
        label=_("Dari tanggal"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=_("Sampai tanggal"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )
    agency = forms.ModelChoiceField(
        label=_("Instansi"),
        queryset=Agency.objects.none(),
        required=False,
        empty_label=_("Semua instansi"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    service = forms.ModelChoiceField(
        label=_("Layanan"),
        queryset=Service.objects.none(),
        required=False,
        empty_label=_("Semua layanan"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.user = user
        self.fields["period"].widget.attrs["class"] = "form-select"
        services = Service.objects.filter(agency__hall_id=user.hall_id).select_related("agency")
        if user.is_hall_admin:
            self.fields["agency"].queryset = Agency.objects.filter(hall_id=user.hall_id)
        else:
            del self.fields["agency"]
            services = services.filter(agency_id=user.agency_id)
        self.fields["service"].queryset = services.order_by("agency__name", "name")
        self.fields["service"].label_from_instance = lambda s: (
            f"{s.name} ({s.agency.short_name or s.agency.name})" if user.is_hall_admin else s.name
        )

    def clean(self):
        cleaned = super().clean()
        today = timezone.localdate()
        period = cleaned.get("period") or "this_month"
        start, end = cleaned.get("start"), cleaned.get("end")
        if period == "custom" or (start and end and not self.data.get("period")):
            period = "custom"
            start, end = start or today, end or start or today
            if start > end:
                raise forms.ValidationError(
                    _("Tanggal awal harus sebelum atau sama dengan tanggal akhir.")
                )
            if (end - start).days >= MAX_RANGE_DAYS:
                raise forms.ValidationError(_("Rentang tanggal paling lama satu tahun."))
        elif period == "last_month":
            end = today.replace(day=1) - datetime.timedelta(days=1)
            start = end.replace(day=1)
        elif period == "3m":
            first = today.replace(day=1)
            start = (first - datetime.timedelta(days=62)).replace(day=1)
            end = today
        elif period == "this_year":
            start, end = today.replace(month=1, day=1), today
        else:
            period = "this_month"
            start, end = today.replace(day=1), today
        agency = cleaned.get("agency") if self.user.is_hall_admin else self.user.agency
        service = cleaned.get("service")
        if service is not None and agency is not None and service.agency_id != agency.pk:
            self.add_error("service", _("Layanan ini bukan milik instansi yang dipilih."))
        cleaned.update(period=period, start=start, end=end, agency=agency)
        return cleaned
