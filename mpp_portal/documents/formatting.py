"""Dates and numbers written the way Indonesian official letters write them.

The names are spelled out here instead of coming from the C locale or
Django's translation catalogue: a document must read the same on a server
without the ``id_ID`` locale and whatever language the visitor picked.
"""

import datetime
from zoneinfo import ZoneInfo

JAKARTA = ZoneInfo("Asia/Jakarta")

DAY_NAMES = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTH_NAMES = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)

_UNITS = (
    "nol",
    "satu",
    "dua",
    "tiga",
    "empat",
    "lima",
    "enam",
    "tujuh",
    "delapan",
    "sembilan",
    "sepuluh",
    "sebelas",
)
# "se-" replaces "satu" before ratus and ribu only: 1.000.000 is "satu
# juta", never "sejuta", in official writing.
_SCALES = (
    (10**12, "triliun"),
    (10**9, "miliar"),
    (10**6, "juta"),
    (1000, "ribu"),
)


def terbilang(number):
    """Return ``number`` (an int) written in Indonesian words.

    >>> terbilang(2024)
    'dua ribu dua puluh empat'
    """
    number = int(number)
    if number < 0:
        return "minus " + terbilang(-number)
    if number < 12:
        return _UNITS[number]
    if number < 20:
        return _UNITS[number - 10] + " belas"
    if number < 100:
        tens, rest = divmod(number, 10)
        return _join(_UNITS[tens] + " puluh", rest)
    if number < 1000:
        hundreds, rest = divmod(number, 100)
        head = "seratus" if hundreds == 1 else _UNITS[hundreds] + " ratus"
        return _join(head, rest)
    for value, word in _SCALES:
        if number >= value:
            count, rest = divmod(number, value)
            head = "seribu" if count == 1 and value == 1000 else terbilang(count) + " " + word
            return _join(head, rest)
    raise AssertionError("unreachable")  # pragma: no cover


def _join(head, rest):
    return head if rest == 0 else head + " " + terbilang(rest)


def _as_date(value):
    """Return the calendar date of ``value`` as seen in Jakarta."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(JAKARTA)
        return value.date()
    return value


def day_name_id(value):
    return DAY_NAMES[_as_date(value).weekday()]


def month_name_id(value):
    return MONTH_NAMES[_as_date(value).month - 1]


def format_date_id(value, *, with_day=True):
    """Return "Kamis, 20 Juni 2024" (or "20 Juni 2024" without the day).

    An aware datetime is read in Asia/Jakarta first, so a document issued
    at 00:30 WIB carries that day's date, not the UTC one.
    """
    if value is None:
        return ""
    day = _as_date(value)
    text = f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"
    if with_day:
        return f"{DAY_NAMES[day.weekday()]}, {text}"
    return text


def format_datetime_id(value):
    """Return "Kamis, 20 Juni 2024 pukul 09.30 WIB" for an aware datetime."""
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(JAKARTA)
    # Indonesian writes the time with a period (PUEBI): 09.30, not 09:30.
    return f"{format_date_id(value)} pukul {value:%H.%M} WIB"


def spell_date_id(value, *, prefix="Pada hari ini"):
    """Write the day and date out in words, as a berita acara opens.

    "Pada hari ini Kamis tanggal dua puluh bulan Juni tahun dua ribu dua
    puluh empat". Pass ``prefix=""`` to get the phrase from "Kamis" on.
    """
    day = _as_date(value)
    text = (
        f"{DAY_NAMES[day.weekday()]} tanggal {terbilang(day.day)} "
        f"bulan {MONTH_NAMES[day.month - 1]} tahun {terbilang(day.year)}"
    )
    return f"{prefix} {text}" if prefix else text
