"""Forms of the agreement pages. The services check the rules again."""

from django import forms
from django.utils.translation import gettext_lazy as _

from agreements.models import SCAN_MAX_BYTES, Agreement, PendingService
from mpp_portal.documents.uploads import UploadKind, clean_upload
from mpp_portal.i18n import format_lazy_percent
from mpp_portal.organizations.models import Agency
from services.models import Counter, Service

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 3})


class ScanField(forms.FileField):
    """The signed scan: a PDF by its content, at most SCAN_MAX_BYTES."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            format_lazy_percent(
                _("PDF hasil pindai yang sudah ditandatangani, paling besar %(mb)s MB."),
                mb=SCAN_MAX_BYTES // (1024 * 1024),
            ),
        )
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": "application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload:
            return None
        return clean_upload(
            upload, accept={UploadKind.PDF}, max_bytes=SCAN_MAX_BYTES, stem="perjanjian"
        )


class AgreementForm(forms.ModelForm):
    """Everything of an agreement but its parties (AgencyPartyFormSet)."""

    regency_number = forms.CharField(
        label=_("Nomor dari pemerintah daerah"), max_length=120, required=False
    )
    regency_signatory_name = forms.CharField(
        label=_("Penanda tangan pemerintah daerah"), max_length=150, required=False
    )
    regency_signatory_title = forms.CharField(
        label=_("Jabatan penanda tangan pemerintah daerah"), max_length=150, required=False
    )
    amended_fields = forms.MultipleChoiceField(
        label=_("Bagian yang diubah (adendum)"),
        choices=list(Agreement.AMENDABLE.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    services = forms.ModelMultipleChoiceField(
        label=_("Layanan yang dicakup"),
        queryset=Service.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    counters = forms.ModelMultipleChoiceField(
        label=_("Loket yang dicakup"),
        queryset=Counter.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    scan = ScanField(label=_("Pindaian naskah bertanda tangan"))

    class Meta:
        model = Agreement
        fields = [
            "kind",
            "title",
            "implements",
            "amends",
            "amended_fields",
            "renews",
            "signed_on",
            "signed_place",
            "start_date",
            "end_date",
            "legal_basis",
            "purpose",
            "regency_duties",
            "partner_duties",
            "staff_count",
            "financing",
            "renewal_clause",
            "monitoring",
            "witnesses",
        ]
        widgets = {
            "signed_on": DATE,
            "start_date": DATE,
            "end_date": DATE,
            "legal_basis": TEXT,
            "purpose": TEXT,
            "regency_duties": TEXT,
            "partner_duties": TEXT,
            "financing": TEXT,
            "renewal_clause": TEXT,
            "monitoring": TEXT,
            "witnesses": TEXT,
        }

    def __init__(self, *args, hall, **kwargs):
        super().__init__(*args, **kwargs)
        self.hall = hall
        chain = Agreement.objects.filter(hall=hall).exclude(status=Agreement.Status.DRAFT)
        if self.instance.pk:
            chain = chain.exclude(pk=self.instance.pk)
        self.fields["implements"].queryset = chain.filter(
            kind__in=[Agreement.Kind.MOU, Agreement.Kind.JOINT]
        )
        self.fields["amends"].queryset = chain.exclude(kind=Agreement.Kind.ADDENDUM)
        self.fields["renews"].queryset = chain.exclude(kind=Agreement.Kind.ADDENDUM)
        for name in ("implements", "amends", "renews"):
            self.fields[name].label_from_instance = lambda a: str(a)
        self.fields["services"].queryset = (
            Service.objects.filter(agency__hall=hall, is_active=True)
            .select_related("agency")
            .order_by("agency__name", "name")
        )
        self.fields["services"].label_from_instance = lambda s: f"{s.agency} · {s.name}"
        self.fields["counters"].queryset = (
            Counter.objects.filter(hall=hall).select_related("agency").order_by("number")
        )
        self.fields["counters"].label_from_instance = lambda c: f"{c.label} · {c.agency}"
        if self.instance.pk:
            self.initial.setdefault("services", list(self.instance.services.all()))
            self.initial.setdefault("counters", list(self.instance.counters.all()))
            regency = next((p for p in self.instance.parties.all() if p.agency_id is None), None)
            if regency is not None:
                self.initial.setdefault("regency_number", regency.number)
                self.initial.setdefault("regency_signatory_name", regency.signatory_name)
                self.initial.setdefault("regency_signatory_title", regency.signatory_title)

    def regency_party(self):
        data = self.cleaned_data
        return {
            "agency": None,
            "name": self.hall.government_name,
            "number": data.get("regency_number", ""),
            "signatory_name": data.get("regency_signatory_name", ""),
            "signatory_title": data.get("regency_signatory_title", ""),
        }

    def values(self):
        """The fields for agreements.services, without parties and scope."""
        data = self.cleaned_data
        return {name: data.get(name) for name in self.Meta.fields} | {
            "amended_fields": list(data.get("amended_fields") or []),
            "staff_count": data.get("staff_count") or 0,
        }


class ScopeForm(forms.Form):
    """The services and counters a signed agreement covers."""

    services = forms.ModelMultipleChoiceField(
        label=_("Layanan yang dicakup"),
        queryset=Service.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    counters = forms.ModelMultipleChoiceField(
        label=_("Loket yang dicakup"),
        queryset=Counter.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, agreement, **kwargs):
        super().__init__(*args, **kwargs)
        agency_ids = agreement.agency_ids()
        self.fields["services"].queryset = (
            Service.objects.filter(agency_id__in=agency_ids, is_active=True)
            .select_related("agency")
            .order_by("agency__name", "name")
        )
        self.fields["services"].label_from_instance = lambda s: f"{s.agency} · {s.name}"
        self.fields["counters"].queryset = (
            Counter.objects.filter(hall=agreement.hall, agency_id__in=agency_ids)
            .select_related("agency")
            .order_by("number")
        )
        self.fields["counters"].label_from_instance = lambda c: f"{c.label} · {c.agency}"
        self.initial.setdefault("services", list(agreement.services.all()))
        self.initial.setdefault("counters", list(agreement.counters.all()))


class PartyForm(forms.Form):
    agency = forms.ModelChoiceField(
        label=_("Instansi"), queryset=Agency.objects.none(), required=False
    )
    number = forms.CharField(label=_("Nomor dari instansi ini"), max_length=120, required=False)
    signatory_name = forms.CharField(label=_("Penanda tangan"), max_length=150, required=False)
    signatory_title = forms.CharField(label=_("Jabatan"), max_length=150, required=False)

    def __init__(self, *args, hall=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(hall=hall).order_by("name")


class BasePartyFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        chosen = [f.cleaned_data["agency"] for f in self.forms if f.cleaned_data.get("agency")]
        if not chosen:
            raise forms.ValidationError(_("Pilih sedikitnya satu instansi sebagai pihak."))
        if len({a.pk for a in chosen}) != len(chosen):
            raise forms.ValidationError(_("Satu instansi hanya boleh satu kali menjadi pihak."))

    def parties(self):
        return [
            {
                "agency": f.cleaned_data["agency"],
                "number": f.cleaned_data.get("number", ""),
                "signatory_name": f.cleaned_data.get("signatory_name", ""),
                "signatory_title": f.cleaned_data.get("signatory_title", ""),
            }
            for f in self.forms
            if f.cleaned_data.get("agency")
        ]


def party_formset(hall, *, data=None, initial=None):
    initial = initial or []
    extra = max(3 - len(initial), 1)
    cls = forms.formset_factory(
        PartyForm, formset=BasePartyFormSet, extra=extra, max_num=10, validate_max=True
    )
    return cls(data=data, initial=initial, prefix="pihak", form_kwargs={"hall": hall})


class TerminateForm(forms.Form):
    reason = forms.CharField(label=_("Alasan diakhiri"), widget=TEXT, max_length=2000)
    on = forms.DateField(label=_("Tanggal diakhiri"), widget=DATE, required=False)


class RenewForm(forms.Form):
    successor = forms.ModelChoiceField(
        label=_("Perjanjian pengganti"), queryset=Agreement.objects.none()
    )

    def __init__(self, *args, agreement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["successor"].queryset = (
            Agreement.objects.filter(
                hall=agreement.hall,
                status__in=[Agreement.Status.SIGNED, Agreement.Status.ACTIVE],
            )
            .exclude(pk=agreement.pk)
            .exclude(kind=Agreement.Kind.ADDENDUM)
        )


class RegistryFilterForm(forms.Form):
    q = forms.CharField(label=_("Cari nomor atau judul"), required=False, max_length=100)
    agency = forms.ModelChoiceField(
        label=_("Instansi"), queryset=Agency.objects.none(), required=False
    )
    kind = forms.ChoiceField(
        label=_("Jenis"), choices=[("", _("Semua"))] + list(Agreement.Kind.choices), required=False
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Semua")), ("expiring", _("Segera berakhir (≤ 90 hari)"))]
        + list(Agreement.Status.choices),
        required=False,
    )
    ending_within = forms.IntegerField(
        label=_("Berakhir dalam (hari)"), min_value=0, max_value=3650, required=False
    )

    def __init__(self, *args, hall_ids=None, **kwargs):
        super().__init__(*args, **kwargs)
        agencies = Agency.objects.order_by("name")
        if hall_ids is not None:
            agencies = agencies.filter(hall_id__in=hall_ids)
        self.fields["agency"].queryset = agencies

    def apply(self, queryset):
        data = self.cleaned_data
        if data.get("q"):
            queryset = queryset.search(data["q"])
        if data.get("agency"):
            queryset = queryset.filter(parties__agency=data["agency"]).distinct()
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        if data.get("status") == "expiring":
            queryset = queryset.expiring()
        elif data.get("status"):
            queryset = queryset.filter(status=data["status"])
        if data.get("ending_within") is not None:
            queryset = queryset.ending_within(data["ending_within"])
        return queryset


class PendingServiceForm(forms.ModelForm):
    class Meta:
        model = PendingService
        fields = ["agency", "agency_name", "service_name", "reason", "planned_on"]
        widgets = {"planned_on": DATE, "reason": TEXT}

    def __init__(self, *args, hall, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(hall=hall).order_by("name")
        self.fields["agency_name"].required = False
        self.fields["agency_name"].help_text = _("Diisi otomatis bila instansi dipilih.")

    def clean(self):
        data = super().clean()
        if not data.get("agency") and not data.get("agency_name"):
            self.add_error("agency_name", _("Sebutkan instansinya."))
        if data.get("agency") and not data.get("agency_name"):
            data["agency_name"] = data["agency"].name
        return data
