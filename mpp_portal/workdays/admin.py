from django.contrib import admin
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from mpp_portal.workdays.calendar import package_holiday
from mpp_portal.workdays.models import CalendarDay


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "kind", "name", "hall_label", "package_name", "created_by"]
    list_filter = ["kind", ("hall", admin.RelatedOnlyFieldListFilter), "date"]
    list_select_related = ["hall", "created_by"]
    search_fields = ["name"]
    date_hierarchy = "date"
    fields = ["date", "kind", "name", "hall", "created_by", "created_at"]
    readonly_fields = ["created_by", "created_at"]

    @admin.display(description=_("hari"))
    def weekday(self, obj):
        return date_format(obj.date, "l")

    @admin.display(description=_("gedung MPP"), ordering="hall__name")
    def hall_label(self, obj):
        return obj.hall or _("Semua gedung")

    @admin.display(description=_("menurut kalender nasional"))
    def package_name(self, obj):
        # Shows the admin what the row overrides (or that it overrides nothing).
        return package_holiday(obj.date) or "–"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
