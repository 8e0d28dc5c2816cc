"""The Asia/Jakarta working-day calendar.

A day is a working day unless it is a Saturday or Sunday, a public holiday
or cuti bersama known to the ``holidays`` package (category "government"
holds cuti bersama, DOMAIN.md), a weekday the hall's office hours mark as
closed, or a date an admin closed in ``CalendarDay``. An admin's "open" row
reopens any date, weekends included (a decree may swap a working day).
Rows for one hall win over rows for every hall.

Conventions:

* ``add_working_days(start, n)`` never counts ``start`` itself: n=1 is the
  first working day after ``start``; n=0 returns ``start`` unchanged.
* ``working_days_between(a, b)`` counts working days in (a, b]; it is the
  inverse of ``add_working_days`` and negative when b < a.
* ``deadline(filed_at, n)`` ends at the hall's closing time on the Nth
  working day after the day the filing counts as received.

Cache policy: the calendar is read fresh, never cached. Nothing read from
the database (``CalendarDay`` rows, a hall's office hours) is kept between
calls, so an edit in the Django admin, a ``QuerySet.update()`` or a write
from another process is seen by the very next deadline and by the kiosk's
open/closed answer, for that hall only, with no invalidation to forget and
no signal. Each call reads the admin rows for its whole date range in one
query and the hall's office hours in one more. Only the ``holidays``
package's list is cached per year: it changes with a release, not at run
time.

Measured on the shared 2-core development machine (local PostgreSQL,
4 December 2026, 2,000 calls each): ``add_working_days(n=5, hall)`` 1.6-2.3
ms and 2 queries; the kiosk's open/closed answer (``day_status``) 1.8-2.0
ms and 2 queries, where one Redis read of a shared version stamp, which a
cache valid across processes would still need on every call, costs 0.3
ms; ``ticket_issue`` 6-7 ms and 8 queries read fresh, 5.4-6.5 ms and 6
queries with the per-process 30-second cache it used before. That cache
saved about 1 ms of a ticket endpoint answering in about 21 ms (README,
benchmarks) for a hall issuing a few hundred tickets an hour; it let other
processes answer from a stale calendar for up to 30 s and needed
``post_save`` receivers to clear it, so it is gone.
"""

import copy
import datetime
import functools
from typing import NamedTuple
from zoneinfo import ZoneInfo

import holidays
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext, ngettext

# WIB has had no daylight saving time since 1964, so every office day is
# exactly 24 hours and a closing time maps to one instant.
JAKARTA = ZoneInfo("Asia/Jakarta")
DEFAULT_OPENS = datetime.time(8, 0)
DEFAULT_CLOSES = datetime.time(16, 0)

# Days fetched ahead of a loop. Lebaran and its cuti bersama close about a
# week in a row; twice n plus three weeks is always more than enough, and a
# loop that still runs past it fetches the next chunk.
_SLACK_DAYS = 21
_CHUNK_DAYS = 60
# A calendar without one working day in a year is misconfigured; stop
# rather than loop forever.
_MAX_SCAN_DAYS = 366


@functools.lru_cache(maxsize=32)
def day_start(day):
    """00:00 WIB of ``day`` (a date), as an aware datetime.

    Every "from this day" or "before the day after" bound on a timestamp
    column is one of these: a range of instants keeps the column's index
    usable, where ``__date`` in the session's time zone would not.
    """
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=JAKARTA)


def _package_holidays(year):
    """Return {date: name} of Indonesian public holidays and cuti bersama."""
    return dict(
        holidays.country_holidays(
            "ID", years=year, categories=("public", "government"), language="id"
        )
    )


def package_holiday(day):
    """Return the ``holidays`` package's name for ``day``, or None."""
    return _package_holidays(day.year).get(day)


def _as_date(value):
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(JAKARTA)
        return value.date()
    if isinstance(value, datetime.date):
        return value
    raise TypeError(f"Expected a date, got {type(value).__name__}.")


def _hours_reader(hall):
    """Return a function day -> (opens, closes) | None for ``hall``.

    ``Hall.hours_on`` reads ``office_hours.all()`` on every call, so read
    the rows once into a copy of the hall (the caller's instance keeps its
    own cache untouched).
    """
    if hall is None:
        return lambda day: (DEFAULT_OPENS, DEFAULT_CLOSES) if day.weekday() < 5 else None
    reader = copy.copy(hall)
    reader._prefetched_objects_cache = dict(getattr(hall, "_prefetched_objects_cache", {}))
    if "office_hours" not in reader._prefetched_objects_cache:
        prefetch_related_objects([reader], "office_hours")
    return reader.hours_on


class _Calendar:
    """One call's view of the calendar: admin rows for a growing date range."""

    def __init__(self, hall):
        self.hall = hall
        self._hours = None
        self._overrides = {}
        self._lo = self._hi = None

    def hours_on(self, day):
        if self._hours is None:
            self._hours = _hours_reader(self.hall)
        return self._hours(day)

    def load(self, lo, hi):
        """Make sure the admin rows for [lo, hi] are read."""
        if self._lo is None:
            self._fetch(lo, hi)
            self._lo, self._hi = lo, hi
            return
        if lo < self._lo:
            self._fetch(lo, self._lo - datetime.timedelta(days=1))
            self._lo = lo
        if hi > self._hi:
            self._fetch(self._hi + datetime.timedelta(days=1), hi)
            self._hi = hi

    def _fetch(self, lo, hi):
        from mpp_portal.workdays.models import CalendarDay

        rows = (
            CalendarDay.objects.for_hall(self.hall)
            .filter(date__range=(lo, hi))
            .order_by()
            .values_list("date", "kind", "name", "hall_id")
        )
        for day, kind, name, hall_id in rows:
            # A hall's own row wins over the row for every hall.
            if hall_id is not None or day not in self._overrides:
                self._overrides[day] = (kind, name)

    def override(self, day):
        if self._lo is None or not self._lo <= day <= self._hi:
            if self._hi is not None and day > self._hi:
                self.load(self._lo, max(day, self._hi + datetime.timedelta(days=_CHUNK_DAYS)))
            else:
                self.load(day, day)
        return self._overrides.get(day)

    def closed_reason(self, day):
        """Return why ``day`` is closed, or None when it is a working day."""
        from mpp_portal.workdays.models import CalendarDay

        row = self.override(day)
        if row is not None:
            kind, name = row
            return None if kind == CalendarDay.Kind.OPEN else name
        holiday = package_holiday(day)
        if holiday:
            return holiday
        if day.weekday() == 5:
            return gettext("Sabtu")
        if day.weekday() == 6:
            return gettext("Minggu")
        if self.hours_on(day) is None:
            return gettext("Gedung MPP tutup")
        return None

    def is_working(self, day):
        return self.closed_reason(day) is None

    def office_hours(self, day):
        """Return (opens, closes) of a working day.

        A reopened weekend or closed weekday has no hours of its own: it
        keeps the usual 08:00-16:00.
        """
        return self.hours_on(day) or (DEFAULT_OPENS, DEFAULT_CLOSES)

    def add(self, start, n):
        day = start
        scanned = 0
        while n > 0:
            day += datetime.timedelta(days=1)
            if self.is_working(day):
                n -= 1
                scanned = 0
            else:
                scanned += 1
                if scanned > _MAX_SCAN_DAYS:
                    raise ValueError(f"No working day within a year after {day:%Y-%m-%d}.")
        return day


def _check_n(n):
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError("n must be an integer.")
    if n < 0:
        raise ValueError("n must be zero or more working days.")


def _span(start, n):
    return start + datetime.timedelta(days=2 * n + _SLACK_DAYS)


def is_working_day(d, hall=None):
    """Return True when ``d`` is a working day (for ``hall``, if given)."""
    return _Calendar(hall).is_working(_as_date(d))


def closed_reason(d, hall=None):
    """Return the name of the holiday or closure on ``d``, or None if working."""
    return _Calendar(hall).closed_reason(_as_date(d))


class DayStatus(NamedTuple):
    """What a hall's day is: why it is closed (None when working), and the
    hall's own office hours for its weekday (None when the hall keeps none)."""

    closed_reason: str | None
    hours: tuple[datetime.time, datetime.time] | None

    @property
    def is_working(self):
        return self.closed_reason is None


def day_status(d, hall=None):
    """Return the ``DayStatus`` of ``d`` for ``hall``, read fresh (two queries).

    The kiosk and ticketing ask this on every ticket; one calendar read
    answers both questions.
    """
    cal = _Calendar(hall)
    day = _as_date(d)
    return DayStatus(cal.closed_reason(day), cal.hours_on(day))


def working_hours_from(start, hall=None, limit=_MAX_SCAN_DAYS):
    """Yield ``(day, opens, closes)`` for each working day from ``start`` on
    (``start`` itself included), reading the calendar in chunks: the usual
    first answer costs two queries (admin rows, the hall's hours).

    Stops after ``limit`` days. "When does the hall open again?" reads it.
    """
    cal = _Calendar(hall)
    day = _as_date(start)
    cal.load(day, day + datetime.timedelta(days=_SLACK_DAYS))
    for _ in range(limit):
        if cal.is_working(day):
            opens, closes = cal.office_hours(day)
            yield day, opens, closes
        day += datetime.timedelta(days=1)


def add_working_days(start, n, hall=None):
    """Return the ``n``th working day after ``start``.

    ``start`` itself never counts, whether it is a working day or not;
    ``n=0`` returns ``start`` unchanged. A negative ``n`` raises ValueError.
    """
    _check_n(n)
    start = _as_date(start)
    if n == 0:
        return start
    cal = _Calendar(hall)
    cal.load(start, _span(start, n))
    return cal.add(start, n)


def next_working_day(d, hall=None):
    """Return the first working day after ``d`` (``d`` itself never counts)."""
    return add_working_days(d, 1, hall)


def working_days_between(a, b, hall=None):
    """Return the number of working days in (a, b]; negative when b < a.

    ``working_days_between(a, add_working_days(a, n)) == n`` for every n.
    """
    a, b = _as_date(a), _as_date(b)
    if b < a:
        return -working_days_between(b, a, hall)
    if a == b:
        return 0
    cal = _Calendar(hall)
    cal.load(a + datetime.timedelta(days=1), b)
    count = 0
    day = a
    while day < b:
        day += datetime.timedelta(days=1)
        count += cal.is_working(day)
    return count


def _received(cal, filed_at):
    if timezone.is_naive(filed_at):
        raise ValueError("filed_at must be an aware datetime.")
    local = filed_at.astimezone(JAKARTA)
    day = local.date()
    if cal.is_working(day) and local.time() < cal.office_hours(day)[1]:
        return day
    return cal.add(day, 1)


def received_on(filed_at, hall=None):
    """Return the working day a filing at ``filed_at`` counts as received.

    A filing on a working day before closing time counts that day (also
    before opening: it is on the desk when the office opens). At or after
    closing, or on a closed day, it counts from the next working day.
    """
    if timezone.is_naive(filed_at):
        raise ValueError("filed_at must be an aware datetime.")
    cal = _Calendar(hall)
    local_day = filed_at.astimezone(JAKARTA).date()
    cal.load(local_day, _span(local_day, 1))
    return _received(cal, filed_at)


def deadline(filed_at, n, hall=None):
    """Return the aware datetime (Asia/Jakarta) at which an ``n``-working-day
    period for a filing at ``filed_at`` ends: closing time of the ``n``th
    working day after the day the filing counts as received.

    ``n=0`` gives closing time of the day of receipt.
    """
    _check_n(n)
    if timezone.is_naive(filed_at):
        raise ValueError("filed_at must be an aware datetime.")
    cal = _Calendar(hall)
    local_day = filed_at.astimezone(JAKARTA).date()
    cal.load(local_day, _span(local_day, n + 1))
    received = _received(cal, filed_at)
    due = cal.add(received, n)
    return datetime.datetime.combine(due, cal.office_hours(due)[1], tzinfo=JAKARTA)


def working_days_remaining(deadline_dt, now=None, hall=None):
    """Return the working days left until ``deadline_dt``, signed.

    Positive: working days after today up to the deadline's day ("sisa 2
    hari kerja"). Zero: the deadline is later today. Negative: the deadline
    has passed; the number of working days since the deadline's day, at
    least 1 ("terlambat 1 hari kerja").
    """
    now = now or timezone.now()
    today = _as_date(now.astimezone(JAKARTA))
    due_day = _as_date(deadline_dt.astimezone(JAKARTA))
    if now <= deadline_dt:
        return working_days_between(today, due_day, hall)
    return -max(working_days_between(due_day, today, hall), 1)


def describe_remaining(deadline_dt, now=None, hall=None):
    """Return "sisa 2 hari kerja", "batas akhir hari ini" or "terlambat 1 hari kerja"."""
    left = working_days_remaining(deadline_dt, now, hall)
    if left > 0:
        return ngettext("sisa %(count)d hari kerja", "sisa %(count)d hari kerja", left) % {
            "count": left
        }
    if left == 0:
        return gettext("batas akhir hari ini")
    return ngettext("terlambat %(count)d hari kerja", "terlambat %(count)d hari kerja", -left) % {
        "count": -left
    }


def describe_remaining_many(deadlines, now=None, hall=None):
    """Return {deadline: text} as ``describe_remaining`` gives it, for many
    deadlines of one hall, reading the calendar once.

    Lists show a remaining time on every row; one ``describe_remaining``
    per row would cost a query per row. None deadlines are left out.
    """
    now = now or timezone.now()
    today = _as_date(now.astimezone(JAKARTA))
    due_days = {d: _as_date(d.astimezone(JAKARTA)) for d in set(deadlines) if d is not None}
    if not due_days:
        return {}
    cal = _Calendar(hall)
    cal.load(min(today, *due_days.values()), max(today, *due_days.values()))

    def between(a, b):
        # Working days in (a, b], a <= b, from the calendar read above.
        count, day = 0, a
        while day < b:
            day += datetime.timedelta(days=1)
            count += cal.is_working(day)
        return count

    result = {}
    for deadline_dt, due_day in due_days.items():
        if now <= deadline_dt:
            left = between(today, due_day) if due_day >= today else 0
        else:
            left = -max(between(due_day, today) if today >= due_day else 0, 1)
        if left > 0:
            text = ngettext("sisa %(count)d hari kerja", "sisa %(count)d hari kerja", left) % {
                "count": left
            }
        elif left == 0:
            text = gettext("batas akhir hari ini")
        else:
            text = ngettext(
                "terlambat %(count)d hari kerja", "terlambat %(count)d hari kerja", -left
            ) % {"count": -left}
        result[deadline_dt] = text
    return result


# -- batch helpers for lists -------------------------------------------------
# Statistics count working days for many (start, end) pairs; one calendar
# read for all of them instead of one per pair.
def _count_between(cal, a, b):
    if b < a:
        return -_count_between(cal, b, a)
    count = 0
    day = a
    while day < b:
        day += datetime.timedelta(days=1)
        count += cal.is_working(day)
    return count


def working_days_between_many(pairs, hall=None):
    """Return ``working_days_between(a, b, hall)`` for each (a, b) in ``pairs``,
    in order, reading the calendar once for the whole span."""
    pairs = [(_as_date(a), _as_date(b)) for a, b in pairs]
    if not pairs:
        return []
    lo, hi = min(min(p) for p in pairs), max(max(p) for p in pairs)
    cal = _Calendar(hall)
    cal.load(lo, hi)
    if sum(abs((b - a).days) for a, b in pairs) <= (hi - lo).days:
        return [_count_between(cal, a, b) for a, b in pairs]
    # Long or overlapping ranges: each day of the span is looked at once,
    # upto[k] = working days in (lo, lo + k], and a pair is a difference.
    upto = [0]
    day = lo
    while day < hi:
        day += datetime.timedelta(days=1)
        upto.append(upto[-1] + cal.is_working(day))
    return [upto[(b - lo).days] - upto[(a - lo).days] for a, b in pairs]
