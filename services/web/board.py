"""Pages of the queue: the hall's public display board (a TV, no login).

The page renders the board's state once; static/services/board.js then polls
``GET /api/v1/halls/<slug>/board/`` every second and announces each new call
by voice. ``announcement_text`` here and ``MPPBoard.announcementText`` in the
script build the same sentence; a browser test keeps them in agreement.
"""

from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dates import MONTHS, WEEKDAYS
from django.utils.formats import date_format, get_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from mpp_portal.documents.formatting import terbilang
from mpp_portal.organizations.models import Hall
from services import selectors

# Calls listed under the big one; board.js has the same number (RECENT).
RECENT_CALLS = 6

# Digits are read one by one ("A-012" is "A nol satu dua"), as halls call
# tickets, never as a number ("dua belas").
DIGIT_WORDS = (
    "nol",
    "satu",
    "dua",
    "tiga",
    "empat",
    "lima",
    "enam",
    "tujuh",
    "delapan",
    "sembilan",
)


def spoken_code(code):
    """Return a ticket code as it is read aloud: "DK-105" -> "D K satu nol lima"."""
    words = []
    for char in code.upper():
        if "0" <= char <= "9":
            words.append(DIGIT_WORDS[int(char)])
        elif "A" <= char <= "Z":
            words.append(char)
    return " ".join(words)


def announcement_text(code, counter_number):
    """Return the Indonesian sentence the board speaks for a call.

    Always Indonesian, whatever the page language: it is what the hall hears.

    >>> announcement_text("A-012", 3)
    'Nomor antrean A nol satu dua, silakan menuju loket tiga'
    """
    return f"Nomor antrean {spoken_code(code)}, silakan menuju loket {terbilang(counter_number)}"


@never_cache
def board(request, hall):
    hall = get_object_or_404(Hall, slug=hall, is_active=True)
    # The poll's cached state: at a year of tickets the page costs a cache
    # read, as the poll does (the copy keeps the cached dict untouched).
    state = dict(selectors.cached_board_state(hall))
    state.pop("fingerprint")
    state.pop("etag", None)
    latest = state["calls"][0] if state["calls"] else None
    now = timezone.localtime()
    context = {
        "hall": hall,
        "board": state,
        "latest": latest,
        "recent_calls": state["calls"][1 : 1 + RECENT_CALLS],
        "announcement": (
            announcement_text(latest["code"], latest["counter_number"]) if latest else ""
        ),
        "api_url": reverse("hall-board", args=[hall.slug]),
        "today": date_format(now, "DATE_FORMAT"),
        "now": now,
        # Labels the script needs when it redraws the board, in the page language.
        "strings": {
            "counter": _("Loket %(number)s"),
            "noCalls": _("Belum ada panggilan"),
            "noRecent": _("Belum ada panggilan sebelumnya"),
            "noCounters": _("Belum ada loket yang buka"),
            "noWaiting": _("Tidak ada yang menunggu"),
            "recall": _("ulang"),
            "booked": _("terjadwal"),
            "paused": _("istirahat"),
            "ok": _("Diperbarui otomatis"),
            "offline": _("Koneksi terputus, mencoba lagi…"),
            "soundOn": _("Suara aktif"),
            "soundOff": _("Suara belum aktif"),
            # The clock the script redraws: names in the page language, Sunday first.
            "days": [str(WEEKDAYS[(day + 6) % 7]) for day in range(7)],
            "months": [str(MONTHS[month]) for month in range(1, 13)],
            "timeSeparator": get_format("TIME_FORMAT")[1],
        },
    }
    return render(request, "services/board/board.html", context)


urlpatterns = [
    path("antrean/layar/<slug:hall>/", board, name="board"),
]
