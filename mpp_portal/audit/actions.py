"""Human labels for audit action codes.

Feature apps add their own codes from ``AppConfig.ready()``::

    from mpp_portal.audit.actions import register_actions
    register_actions({"ticket.call": _("Memanggil tiket")})

A code without a label is shown as the code itself. The registry holds
code-defined constants only, never data read at run time.
"""

from django.utils.translation import gettext_lazy as _

_LABELS = {
    "create": _("Membuat"),
    "update": _("Mengubah"),
    "delete": _("Menghapus"),
    "status.change": _("Mengubah status"),
    "comment": _("Menambah catatan"),
    "accounts.token_rotate": _("Mengganti token API"),
}


def register_actions(labels):
    """Add or replace labels: a mapping of action code to (lazy) text."""
    _LABELS.update(labels)


def action_label(code):
    return _LABELS.get(code, code)
