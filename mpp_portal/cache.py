"""The cache backend: Django's Redis cache that degrades instead of failing.

The cache holds nothing that must survive (throttle counters, the board's
version and one-second state, progress of PDF jobs), so a Redis outage must
not stop the kiosk, the board or a complaint: every call then answers as if
the cache were empty and forgot every write. Throttles fail open (a logged
warning says so), the board recomputes its state from the database, and
``/healthz`` reports the cache as down.

After a failure the backend does not touch Redis for ``OUTAGE_SECONDS``, so
a busy hall does not pay a connection attempt per cache call while Redis is
away; the first call after that tries again.
"""

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

OUTAGE_SECONDS = 5
OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)


def _missing_key(*args, **kwargs):
    # incr/decr on a missing key raise ValueError in Django's API; callers
    # already handle it (they add the key, which the outage then ignores).
    raise ValueError("cache unavailable")


# What each operation answers while Redis is away: the answer of an empty
# cache that stores nothing. ``add`` says "stored", so code that counts with
# add-then-incr does not go on to an incr that cannot succeed.
FALLBACKS = {
    "get": lambda key, default=None, *args, **kwargs: default,
    "get_many": lambda *args, **kwargs: {},
    "has_key": lambda *args, **kwargs: False,
    "set": lambda *args, **kwargs: None,
    "set_many": lambda *args, **kwargs: [],
    "add": lambda *args, **kwargs: True,
    "touch": lambda *args, **kwargs: False,
    "delete": lambda *args, **kwargs: False,
    "delete_many": lambda *args, **kwargs: None,
    "incr": _missing_key,
    "decr": _missing_key,
    "clear": lambda *args, **kwargs: False,
}


class FailOpenRedisCache(RedisCache):
    _down_until = 0.0  # per process: monotonic time until which Redis is skipped

    @classmethod
    def is_down(cls):
        return time.monotonic() < cls._down_until

    @classmethod
    def _mark_down(cls, operation, exc):
        if not cls.is_down():
            logger.warning(
                "cache: Redis unavailable (%s in %s); serving without cache for %s s",
                exc.__class__.__name__,
                operation,
                OUTAGE_SECONDS,
            )
        cls._down_until = time.monotonic() + OUTAGE_SECONDS


def _fail_open(name, fallback):
    method = getattr(RedisCache, name)

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        if type(self).is_down():
            return fallback(*args, **kwargs)
        try:
            return method(self, *args, **kwargs)
        except OUTAGE_ERRORS as exc:
            type(self)._mark_down(name, exc)
            return fallback(*args, **kwargs)

    return wrapper


for _name, _fallback in FALLBACKS.items():
    setattr(FailOpenRedisCache, _name, _fail_open(_name, _fallback))
