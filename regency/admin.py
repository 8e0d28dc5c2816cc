"""Django admin: the MCP indicator list (editable, the hall's own rows) and
the evidence packs (read-only: they move through regency.evidence only)."""

from django.contrib import admin

from mpp_portal.admin_mixins import ReadOnlyAdminMixin
from regency.models import EvidencePack, Indicator


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "area", "figure_key", "document", "order", "is_active"]
    list_editable = ["order", "is_active"]
    list_filter = ["is_active", "area", "document"]
    search_fields = ["code", "name", "figure_key"]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def get_exclude(self, request, obj=None):
        # A hall admin's rows belong to their hall; a superuser picks one.
        return [] if request.user.is_superuser else ["hall"]

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            obj.hall_id = request.user.hall_id
        super().save_model(request, obj, form, change)


@admin.register(EvidencePack)
class EvidencePackAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["pk", "hall", "period", "status", "requested_by", "requested_at", "size"]
    list_filter = ["status", "hall"]
    exclude = ["file"]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in EvidencePack._meta.fields if f.name != "file"]
