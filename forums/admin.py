"""Django admin for forums: read-mostly. A forum's status, its sign-off and
its berita acara move only through forums.services (audit, hashes), so the
admin shows them read-only; the plan's plain fields stay editable while the
forum is not signed."""

from django.contrib import admin

from forums.models import (
    AgreementItem,
    Attendance,
    BeritaAcara,
    Forum,
    ForumAgency,
    Input,
    ItemProgress,
    Signatory,
    TopicNote,
)
from mpp_portal.admin_mixins import ReadOnlyAdminMixin


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0


class ForumAgencyInline(admin.TabularInline):
    model = ForumAgency
    extra = 0
    autocomplete_fields = []
    raw_id_fields = ["agency", "user"]


class SignatoryInline(ReadOnlyInline):
    model = Signatory
    fields = ["order", "name", "position", "group", "approved_at", "approved_sha256", "approved_ip"]
    readonly_fields = fields


class VersionInline(ReadOnlyInline):
    model = BeritaAcara
    fields = ["version", "is_final", "sha256", "document", "created_at"]
    readonly_fields = fields


class ItemInline(ReadOnlyInline):
    model = AgreementItem
    fields = ["number", "text", "agency", "target_date", "status", "done_on"]
    readonly_fields = fields


@admin.register(Forum)
class ForumAdmin(admin.ModelAdmin):
    list_display = ["theme", "starts_at", "venue", "status", "is_published", "inputs_open", "hall"]
    list_filter = ["status", "is_published", "hall"]
    search_fields = ["theme", "venue", "number"]
    readonly_fields = ["status", "frozen_sha256", "signed_at", "created_by", "created_at"]
    inlines = [ForumAgencyInline, SignatoryInline, ItemInline, VersionInline]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_read_only:
            return [f.name for f in obj._meta.concrete_fields]
        return self.readonly_fields


@admin.register(Input)
class InputAdmin(admin.ModelAdmin):
    list_display = ["forum", "topic", "source", "is_anonymous", "created_at"]
    list_filter = ["source", "is_anonymous"]
    search_fields = ["text", "topic"]
    raw_id_fields = ["forum", "service", "agency", "complaint", "survey_response"]


@admin.register(AgreementItem)
class AgreementItemAdmin(admin.ModelAdmin):
    list_display = ["forum", "number", "agency", "target_date", "status", "done_on"]
    list_filter = ["status"]
    readonly_fields = ["status", "status_reason", "done_on", "reminded_at", "overdue_flagged_at"]
    raw_id_fields = ["forum", "agency", "inputs"]

    def save_model(self, request, obj, form, change):
        if change and ({"target_date", "agency"} & set(form.changed_data)):
            # A moved target (or another agency) is reminded and flagged again.
            obj.reminded_at = obj.overdue_flagged_at = None
        super().save_model(request, obj, form, change)


@admin.register(ItemProgress)
class ItemProgressAdmin(admin.ModelAdmin):
    list_display = ["item", "from_status", "to_status", "by", "created_at"]
    readonly_fields = ["item", "note", "attachment", "from_status", "to_status", "by", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["forum", "name", "origin", "group", "role"]
    list_filter = ["group"]
    raw_id_fields = ["forum"]


@admin.register(BeritaAcara)
class BeritaAcaraAdmin(admin.ModelAdmin):
    list_display = ["forum", "version", "is_final", "sha256", "created_at"]
    readonly_fields = [
        "forum",
        "version",
        "document",
        "sha256",
        "is_final",
        "created_by",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(TopicNote)
