import datetime

import pytest
from django.utils import translation

from regency.periods import MONTH, QUARTER, SEMESTER, YEAR, Period


@pytest.mark.parametrize(
    ("period", "start", "end", "slug", "label"),
    [
        (Period(MONTH, 2026, 2), (2026, 2, 1), (2026, 2, 28), "2026-02", "Februari 2026"),
        (Period(MONTH, 2024, 2), (2024, 2, 1), (2024, 2, 29), "2024-02", "Februari 2024"),
        (Period(MONTH, 2026, 12), (2026, 12, 1), (2026, 12, 31), "2026-12", "Desember 2026"),
        (Period(QUARTER, 2026, 4), (2026, 10, 1), (2026, 12, 31), "2026-q4", "Triwulan IV 2026"),
        (Period(SEMESTER, 2026, 1), (2026, 1, 1), (2026, 6, 30), "2026-s1", "Semester I 2026"),
        (Period(YEAR, 2026), (2026, 1, 1), (2026, 12, 31), "2026", "Tahun 2026"),
    ],
)
def test_bounds_slug_and_label(period, start, end, slug, label):
    assert period.start == datetime.date(*start)
    assert period.end == datetime.date(*end)
    assert period.slug == slug
    assert Period.from_slug(slug) == period
    with translation.override("id"):
        assert period.label == label


def test_timestamps_are_wib_midnights():
    period = Period(MONTH, 2026, 3)
    # 23:30 WIB on 31 March is 16:30 UTC: inside March.
    late = datetime.datetime(2026, 3, 31, 16, 30, tzinfo=datetime.UTC)
    assert period.start_at <= late < period.end_at
    # 00:10 WIB on 1 April is still 31 March in UTC: outside.
    early_april = datetime.datetime(2026, 3, 31, 17, 10, tzinfo=datetime.UTC)
    assert not early_april < period.end_at
    assert period.start_at == datetime.datetime(2026, 2, 28, 17, 0, tzinfo=datetime.UTC)


def test_previous_and_next_cross_the_year():
    assert Period(MONTH, 2026, 1).previous() == Period(MONTH, 2025, 12)
    assert Period(QUARTER, 2026, 1).previous() == Period(QUARTER, 2025, 4)
    assert Period(SEMESTER, 2026, 1).previous() == Period(SEMESTER, 2025, 2)
    assert Period(YEAR, 2026).previous() == Period(YEAR, 2025)
    assert [d.month for d in Period(QUARTER, 2026, 2).months()] == [4, 5, 6]


def test_invalid_periods_are_refused():
    for args in (("month", 2026, 0), ("quarter", 2026, 5), ("week", 2026, 1), ("year", 1999, 1)):
        with pytest.raises(ValueError):
            Period(*args)
