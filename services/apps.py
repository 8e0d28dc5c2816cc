from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "services"
    verbose_name = _("Layanan dan antrean")

    def ready(self):
        from mpp_portal.audit.actions import register_actions
        from services.audit_actions import AUDIT_ACTIONS

        register_actions(AUDIT_ACTIONS)
