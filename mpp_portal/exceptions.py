"""Domain errors raised by the services of every app.

A service that refuses a state change raises ``TransitionNotAllowed``;
the HTML views show its message and the API answers 409 with it.
"""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A rule of the domain refused the operation."""

    code = "domain_error"
    http_status = 409
    default_message = _("Operasi ini tidak diizinkan.")

    def __init__(self, message=None, *, code=None, extra=None):
        self.message = message or self.default_message
        if code:
            self.code = code
        self.extra = extra or {}
        super().__init__(str(self.message))


class TransitionNotAllowed(DomainError):
    code = "transition_not_allowed"
    default_message = _("Perubahan status ini tidak diizinkan.")

    @classmethod
    def for_states(cls, obj, current, target):
        message = _("Tidak dapat mengubah %(obj)s dari status “%(current)s” ke “%(target)s”.") % {
            "obj": obj._meta.verbose_name,
            "current": current,
            "target": target,
        }
        return cls(message, extra={"from": str(current), "to": str(target)})
