"""mpp_portal.csv_export: the one CSV writer of the portal."""

import decimal

import pytest
from django.test import RequestFactory

from mpp_portal.csv_export import CsvExport, csv_cell


@pytest.mark.parametrize("text", ["=1+1", "+62812", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_a_formula_start_becomes_plain_text(text):
    assert csv_cell(text) == "'" + text


def test_numbers_stay_numbers_with_the_variants_decimal_mark():
    assert csv_cell(-2) == "-2"
    assert csv_cell(12.5) == "12.5"
    assert csv_cell(12.5, decimal_mark=",") == "12,5"
    assert csv_cell(decimal.Decimal("3.25"), decimal_mark=",") == "3,25"
    assert csv_cell(None) == ""


def test_the_export_starts_with_a_bom_and_picks_its_separator():
    plain = CsvExport(RequestFactory().get("/"), "x.csv")
    plain.writerow(["a", 1.5, "=x"])
    assert plain.response.content.decode() == "\ufeffa,1.5,'=x\r\n"
    assert plain.response["Content-Disposition"] == 'attachment; filename="x.csv"'

    excel = CsvExport(RequestFactory().get("/?pemisah=titik-koma"), "x.csv")
    excel.writerow(["a", 1.5])
    assert excel.response.content.decode() == "\ufeffa;1,5\r\n"


def test_csv_bytes_is_the_same_safe_file_for_storing():
    from mpp_portal.csv_export import csv_bytes

    data = csv_bytes([["nama", "angka"], ["=HYPERLINK(1)", 3.5], [None, "Bapenda"]])
    assert data.startswith("\ufeff".encode())
    assert data.decode("utf-8-sig").splitlines() == ["nama,angka", "'=HYPERLINK(1),3.5", ",Bapenda"]
