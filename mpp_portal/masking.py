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


# Contact details written into free text (a survey suggestion, a forum input):
# an e-mail address, a 16-digit NIK (separators allowed), an Indonesian mobile
# number in any of the forms people write (0812-3456-7890, +62 812 3456 7890,
# 62812...). A candidate counts only when identity.py's own rules accept it,
# so a year, a price or a queue number stays as written.
_EMAIL_IN_TEXT = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
_NIK_IN_TEXT = re.compile(r"(?<![\d+])\d(?:[\s.\-]?\d){15}(?!\d)")
_PHONE_IN_TEXT = re.compile(r"(?<![\d+])(?:\+\s?62|62|0)[\s.\-()]*8(?:[\s.\-)]{0,2}\d){8,11}(?!\d)")


def mask_contacts_in_text(text):
    """Return ``text`` with e-mail addresses, NIKs and mobile numbers masked.

    For free text shown beyond the staff who handle it: published reports,
    public pages, evidence packs. The masked forms are those of lists
    (``mask_email``, ``mask_nik``, ``mask_phone``), so a reader still sees that a
    contact was written, not which.
    """
    if not text:
        return text

    def nik(match):
        digits = re.sub(r"\D", "", match.group(0))
        return mask_nik(digits) if len(digits) == 16 and digits[0] != "0" else match.group(0)

    def phone(match):
        return mask_phone(match.group(0)) if normalize_phone(match.group(0)) else match.group(0)

    text = _EMAIL_IN_TEXT.sub(lambda m: mask_email(m.group(0)), text)
    text = _NIK_IN_TEXT.sub(nik, text)
    return _PHONE_IN_TEXT.sub(phone, text)
