from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from mpp_portal.accounts.models import User
from mpp_portal.accounts.services import token_issue


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "get_full_name", "role", "agency", "hall", "is_active"]
    list_filter = ["role", "hall", "agency", "is_active"]
    list_select_related = ["agency", "hall"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("Peran di MPP"), {"fields": ("role", "hall", "agency", "job_title", "nip", "phone")}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        (_("Peran di MPP"), {"fields": ("role", "hall", "agency")}),
    )
    actions = ["rotate_api_token"]

    @admin.action(
        description=_("Ganti token API (token lama langsung ditolak)"),
        permissions=["change"],
    )
    def rotate_api_token(self, request, queryset):
        """Revoke the selected accounts' tokens and show the new ones once.

        The new tokens are shown on the page this action answers with, never
        in a message: messages travel in the session or a cookie, and a token
        must not be stored anywhere but its own table.
        """
        rotated = [
            (user, token_issue(user=user, rotate=True, by=request.user, request=request))
            for user in queryset.filter(is_active=True).order_by("username")
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Token API baru"),
            "opts": self.model._meta,
            "rotated": rotated,
            "skipped": queryset.filter(is_active=False).count(),
        }
        # The admin's views answer with "Cache-Control: no-store" already.
        return TemplateResponse(request, "admin/accounts/user/token_rotated.html", context)
