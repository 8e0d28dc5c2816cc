"""Numbers of the dashboard as Indonesians write them (1.234.567; 81,25; Rp1.500)."""

from decimal import Decimal

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

DASH = "–"


def _number(value):
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    if isinstance(value, Decimal):
        # A Decimal keeps its places (an IKM of 86,00 stays two decimals).
        text = f"{value:,f}"
    elif isinstance(value, float):
        text = f"{value:,.2f}".rstrip("0").rstrip(".")
    else:
        return str(value)
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


@register.filter
def figure_number(value, unit=""):
    """``value`` with its unit; "–" for no data (never 0)."""
    if value is None or value == "":
        return DASH
    text = _number(value)
    if unit == "Rp":
        return f"Rp{text}"
    if unit == "%":
        return f"{text}%"
    if unit:
        return f"{text} {unit}"
    return text


@register.filter
def cell(value):
    """A table cell: numbers formatted, None as "–"."""
    if value is None:
        return DASH
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return _number(value)
    return value


# Large rupiah amounts as Indonesians say them on a dashboard: "Rp26,4 miliar".
SCALES = [
    (10**12, _("triliun")),
    (10**9, _("miliar")),
    (10**6, _("juta")),
]


@register.filter
def figure_short(value, unit=""):
    """Like figure_number, rupiah of a million or more in juta/miliar/triliun."""
    if unit == "Rp" and isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        for size, word in SCALES:
            if abs(value) >= size:
                amount = round(float(value) / size, 1)
                text = _number(int(amount) if amount == int(amount) else amount)
                return f"Rp{text} {word}"
    return figure_number(value, unit)
