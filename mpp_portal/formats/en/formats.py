"""English date and time formats of the web pages (FORMAT_MODULE_PATH).

The hall runs on a 24-hour clock in both languages; English writes it with
a colon (08:00) where Indonesian writes 08.00.
"""

DATE_FORMAT = "l, j F Y"  # Monday, 7 December 2026
TIME_FORMAT = "H:i"  # 08:00
DATETIME_FORMAT = "l, j F Y H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"  # 7 Dec 2026, 08:00
