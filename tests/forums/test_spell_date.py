"""The berita acara's opening line: the day and date in Indonesian words.

Issue 11 asks for every form to be tested: the seven day names, every day
of the month 1-31, the twelve month names and every year 2000-2099.  The
expected words below are written out by hand (not computed with the
function under test), so a wrong rule in ``terbilang`` cannot agree with
itself.
"""

import datetime

import pytest

from mpp_portal.documents.formatting import spell_date_id, terbilang

# Day of the month, written as a berita acara writes it.
DAY_WORDS = {
    1: "satu",
    2: "dua",
    3: "tiga",
    4: "empat",
    5: "lima",
    6: "enam",
    7: "tujuh",
    8: "delapan",
    9: "sembilan",
    10: "sepuluh",
    11: "sebelas",
    12: "dua belas",
    13: "tiga belas",
    14: "empat belas",
    15: "lima belas",
    16: "enam belas",
    17: "tujuh belas",
    18: "delapan belas",
    19: "sembilan belas",
    20: "dua puluh",
    21: "dua puluh satu",
    22: "dua puluh dua",
    23: "dua puluh tiga",
    24: "dua puluh empat",
    25: "dua puluh lima",
    26: "dua puluh enam",
    27: "dua puluh tujuh",
    28: "dua puluh delapan",
    29: "dua puluh sembilan",
    30: "tiga puluh",
    31: "tiga puluh satu",
}

# 2024-01-01 was a Monday; 1-7 January 2024 gives every day name once.
DAY_NAMES = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]

MONTHS = [
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
]

_ONES = ["", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"]


def _year_words(year):
    """2000-2099 by the schoolbook rule, independent of ``terbilang``."""
    rest = year - 2000
    if rest == 0:
        tail = ""
    elif rest == 10:
        tail = "sepuluh"
    elif rest == 11:
        tail = "sebelas"
    elif rest < 10:
        tail = _ONES[rest]
    elif rest < 20:
        tail = f"{_ONES[rest - 10]} belas"
    else:
        tens, ones = divmod(rest, 10)
        tail = f"{_ONES[tens]} puluh" + (f" {_ONES[ones]}" if ones else "")
    return "dua ribu" + (f" {tail}" if tail else "")


def test_issue_example_thursday_twenty_june_2024():
    assert spell_date_id(datetime.date(2024, 6, 20)) == (
        "Pada hari ini Kamis tanggal dua puluh bulan Juni tahun dua ribu dua puluh empat"
    )


@pytest.mark.parametrize("offset", range(7))
def test_every_day_name(offset):
    day = datetime.date(2024, 1, 1) + datetime.timedelta(days=offset)
    assert spell_date_id(day, prefix="").startswith(f"{DAY_NAMES[offset]} tanggal ")


@pytest.mark.parametrize("day", range(1, 32))
def test_every_day_of_the_month(day):
    # January has 31 days; 2026-01-01 is a Thursday.
    date = datetime.date(2026, 1, day)
    expected = (
        f"{DAY_NAMES[date.weekday()]} tanggal {DAY_WORDS[day]} "
        "bulan Januari tahun dua ribu dua puluh enam"
    )
    assert spell_date_id(date, prefix="") == expected


def test_the_named_forms_of_the_issue():
    assert "tanggal satu bulan" in spell_date_id(datetime.date(2025, 3, 1))
    assert "tanggal sebelas bulan" in spell_date_id(datetime.date(2025, 3, 11))
    assert "tanggal dua puluh bulan" in spell_date_id(datetime.date(2025, 3, 20))
    assert spell_date_id(datetime.date(2026, 5, 1)).endswith("tahun dua ribu dua puluh enam")
    assert spell_date_id(datetime.date(2000, 1, 1)).endswith("tahun dua ribu")
    # "tanggal satu", never "tanggal se-" or "tanggal kesatu".
    assert "sesatu" not in spell_date_id(datetime.date(2025, 3, 1))


@pytest.mark.parametrize("month", range(1, 13))
def test_every_month_name(month):
    date = datetime.date(2024, month, 15)
    assert f"tanggal lima belas bulan {MONTHS[month - 1]} tahun " in spell_date_id(date)


@pytest.mark.parametrize("year", range(2000, 2100))
def test_every_year_2000_to_2099(year):
    date = datetime.date(year, 6, 20)
    text = spell_date_id(date, prefix="")
    assert text == (
        f"{DAY_NAMES[date.weekday()]} tanggal dua puluh bulan Juni tahun {_year_words(year)}"
    )
    assert terbilang(year) == _year_words(year)


def test_leap_day():
    assert spell_date_id(datetime.date(2028, 2, 29)) == (
        "Pada hari ini Selasa tanggal dua puluh sembilan bulan Februari "
        "tahun dua ribu dua puluh delapan"
    )


def test_aware_datetime_is_read_in_jakarta():
    # 19 June 2024 18:30 UTC is Thursday 20 June 01:30 WIB.
    moment = datetime.datetime(2024, 6, 19, 18, 30, tzinfo=datetime.UTC)
    assert spell_date_id(moment) == (
        "Pada hari ini Kamis tanggal dua puluh bulan Juni tahun dua ribu dua puluh empat"
    )


def test_naive_datetime_keeps_its_calendar_day():
    assert spell_date_id(datetime.datetime(2024, 6, 20, 23, 59), prefix="").startswith(
        "Kamis tanggal dua puluh "
    )


def test_custom_prefix():
    assert spell_date_id(datetime.date(2024, 6, 20), prefix="Pada hari").startswith(
        "Pada hari Kamis tanggal dua puluh"
    )
