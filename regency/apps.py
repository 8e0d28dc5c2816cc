from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegencyConfig(AppConfig):
    name = "regency"
    verbose_name = _("Dasbor kabupaten")

    def ready(self):
        from mpp_portal.audit.actions import register_actions
        from regency.audit_actions import AUDIT_ACTIONS

        register_actions(AUDIT_ACTIONS)
