from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "mpp_portal.documents"
    label = "documents"
    verbose_name = _("Dokumen")

    def ready(self):
        from mpp_portal.audit.actions import register_actions

        register_actions(
            {
                "document.issue": _("Menerbitkan dokumen"),
                "document.revoke": _("Mencabut dokumen"),
            }
        )
