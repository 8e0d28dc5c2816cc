"""Django admin of SIPABES: markets, visits' set-up, the KBLI catalogue
(with its CSV import) and the investment targets are edited here; a
registration's status is read-only, since every move goes through the
workflow services (audit, receipt, webhook)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from mpp_portal.accounts.permissions import roles_with
from mpp_portal.masking import mask_nik, mask_phone
from services.sipabes.models import (
    InvestmentTarget,
    Kbli,
    Market,
    Registration,
    RegistrationLocation,
    Visit,
)


def _hall_admin(request):
    user = request.user
    return (
        user.is_active
        and user.is_authenticated
        and (user.is_superuser or (user.role in roles_with("admin.site") and user.hall_id))
    )


class SipabesAdmin(admin.ModelAdmin):
    """Open to the hall admin by role (accounts.backends grants nothing here)."""

    hall_field = "hall"

    def has_module_permission(self, request):
        return _hall_admin(request)

    def has_view_permission(self, request, obj=None):
        return _hall_admin(request)

    def has_add_permission(self, request):
        return _hall_admin(request)

    def has_change_permission(self, request, obj=None):
        return _hall_admin(request)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser or self.hall_field is None:
            return queryset
        return queryset.filter(**{f"{self.hall_field}_id": request.user.hall_id})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "hall" and not request.user.is_superuser:
            from mpp_portal.organizations.models import Hall

            kwargs["queryset"] = Hall.objects.filter(pk=request.user.hall_id)
        if db_field.name == "market" and not request.user.is_superuser:
            kwargs["queryset"] = Market.objects.filter(hall_id=request.user.hall_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Market)
class MarketAdmin(SipabesAdmin):
    list_display = ["name", "village", "district_code", "is_active"]
    list_filter = ["district_code", "is_active"]
    search_fields = ["name", "village"]


@admin.register(Visit)
class VisitAdmin(SipabesAdmin):
    list_display = ["market", "date", "status", "target_traders"]
    list_filter = ["status", "market"]
    date_hierarchy = "date"
    filter_horizontal = ["officers"]
    readonly_fields = ["status", "opened_at", "closed_at"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "officers":
            from mpp_portal.accounts.models import User

            officers = User.objects.filter(role__in=roles_with("sipabes.register"), is_active=True)
            if not request.user.is_superuser:
                officers = officers.filter(hall_id=request.user.hall_id)
            kwargs["queryset"] = officers
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Kbli)
class KbliAdmin(SipabesAdmin):
    hall_field = None
    list_display = ["code", "title", "section", "risk", "is_verified"]
    list_filter = ["section", "risk", "is_verified"]
    search_fields = ["code", "title"]
    change_list_template = "admin/sipabes/kbli/change_list.html"

    def has_add_permission(self, request):
        # The catalogue is national: a hall admin imports it, a superuser edits rows.
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_urls(self):
        from django.urls import path

        from services.sipabes.kbli import admin_import_view

        urls = super().get_urls()
        return [
            path(
                "import/",
                self.admin_site.admin_view(admin_import_view(self)),
                name="sipabes_kbli_import",
            ),
            *urls,
        ]


@admin.register(InvestmentTarget)
class InvestmentTargetAdmin(SipabesAdmin):
    hall_field = None
    list_display = ["regency", "year", "amount"]
    list_filter = ["regency"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(regency=request.user.hall.regency)


class LocationInline(admin.TabularInline):
    model = RegistrationLocation
    fields = ["market", "block", "stall_number", "created_at"]
    readonly_fields = fields
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return _hall_admin(request)


@admin.register(Registration)
class RegistrationAdmin(SipabesAdmin):
    list_display = [
        "receipt_code",
        "business_name",
        "name",
        "nik_masked",
        "phone_masked",
        "scale",
        "status",
        "nib",
        "created_at",
    ]
    list_filter = ["status", "scale", "risk", "market"]
    search_fields = ["name", "business_name", "nib", "receipt_code"]
    list_select_related = ["market"]
    inlines = [LocationInline]
    # The full NIK is shown on the audited detail page, not here.
    exclude = ["nik", "phone", "email", "idempotency_key"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name not in self.exclude] + [
            "kbli",
            "nik_masked",
            "phone_masked",
        ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("NIK"))
    def nik_masked(self, obj):
        return mask_nik(obj.nik)

    @admin.display(description=_("nomor HP"))
    def phone_masked(self, obj):
        return mask_phone(obj.phone)
