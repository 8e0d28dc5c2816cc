"""Labels of the regency app's audit actions (registered in RegencyConfig.ready)."""

from django.utils.translation import gettext_lazy as _

AUDIT_ACTIONS = {
    "evidence.request": _("Meminta paket bukti MCP"),
    "evidence.build": _("Mulai menyusun paket bukti MCP"),
    "evidence.ready": _("Paket bukti MCP siap"),
    "evidence.fail": _("Paket bukti MCP gagal disusun"),
}
