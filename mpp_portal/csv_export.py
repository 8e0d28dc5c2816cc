"""One CSV writer for every export of the portal.

Every cell goes through ``csv_cell``: a text that a spreadsheet would run as a
formula (``=``, ``+``, ``-``, ``@``, tab, CR first; OWASP "CSV injection") gets
a leading quote, so a service renamed ``=HYPERLINK(...)`` is plain text in
every file. The file starts with a byte order mark, without which Excel
reads UTF-8 as Latin-1.

Excel set to Indonesian reads a comma-separated file as one column: it
expects ``;`` between cells and ``,`` as the decimal mark. ``?pemisah=titik-koma``
asks for that variant (the export pages link both).
"""

import csv
import decimal
import io

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The query parameter and value that ask for the Indonesian-Excel variant.
SEMICOLON_PARAM = "pemisah"
SEMICOLON_VALUE = "titik-koma"


def csv_cell(value, *, decimal_mark="."):
    """Return ``value`` as a CSV cell a spreadsheet shows and never evaluates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float, decimal.Decimal)):
        # A number is never a formula; only its decimal mark depends on the locale.
        return str(value).replace(".", decimal_mark)
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_bytes(rows):
    """Return ``rows`` as the bytes of a CSV file (byte order mark, safe cells).

    For a CSV that is stored or zipped rather than sent as a response (the
    MCP evidence pack); ``CsvExport`` is the same file as a download.
    """
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


class CsvExport:
    """An attachment response with a writer whose every cell is made safe.

    ``rows = CsvExport(request, "pengaduan.csv")``, then ``rows.writerow([...])``
    and return ``rows.response``.
    """

    def __init__(self, request, filename):
        semicolon = request.GET.get(SEMICOLON_PARAM) == SEMICOLON_VALUE
        self.delimiter = ";" if semicolon else ","
        self.decimal_mark = "," if semicolon else "."
        self.response = HttpResponse(content_type="text/csv; charset=utf-8")
        self.response["Content-Disposition"] = f'attachment; filename="{filename}"'
        self.response.write("\ufeff")
        self._writer = csv.writer(self.response, delimiter=self.delimiter)

    def writerow(self, row):
        self._writer.writerow([csv_cell(v, decimal_mark=self.decimal_mark) for v in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)
