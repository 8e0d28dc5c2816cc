"""One throttle whose rate depends on who is calling.

Anonymous callers share the ``anon`` rate per address; kiosk devices and
staff get the generous ``trusted`` rate so that a busy hall never sees
429 at the kiosk; every other account gets ``user``. Tickets have their
own human rate per issuing account on top (``ticket_issue_allowed``).
"""

import contextlib
import math
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from mpp_portal.accounts.permissions import can


class RoleRateThrottle(SimpleRateThrottle):
    def __init__(self):
        # The scope is known only per request (allow_request).
        pass

    def get_scope(self, request):
        user = request.user
        if not (user and user.is_authenticated):
            return "anon"
        if can(user, "api.trusted_rate"):
            return "trusted"
        return "user"

    def allow_request(self, request, view):
        self.scope = self.get_scope(request)
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            ident = request.user.pk
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


# ---------------------------------------------------------------------------
# Tickets per issuing account (kiosk device or staff), API and kiosk page
# ---------------------------------------------------------------------------
TICKET_WINDOW = 60  # seconds


def _ticket_key(user_id, window):
    return f"ticket-rate:{user_id}:{window}"


def ticket_issue_allowed(user, *, now=None):
    """Count one ticket for ``user``; return False past KIOSK_TICKETS_PER_MINUTE.

    One kiosk token once took a service's whole daily quota in five seconds:
    the role rate (``trusted``) is for a whole hall's polling, not for one
    device. A person at a touch screen takes a ticket every few seconds at
    best, so each issuing account gets a human rate, shared by the API and
    the kiosk page (one key per account, whichever way it asks).

    A sliding window of two fixed minutes: the previous minute's count,
    weighted by the part of it still inside the last 60 s, plus this
    minute's. ``incr`` is atomic in Redis, so parallel requests cannot slip
    past the limit together as DRF's read-then-write history does. A refused
    request gives its count back: only tickets issued use up the rate.

    While the cache is down (mpp_portal.cache answers as an empty cache and
    ``incr`` raises ValueError) every request is allowed: a Redis outage must
    not stop the kiosk, and the database's daily cap still holds.
    """
    limit = settings.KIOSK_TICKETS_PER_MINUTE
    now = time.time() if now is None else now
    window, into = divmod(now, TICKET_WINDOW)
    window = int(window)
    key = _ticket_key(user.pk, window)
    # The key outlives its minute by one more: the next minute weighs it.
    cache.add(key, 0, TICKET_WINDOW * 2 + 5)
    try:
        current = cache.incr(key)
    except ValueError:
        # mpp_portal.cache has logged the outage (once, not per ticket).
        return True
    previous = cache.get(_ticket_key(user.pk, window - 1)) or 0
    if previous * (1 - into / TICKET_WINDOW) + current > limit:
        with contextlib.suppress(ValueError):
            cache.decr(key)
        return False
    return True


def ticket_retry_after(*, now=None):
    """Return the seconds until the current minute's window ends."""
    now = time.time() if now is None else now
    return max(1, math.ceil(TICKET_WINDOW - now % TICKET_WINDOW))


class TicketIssueThrottle(BaseThrottle):
    """POST /api/v1/tickets/: KIOSK_TICKETS_PER_MINUTE per issuing account."""

    def allow_request(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return True  # refused by the permission check before this
        return ticket_issue_allowed(user)

    def wait(self):
        return ticket_retry_after()
