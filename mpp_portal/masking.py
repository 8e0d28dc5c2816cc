"""Mask personal data for lists, exports and the public API."""

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
