from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from mpp_portal.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "get_full_name", "role", "agency", "hall", "is_active"]
    list_filter = ["role", "hall", "agency", "is_active"]
    list_select_related = ["agency", "hall"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("Peran di MPP"), {"fields": ("role", "hall", "agency", "job_title", "phone")}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        (_("Peran di MPP"), {"fields": ("role", "hall", "agency")}),
    )
