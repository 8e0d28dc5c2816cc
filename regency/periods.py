"""Reporting periods of the regency's dashboard and evidence pack.

A period is a month, a quarter (triwulan), a semester or a year of the
calendar in Asia/Jakarta. Dates are WIB calendar dates, both ends inclusive;
timestamps compare against ``start_at <= t < end_at`` (00:00 WIB of the first
day to 00:00 WIB of the day after the last), so a ticket issued at 23:30 WIB
on the last day belongs to the period although it is the next day in UTC.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _

from mpp_portal.workdays import JAKARTA, day_start

MONTH = "month"
QUARTER = "quarter"
SEMESTER = "semester"
YEAR = "year"

KINDS = {
    MONTH: _("Bulan"),
    QUARTER: _("Triwulan"),
    SEMESTER: _("Semester"),
    YEAR: _("Tahun"),
}
# Months in one period of each kind, and how many periods a year holds.
_MONTHS = {MONTH: 1, QUARTER: 3, SEMESTER: 6, YEAR: 12}
ROMAN = ("I", "II", "III", "IV")


@dataclass(frozen=True)
class Period:
    """One reporting period: ``kind``, ``year`` and ``index`` (1-based)."""

    kind: str
    year: int
    index: int = 1

    def __post_init__(self):
        if self.kind not in _MONTHS:
            raise ValueError(f"unknown period kind {self.kind!r}")
        if not 1 <= self.index <= 12 // _MONTHS[self.kind]:
            raise ValueError(f"{self.kind} {self.index} does not exist")
        if not 2000 <= self.year <= 2100:
            raise ValueError(f"year {self.year} is out of range")

    # -- dates -----------------------------------------------------------
    @property
    def start(self) -> datetime.date:
        month = (self.index - 1) * _MONTHS[self.kind] + 1
        return datetime.date(self.year, month, 1)

    @property
    def end(self) -> datetime.date:
        """The last day of the period (inclusive)."""
        month = self.start.month + _MONTHS[self.kind]
        year = self.year + (month > 12)
        return datetime.date(year, (month - 1) % 12 + 1, 1) - datetime.timedelta(days=1)

    @property
    def start_at(self) -> datetime.datetime:
        """00:00 WIB of the first day (aware)."""
        return day_start(self.start)

    @property
    def end_at(self) -> datetime.datetime:
        """00:00 WIB of the day after the last day (aware, exclusive)."""
        day_after = self.end + datetime.timedelta(days=1)
        return day_start(day_after)

    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end

    def months(self) -> list[datetime.date]:
        """The first day of each month of the period (for per-month series)."""
        first = self.start.month
        return [datetime.date(self.year, first + i, 1) for i in range(_MONTHS[self.kind])]

    # -- neighbours ------------------------------------------------------
    def previous(self) -> "Period":
        if self.index > 1:
            return Period(self.kind, self.year, self.index - 1)
        return Period(self.kind, self.year - 1, 12 // _MONTHS[self.kind])

    def is_future(self, today=None) -> bool:
        return self.start > (today or timezone.localdate(timezone=JAKARTA))

    # -- names -----------------------------------------------------------
    @property
    def label(self) -> str:
        """Name in the active language, e.g. "Maret 2026", "Triwulan I 2026"."""
        if self.kind == MONTH:
            return f"{MONTHS[self.index]} {self.year}"
        if self.kind == YEAR:
            return f"{KINDS[YEAR]} {self.year}"
        return f"{KINDS[self.kind]} {ROMAN[self.index - 1]} {self.year}"

    @property
    def slug(self) -> str:
        """Short, file-name safe: 2026-03, 2026-q1, 2026-s1, 2026."""
        if self.kind == MONTH:
            return f"{self.year}-{self.index:02d}"
        if self.kind == QUARTER:
            return f"{self.year}-q{self.index}"
        if self.kind == SEMESTER:
            return f"{self.year}-s{self.index}"
        return str(self.year)

    def as_query(self) -> dict:
        return {"jenis": self.kind, "tahun": self.year, "ke": self.index}

    def __str__(self):
        return str(self.label)

    # -- construction ----------------------------------------------------
    @classmethod
    def containing(cls, kind: str, day: datetime.date) -> "Period":
        if kind not in _MONTHS:
            raise ValueError(f"unknown period kind {kind!r}")
        return cls(kind, day.year, (day.month - 1) // _MONTHS[kind] + 1)

    @classmethod
    def from_slug(cls, slug: str) -> "Period":
        """Inverse of ``slug`` (ValueError on anything else)."""
        year, _sep, rest = slug.partition("-")
        if not rest:
            return cls(YEAR, int(year))
        if rest[0] in "qs":
            return cls(QUARTER if rest[0] == "q" else SEMESTER, int(year), int(rest[1:]))
        return cls(MONTH, int(year), int(rest))
