"""Indonesian date and time formats of the web pages (FORMAT_MODULE_PATH).

Indonesian writes a time with a period and two-digit hours (PUEBI: 08.00);
Django's own ``id`` formats say "8.00". What is not set here comes from
Django's ``id`` module. Documents (PDF) keep mpp_portal.documents.formatting,
which reads the same whatever the page language.
"""

DATE_FORMAT = "l, j F Y"  # Senin, 7 Desember 2026
TIME_FORMAT = "H.i"  # 08.00
DATETIME_FORMAT = "l, j F Y H.i"
SHORT_DATETIME_FORMAT = "j M Y, H.i"  # 7 Des 2026, 08.00
