from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from mpp_portal.admin_mixins import ReadOnlyAdminMixin
from mpp_portal.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the trail is evidence, so nobody adds, edits or deletes."""

    list_display = [
        "created_at",
        "actor_label",
        "action",
        "content_type",
        "object_repr",
        "status_change",
        "ip_address",
    ]
    list_filter = [
        "action",
        ("actor", admin.RelatedOnlyFieldListFilter),
        "content_type",
        "created_at",
    ]
    list_select_related = ["actor", "content_type"]
    search_fields = ["object_repr", "actor_label", "object_id"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]

    @admin.display(description=_("status"))
    def status_change(self, obj):
        if not obj.status_changed:
            return ""
        return f"{obj.from_status or '–'} → {obj.to_status or '–'}"

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)
