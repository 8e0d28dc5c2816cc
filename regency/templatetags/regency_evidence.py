"""Template filters of the evidence pack's PDFs."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def figure(value, unit=""):
    """A number as the pack prints it (Indonesian grouping, "–" for none); text as is."""
    from regency.evidence import format_value

    if value is None or isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return format_value(value, unit or "")
    return value
