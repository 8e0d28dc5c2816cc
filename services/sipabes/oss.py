"""The OSS RBA gateway: how a registration reaches OSS and its NIB comes back.

OSS RBA has no public API (DOMAIN.md "Identity numbers"): the officer
enters the trader's data in OSS and types the NIB that OSS issued. That is
the ``ManualGateway``, the default. An integration plugs in by naming its
class in the setting ``SIPABES_OSS_GATEWAY`` (a dotted path); views and
services only talk to ``gateway()``.
"""

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_GATEWAY = "services.sipabes.oss.ManualGateway"


class OssGateway:
    """What SIPABES needs from OSS. Subclass and name it in settings."""

    #: True when the officer types the NIB (the page shows the NIB field).
    records_manually = True

    def submit(self, registration):
        """Hand ``registration`` to OSS; return a reference (or "" when none)."""
        raise NotImplementedError

    def fetch_nib(self, registration):
        """Return ``(nib, issued_on)`` once OSS issued it, else None."""
        raise NotImplementedError


class ManualGateway(OssGateway):
    """The officer works in OSS by hand: nothing is sent, the NIB is typed."""

    records_manually = True

    def submit(self, registration):
        return ""

    def fetch_nib(self, registration):
        return None


def gateway():
    """Return the configured gateway (``SIPABES_OSS_GATEWAY``, manual by default)."""
    path = getattr(settings, "SIPABES_OSS_GATEWAY", "") or DEFAULT_GATEWAY
    return import_string(path)()
