"""Django admin for complaints: configuration is editable; complaints and
their history are read-only here, since every change must go through the
workflow services (audit, deadlines, notifications)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from complaints.models import (
    Attachment,
    Category,
    Complaint,
    ComplaintPolicy,
    ComplaintUpdate,
    ReminderLog,
)
from mpp_portal.admin_mixins import ReadOnlyAdminMixin
from mpp_portal.masking import mask_email, mask_phone


class UpdateInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ComplaintUpdate
    fields = ["created_at", "kind", "author_label", "is_public", "from_status", "to_status", "body"]
    readonly_fields = fields
    extra = 0
    show_change_link = False


class AttachmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Attachment
    fields = ["created_at", "kind", "size", "is_public", "uploaded_by_reporter"]
    readonly_fields = fields
    extra = 0


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "tracking_id",
        "title",
        "kind",
        "status",
        "assigned_agency",
        "reporter_label",
        "phone_masked",
        "email_masked",
        "due_at",
    ]
    list_filter = ["status", "kind", "channel", "is_anonymous", "is_confidential", "hall"]
    search_fields = ["tracking_id", "title"]
    list_select_related = ["assigned_agency"]
    date_hierarchy = "submitted_at"
    exclude = ["access_token_hash"]
    inlines = [UpdateInline, AttachmentInline]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.visible_to(request.user)

    @admin.display(description=_("pelapor"))
    def reporter_label(self, obj):
        return obj.public_reporter_name if obj.is_anonymous else obj.reporter_name or "-"

    @admin.display(description=_("nomor HP"))
    def phone_masked(self, obj):
        return mask_phone(obj.reporter_phone) or "-"

    @admin.display(description=_("surel"))
    def email_masked(self, obj):
        return mask_email(obj.reporter_email) or "-"


@admin.register(ReminderLog)
class ReminderLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["complaint", "kind", "step", "due_at", "sent_at"]
    list_filter = ["kind", "step"]
    list_select_related = ["complaint"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_active"]
    list_filter = ["is_active"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(ComplaintPolicy)
class ComplaintPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "hall",
        "verify_days",
        "followup_days",
        "information_days",
        "autoclose_days",
    ]
