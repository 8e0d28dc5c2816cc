"""Is the hall open now, and if not, when does it open again?

One answer for every page that says so (the home page, the kiosk's first
screen): the hall's office hours on its working days, with public holidays,
cuti bersama and the admin's closed or reopened dates
(``mpp_portal.workdays``).
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _

from mpp_portal.workdays import closed_reason, working_hours_from

# A hall closed longer than this (a misconfigured calendar) says only "closed".
LOOK_AHEAD_DAYS = 60


@dataclass(frozen=True)
class Opening:
    """The hall's state at ``now``.

    ``closes``: today's closing time while open. ``reopens``: the next
    opening (an aware datetime) while closed, None when none is known.
    ``reason``: why today is closed (a holiday's name, "Minggu"), None on a
    working day.
    """

    now: datetime.datetime
    is_open: bool
    closes: datetime.time | None = None
    reopens: datetime.datetime | None = None
    reason: str | None = None

    @property
    def text(self):
        """ "Buka sekarang, tutup 16.00" or "Tutup, buka lagi Senin 08.00",
        in the active language (read it while rendering)."""
        if self.is_open:
            return _("Buka sekarang, tutup %(time)s") % {"time": time_format(self.closes)}
        if self.reopens is None:
            return _("Tutup")
        if self.reason:
            return _("Tutup (%(reason)s), buka lagi %(when)s") % {
                "reason": self.reason,
                "when": self.reopens_text,
            }
        return _("Tutup, buka lagi %(when)s") % {"when": self.reopens_text}

    @property
    def reopens_text(self):
        """ "hari ini 08.00", "besok 08.00", "Senin 08.00" or "Senin, 5 Januari 2027 08.00"."""
        if self.reopens is None:
            return ""
        day = self.reopens.date()
        today = self.now.date()
        time = time_format(self.reopens.time())
        if day == today:
            return _("hari ini %(time)s") % {"time": time}
        if day == today + datetime.timedelta(days=1):
            return _("besok %(time)s") % {"time": time}
        if day < today + datetime.timedelta(days=7):
            name = date_format(day, "l")
        else:
            name = date_format(day, "DATE_FORMAT")
        # Translators: a day and a time of opening, "Senin 08.00".
        return _("%(day)s %(time)s") % {"day": name, "time": time}


def hall_opening(hall, now=None):
    """Return the ``Opening`` of ``hall`` at ``now`` (default: now)."""
    now = timezone.localtime(now)
    today = now.date()
    working_today = False
    for day, opens, closes in working_hours_from(today, hall, limit=LOOK_AHEAD_DAYS):
        if day == today:
            working_today = True
            if now.time() < opens:
                return Opening(now, False, reopens=_at(day, opens, now))
            if now.time() < closes:
                return Opening(now, True, closes=closes)
            continue  # closed for the evening: the next working day
        reason = None if working_today else closed_reason(today, hall)
        return Opening(now, False, reopens=_at(day, opens, now), reason=reason)
    return Opening(now, False, reason=closed_reason(today, hall))


def _at(day, time, now):
    return datetime.datetime.combine(day, time, tzinfo=now.tzinfo)
