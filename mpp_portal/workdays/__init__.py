"""Asia/Jakarta working-day calendar (see ``calendar.py`` for the rules).

Imported while Django loads its apps, so nothing here imports models at
import time: ``calendar.py`` imports them inside its functions.
"""

from mpp_portal.workdays.calendar import (
    JAKARTA,
    add_working_days,
    closed_reason,
    day_start,
    day_status,
    deadline,
    describe_remaining,
    is_working_day,
    next_working_day,
    received_on,
    working_days_between,
    working_days_remaining,
    working_hours_from,
)

__all__ = [
    "JAKARTA",
    "add_working_days",
    "closed_reason",
    "day_start",
    "day_status",
    "deadline",
    "describe_remaining",
    "is_working_day",
    "next_working_day",
    "received_on",
    "working_days_between",
    "working_days_remaining",
    "working_hours_from",
]
