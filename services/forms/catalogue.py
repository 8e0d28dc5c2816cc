"""Forms of the catalogue pages: the catalogue filter, the service editor, the statistics filter."""

from django import forms
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from mpp_portal.audit import record
from mpp_portal.organizations.models import Agency
from services.models import PRIORITY_LEVELS, Priority, Service

LIST_HELP = _("Satu butir per baris.")


def _lines(value):
    """Split a textarea into its non-empty, trimmed lines."""
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


class ServiceForm(forms.ModelForm):
    """Every field of a service, including the fourteen standar pelayanan components.

    An agency admin edits only their agency's services, so the agency is
    fixed and the field is left out; a hall admin picks one of the hall's.
    """

    requirements = forms.CharField(
        label=_("1. Persyaratan"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=LIST_HELP,
    )
    legal_basis = forms.CharField(
        label=_("7. Dasar hukum"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=LIST_HELP,
    )
    accepted_priorities = forms.MultipleChoiceField(
        label=_("Prioritas yang dilayani"),
        choices=[(p, Priority(p).label) for p in PRIORITY_LEVELS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    slug = forms.SlugField(
        label=_("Slug (alamat halaman)"),
        max_length=80,
        required=False,
        help_text=_("Kosongkan untuk dibuat dari nama layanan."),
    )

    class Meta:
        model = Service
        fields = [
            "agency",
            "name",
            "slug",
            "code",
            "description",
            "is_active",
            "average_service_minutes",
            "average_minutes_fixed",
            "daily_ticket_cap",
            "accepted_priorities",
            "requirements",
            "procedure",
            "duration",
            "fee",
            "fee_note",
            "product",
            "complaint_handling",
            "legal_basis",
            "facilities",
            "staff_competence",
            "internal_supervision",
            "staff_count",
            "service_guarantee",
            "safety_guarantee",
            "performance_evaluation",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "procedure": forms.Textarea(attrs={"rows": 5}),
            "complaint_handling": forms.Textarea(attrs={"rows": 3}),
            "facilities": forms.Textarea(attrs={"rows": 3}),
            "staff_competence": forms.Textarea(attrs={"rows": 3}),
            "internal_supervision": forms.Textarea(attrs={"rows": 3}),
            "service_guarantee": forms.Textarea(attrs={"rows": 3}),
            "safety_guarantee": forms.Textarea(attrs={"rows": 3}),
            "performance_evaluation": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {
            "name": {"required": _("Nama layanan wajib diisi.")},
            "code": {"required": _("Kode antrean wajib diisi.")},
            "agency": {"required": _("Pilih instansi.")},
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user.is_hall_admin:
            agencies = Agency.objects.filter(is_active=True)
            if user.hall_id:
                agencies = agencies.filter(hall_id=user.hall_id)
            self.fields["agency"].queryset = agencies
            self.fields["agency"].empty_label = _("— pilih instansi —")
        else:
            # The agency is the admin's own; set before validation so that
            # Service.clean() can check the code against the agency's hall.
            del self.fields["agency"]
            self.instance.agency_id = user.agency_id
        if self.instance.pk:
            self.initial["requirements"] = "\n".join(self.instance.requirements)
            self.initial["legal_basis"] = "\n".join(self.instance.legal_basis)
        self.fields["code"].widget.attrs.update(
            {"autocapitalize": "characters", "style": "text-transform: uppercase"}
        )

    FIELDSETS = [
        (
            _("Data layanan"),
            [
                "agency",
                "name",
                "slug",
                "code",
                "description",
                "is_active",
                "average_service_minutes",
                "average_minutes_fixed",
                "daily_ticket_cap",
                "accepted_priorities",
            ],
        ),
        (
            _("Standar pelayanan: penyampaian pelayanan"),
            [
                "requirements",
                "procedure",
                "duration",
                "fee",
                "fee_note",
                "product",
                "complaint_handling",
            ],
        ),
        (
            _("Standar pelayanan: pengelolaan pelayanan"),
            [
                "legal_basis",
                "facilities",
                "staff_competence",
                "internal_supervision",
                "staff_count",
                "service_guarantee",
                "safety_guarantee",
                "performance_evaluation",
            ],
        ),
    ]

    def fieldsets(self):
        """Return [(legend, [bound field, ...])] for the template."""
        return [
            (legend, [self[name] for name in names if name in self.fields])
            for legend, names in self.FIELDSETS
        ]

    def clean_requirements(self):
        return _lines(self.cleaned_data.get("requirements"))

    def clean_legal_basis(self):
        return _lines(self.cleaned_data.get("legal_basis"))

    def clean_code(self):
        return (self.cleaned_data.get("code") or "").strip().upper()

    def clean_name(self):
        return " ".join((self.cleaned_data.get("name") or "").split())

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("slug") and cleaned.get("name"):
            cleaned["slug"] = slugify(cleaned["name"])[:80]
        agency_id = cleaned["agency"].pk if cleaned.get("agency") else self.instance.agency_id
        slug = cleaned.get("slug")
        if agency_id and slug:
            # The (agency, slug) constraint is skipped by the model form when
            # the agency field is left out, so it is checked here.
            taken = Service.objects.filter(agency_id=agency_id, slug=slug).exclude(
                pk=self.instance.pk
            )
            if taken.exists():
                self.add_error("slug", _("Slug ini sudah dipakai layanan lain di instansi ini."))
        return cleaned


def service_save(*, form: ServiceForm, by, request=None) -> Service:
    """Create or update the service of a valid ``form`` and audit the changed fields."""
    is_new = form.instance.pk is None
    changed = [name for name in form.changed_data if name in form.cleaned_data]
    with transaction.atomic():
        before = {}
        if not is_new:
            before = Service.objects.filter(pk=form.instance.pk).values(*changed).first() or {}
        service = form.save()
        changes = {}
        for name in changed:
            new = getattr(service, name if name != "agency" else "agency_id")
            old = before.get(name)
            if is_new:
                changes[name] = new
            elif old != new:
                changes[name] = [old, new]
        record(
            actor=by,
            action="service.create" if is_new else "service.update",
            obj=service,
            changes=changes,
            request=request,
        )
    return service


# ---------------------------------------------------------------------------
# Statistics filter
# ---------------------------------------------------------------------------
