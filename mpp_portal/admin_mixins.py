"""What several apps' Django admin classes share."""


class ReadOnlyAdminMixin:
    """Show rows in the admin, never add, change or delete them there.

    For rows that change only through their app's services (tickets and their
    history, the audit log, agreements' parties and reminders, evidence
    packs): an edit in the admin would skip the transition check and the
    audit entry. Works for a ModelAdmin and for an inline (whose
    has_add_permission also receives the parent object).
    """

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
