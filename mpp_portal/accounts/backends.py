"""What a hall admin may do in the Django admin, without per-user permission rows.

A hall admin (role ``hall_admin``) is staff by role (User.save) and holds
the permissions below through this backend; each ModelAdmin then limits
the rows to the admin's own hall. Superusers keep everything through
ModelBackend. Changing someone's role changes their rights at once, with
no stale Permission rows left behind.
"""

from django.contrib.auth.backends import BaseBackend

from mpp_portal.accounts.permissions import roles_with

HALL_ADMIN_PERMISSIONS = frozenset(
    {
        # The hall's own closed and reopened days (cuti bersama, regional holidays).
        "workdays.view_calendarday",
        "workdays.add_calendarday",
        "workdays.change_calendarday",
        "workdays.delete_calendarday",
        # The audit trail of the hall's staff (read-only for everybody).
        "audit.view_auditentry",
        # The hall's issued documents, and revoking one.
        "documents.view_issueddocument",
        "documents.change_issueddocument",
    }
)


def _is_hall_admin(user):
    return (
        user.is_active
        and not user.is_anonymous
        and user.role in roles_with("admin.site")
        and user.hall_id is not None
    )


class HallAdminPermissionBackend(BaseBackend):
    def has_perm(self, user_obj, perm, obj=None):
        return _is_hall_admin(user_obj) and perm in HALL_ADMIN_PERMISSIONS

    def has_module_perms(self, user_obj, app_label):
        return _is_hall_admin(user_obj) and any(
            perm.startswith(f"{app_label}.") for perm in HALL_ADMIN_PERMISSIONS
        )
