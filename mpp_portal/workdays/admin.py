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

    # A hall admin works on the days of their own hall; the rows for every
    # hall (national decrees) are shown to them read-only, and only a
    # superuser changes those.
    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.for_hall(request.user.hall) if request.user.hall_id else qs.none()

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return self.readonly_fields
        return [*self.readonly_fields, "hall"]

    def _own_row(self, request, obj):
        return obj is None or request.user.is_superuser or obj.hall_id == request.user.hall_id

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._own_row(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._own_row(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        if not request.user.is_superuser:
            obj.hall = request.user.hall
        super().save_model(request, obj, form, change)
