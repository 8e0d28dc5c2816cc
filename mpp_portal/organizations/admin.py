from django.contrib import admin

from mpp_portal.organizations.models import Agency, Hall, OfficeHours


class OfficeHoursInline(admin.TabularInline):
    model = OfficeHours
    extra = 0


@admin.register(Hall)
class HallAdmin(admin.ModelAdmin):
    list_display = ["name", "regency", "code", "is_active"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [OfficeHoursInline]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "hall", "is_active"]
    list_filter = ["hall", "kind", "is_active"]
    search_fields = ["name", "short_name"]
    prepopulated_fields = {"slug": ["short_name"]}
    list_select_related = ["hall"]
