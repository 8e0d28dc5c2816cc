"""Mask personal data for lists, exports and the public API."""

import re

from mpp_portal.identity import normalize_phone


def mask_nik(nik):
    """Return ``3201********0001`` for a NIK: region and serial stay readable."""
    if not nik:
        return ""
    nik = str(nik)
    if len(nik) <= 8:
        return "*" * len(nik)
    return nik[:4] + "*" * (len(nik) - 8) + nik[-4:]


def mask_phone(phone):
    """Return ``0812******89`` for a phone number, stored E.164 or not.

    The stored ``+62812...`` is shown in the national form people know, so
    the operator prefix and the last two digits stay readable.
    """
    if not phone:
        return ""
    e164 = normalize_phone(phone)
    phone = "0" + e164[3:] if e164 else str(phone)
    if len(phone) <= 6:
        return "*" * len(phone)
    return phone[:4] + "*" * (len(phone) - 6) + phone[-2:]


def mask_email(email):
    if not email or "@" not in email:
        return ""
    local, domain = email.split("@", 1)
    return local[:1] + "***@" + domain


# A secret in a URL's query: ?token= (reporter and booking links), ?api_key=
# (Open311), and any other parameter whose name says it is a key or secret.
# The value stops before a trailing full stop, so "...?token=abc." in a
# message keeps its sentence.
_URL_CHAR = r"(?:[^\s&;#\"'<>.%]|%(?!26|3[dD])[0-9A-Fa-f]{2})"
URL_SECRET_RE = re.compile(
    # A parameter starts the text or follows ?, & or ; (also percent-encoded,
    # as in a ?next= that carries another URL).
    r"(?P<name>(?:^|(?<=[?&;])|(?<=%3[fF])|(?<=%26))"
    r"[\w.\-]*?(?:token|api_key|apikey|secret|password|otp)[\w.\-]*(?:=|%3[dD]))"
    rf"(?P<value>{_URL_CHAR}+(?:\.{_URL_CHAR}+)*)",
    re.IGNORECASE,
)
URL_SECRET_MASK = "••••"


def mask_url_secrets(text, mask=URL_SECRET_MASK):
    """Return ``text`` with the value of every secret URL parameter replaced.

    ``https://…/lacak/LBG-2026-00001/?token=abc`` becomes
    ``https://…/lacak/LBG-2026-00001/?token=••••``: the link is still
    recognisable, the secret is gone. Used for stored messages and the
    access log (``mpp_portal.accesslog``).
    """
    if not text:
        return text
    return URL_SECRET_RE.sub(lambda m: m.group("name") + mask, text)
