"""Numbers on the dashboard as Indonesians write them; no data is "–", never 0."""

from decimal import Decimal

import pytest

from regency.templatetags.regency_tags import cell, figure_number, figure_short


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (None, "", "–"),
        (0, "", "0"),
        (1234567, "", "1.234.567"),
        (1234567, "Rp", "Rp1.234.567"),
        (33.3, "%", "33,3%"),
        (50.0, "%", "50%"),
        (Decimal("86.00"), "", "86,00"),
        (Decimal("91.67"), "", "91,67"),
        (12, "menit", "12 menit"),
    ],
)
def test_figure_number(value, unit, expected):
    assert figure_number(value, unit) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (999_999, "Rp999.999"),
        (300_000_000, "Rp300 juta"),
        (26_410_500_002, "Rp26,4 miliar"),
        (5_000_000_000, "Rp5 miliar"),
        (1_750_000_000_000, "Rp1,8 triliun"),
        (None, "–"),
    ],
)
def test_large_rupiah_in_words(value, expected):
    assert figure_short(value, "Rp") == expected


def test_cells():
    assert cell(None) == "–"
    assert cell(1500) == "1.500"
    assert cell("KTP-el") == "KTP-el"
