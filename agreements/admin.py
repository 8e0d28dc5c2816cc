"""Django admin for agreements: read-only, since every change goes through
agreements.services (chain checks, audit, transitions); the list of
services not yet in the MPP is kept on the coverage page."""

from django.contrib import admin

from agreements.models import (
    Agreement,
    AgreementParty,
    CoverageSnapshot,
    ExpiryReminder,
    PendingService,
)
from mpp_portal.admin_mixins import ReadOnlyAdminMixin


class PartyInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = AgreementParty
    fields = ["name", "agency", "number", "signatory_name", "signatory_title"]
    readonly_fields = fields
    extra = 0


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["title", "kind", "status", "start_date", "end_date", "hall"]
    list_filter = ["kind", "status", "hall"]
    search_fields = ["title", "parties__number"]
    exclude = ["scan"]
    readonly_fields = [f.name for f in Agreement._meta.fields if f.name != "scan"] + [
        "services",
        "counters",
    ]
    inlines = [PartyInline]


@admin.register(ExpiryReminder)
class ExpiryReminderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["agreement", "days", "end_date", "sent_at"]


@admin.register(PendingService)
class PendingServiceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["service_name", "agency_name", "planned_on", "hall"]


@admin.register(CoverageSnapshot)
class CoverageSnapshotAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["hall", "date", "services_in_mpp", "services_covered", "services_pending"]
