"""The web server's access log without secrets or full client addresses.

gunicorn.conf.py names ``PrivateAccessLogger`` as gunicorn's logger class,
so every access line (whatever ``access_log_format`` asks for) and the
error log's request lines go through it:

- the value of a secret URL parameter (``?token=`` of a reporter's or a
  booking's link, Open311's ``?api_key=``, see ``mpp_portal.masking``) is
  written as ``****``, in the request line, the query string, the referrer
  and any header or environment atom;
- credential headers (``Authorization``, ``Cookie``, the reporter token
  header of the API) are never written;
- the client's address is cut to its network (IPv4 /24, IPv6 /48) unless
  ``ACCESS_LOG_ADDRESSES=none`` drops it altogether; a view that must not
  leave any address behind (the complaint form: anonymous filing) calls
  ``hide_client_address(request)`` and its line has ``-`` there.

The address rule is a choice between privacy and the operator's need to
tell abusive networks apart: a /24 names a neighbourhood or a provider's
pool, not a person, and the portal's own throttles and login lockout see
the full address in memory without logging it.
"""

import ipaddress
import logging
import os
import re

from gunicorn.glogging import Logger

from mpp_portal.masking import mask_url_secrets

# request.META is the WSGI environ gunicorn hands to the logger afterwards.
HIDE_ADDRESS_KEY = "mpp_portal.hide_client_address"
LOG_MASK = "****"
SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-complaint-token",
        "x-csrftoken",
        "x-api-key",
    }
)
# Request headers and environ entries that carry a client's address.
ADDRESS_ATOMS = frozenset(
    {"h", "{remote_addr}e", "{x-forwarded-for}i", "{http_x_forwarded_for}e", "{x-real-ip}i"}
    | {"{forwarded}i", "{http_forwarded}e", "{http_x_real_ip}e"}
)
IPV4_PREFIX = 24
IPV6_PREFIX = 48
_ERROR_IP_RE = re.compile(r"(?<=ip=)[0-9A-Fa-f:.]*[0-9A-Fa-f]")


def hide_client_address(request):
    """Leave no client address in the access log line of this request."""
    request.META[HIDE_ADDRESS_KEY] = True


def truncate_address(value):
    """Return each address in ``value`` cut to its network, e.g. 203.0.113.0."""
    parts = []
    for part in str(value).split(","):
        text = part.strip()
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            # Not an address (a Forwarded header, "-"): nothing worth keeping.
            parts.append("-" if text and text != "-" else text or "-")
            continue
        if address.version == 6 and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        prefix = IPV4_PREFIX if address.version == 4 else IPV6_PREFIX
        parts.append(str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address))
    return ", ".join(parts)


def private_atoms(atoms, environ, *, addresses="network"):
    """Return gunicorn's log atoms with secrets masked and addresses cut.

    ``addresses`` is ``network`` (the default: /24 or /48) or ``none``.
    """
    hide = addresses == "none" or bool(environ.get(HIDE_ADDRESS_KEY))
    clean = {}
    for key, value in atoms.items():
        name = key[1:-2] if key.startswith("{") and key[-2:] in ("}i", "}o", "}e") else None
        if name is not None and (
            name in SECRET_HEADERS or name.removeprefix("http_").replace("_", "-") in SECRET_HEADERS
        ):
            value = LOG_MASK if value else value
        elif key in ADDRESS_ATOMS:
            value = "-" if hide else truncate_address(value)
        elif isinstance(value, str):
            value = mask_url_secrets(value, mask=LOG_MASK)
        clean[key] = value
    return clean


class _MaskRequestLines(logging.Filter):
    """Mask secrets and addresses in the error log's request lines.

    A request the application could not handle is logged as "Error handling
    request GET /path?token=…", a malformed one as "Invalid request from
    ip=…".
    """

    def filter(self, record):
        message = record.getMessage()
        masked = mask_url_secrets(message, mask=LOG_MASK)
        masked = _ERROR_IP_RE.sub(lambda m: truncate_address(m.group(0)), masked)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


class PrivateAccessLogger(Logger):
    """gunicorn's logger, writing no secret and no full client address."""

    def setup(self, cfg):
        super().setup(cfg)
        self.addresses = os.environ.get("ACCESS_LOG_ADDRESSES", "network").strip().lower()
        if self.addresses not in {"network", "none"}:
            raise ValueError(
                f"ACCESS_LOG_ADDRESSES={self.addresses!r}: use 'network' (the default) or 'none'"
            )
        if not any(isinstance(f, _MaskRequestLines) for f in self.error_log.filters):
            self.error_log.addFilter(_MaskRequestLines())

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return private_atoms(atoms, environ, addresses=getattr(self, "addresses", "network"))
