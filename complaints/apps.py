from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Pengaduan")

    def ready(self):
        from complaints.audit_actions import AUDIT_ACTIONS
        from mpp_portal.audit.actions import register_actions

        register_actions(AUDIT_ACTIONS)
