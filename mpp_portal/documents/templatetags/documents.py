"""Indonesian dates and numbers for templates: ``{% load documents %}``."""

import datetime

from django import template

from mpp_portal.documents import formatting

register = template.Library()


def _is_date(value):
    # A missing variable renders as "" in a template; print nothing then.
    return isinstance(value, datetime.date)


@register.filter
def tanggal(value, with_day="1"):
    """``{{ d|tanggal }}`` -> "Kamis, 20 Juni 2024"; ``{{ d|tanggal:"0" }}`` without the day."""
    if not _is_date(value):
        return ""
    return formatting.format_date_id(value, with_day=str(with_day) not in {"0", "False"})


@register.filter
def tanggal_waktu(value):
    if not isinstance(value, datetime.datetime):
        return tanggal(value)
    return formatting.format_datetime_id(value)


@register.filter
def tanggal_eja(value):
    return formatting.spell_date_id(value) if _is_date(value) else ""


@register.filter
def terbilang(value):
    try:
        return formatting.terbilang(int(value))
    except (TypeError, ValueError):
        return ""
