"""Typed readers for settings taken from the environment.

Each helper raises ImproperlyConfigured on a value it cannot read, so a
typo in a deployment fails at start-up instead of running with a default.
"""

import os

from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def env_str(name, default=None, *, required=False):
    value = os.environ.get(name)
    if value is None or value == "":
        if required:
            raise ImproperlyConfigured(f"Environment variable {name} is required.")
        return default
    return value


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use 1/0, true/false).")


def env_int(name, default, *, minimum=None):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} must be at least {minimum}.")
    return number


RATE_PERIODS = {"s", "m", "h", "d"}


def env_rate(name, default):
    """Return a DRF throttle rate such as "60/min", checked the way DRF reads it."""
    value = env_str(name, default)
    number, _slash, period = value.partition("/")
    if not (number.isdigit() and int(number) > 0 and period[:1] in RATE_PERIODS):
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a rate (a number, '/', and s, min, hour or day: 60/min)."
        )
    return value


def env_list(name, default=()):
    value = os.environ.get(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_url(name, default=None, *, schemes):
    """Return a URL whose scheme is one of ``schemes``, or ``default``."""
    value = env_str(name, default)
    if value is None:
        return None
    scheme = value.split("://", 1)[0] if "://" in value else ""
    if scheme not in schemes:
        allowed = ", ".join(sorted(schemes))
        raise ImproperlyConfigured(f"{name} must start with one of: {allowed}://")
    return value
