from django.contrib import admin

from mpp_portal.pageviews.models import PageViewDay


@admin.register(PageViewDay)
class PageViewDayAdmin(admin.ModelAdmin):
    list_display = ("date", "hall", "kind", "object_id", "count")
    list_filter = ("kind", "hall")
    date_hierarchy = "date"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
