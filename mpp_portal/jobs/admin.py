from django.contrib import admin

from mpp_portal.jobs.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["created_at", "task", "status", "attempts", "sent_at", "wake_at", "done_at"]
    list_filter = ["status", "task"]
    search_fields = ["key", "task"]
    date_hierarchy = "created_at"
    fields = [
        "task",
        "kwargs",
        "key",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
        "wake_at",
        "started_at",
        "done_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        # Jobs come from enqueue() in the services, never by hand.
        return False

    def has_change_permission(self, request, obj=None):
        return False
